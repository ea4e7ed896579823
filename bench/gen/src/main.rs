//! `huifang-bench-gen`: writes `customers.csv`, `orders.csv` and `visits.csv` for
//! huifang's performance yardstick (issue 8).
//!
//! ```text
//! cargo run --release --manifest-path bench/gen/Cargo.toml -- \
//!     --orders 5M --customers 1M --visits 5M --out bench/data/5m [--seed 42] [--as-of 2026-11-23]
//! ```
//!
//! The output is a pure function of the arguments: the same arguments give
//! byte-identical files on any machine (see `rng.rs` for why the PRNG is hand-rolled).
//! Orders open uniformly from 2025-01-01 to 2026-11-30 and their ids follow that
//! time order, as a real export's would. Visits are only logged up to `--as-of` (the
//! benchmark's `--date`), because a visit log cannot hold visits that have not
//! happened yet.

mod clock;
mod rng;
mod tables;

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clock::{Clock, DAY};
use rng::Rng;
use tables::*;

const USAGE: &str = "\
usage: huifang-bench-gen --orders N --customers N --visits N --out DIR [--seed S] [--as-of YYYY-MM-DD]

Writes DIR/customers.csv, DIR/orders.csv and DIR/visits.csv, deterministic from --seed
(default 42). Counts take a k or M suffix (200k, 5M). Visits are logged no later than
--as-of (default 2026-11-23, the benchmark's --date).";

/// Last day on which an order may open or close (the brief: data up to 2026-11-30).
const LAST_DAY: &str = "2026-11-30";

/// Command-line arguments, validated.
struct Args {
    orders: u64,
    customers: u64,
    visits: u64,
    out: PathBuf,
    seed: u64,
    /// Day index (since 2025-01-01) of the last day visits are logged.
    as_of: u32,
}

/// Independent PRNG streams, one per purpose, so that one file's content does not
/// depend on how many draws another file made.
mod stream {
    pub const CUSTOMERS: u64 = 1;
    pub const OPENED: u64 = 2;
    pub const ORDERS: u64 = 3;
    pub const VISITS: u64 = 4;
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("huifang-bench-gen: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("huifang-bench-gen: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Parses `--name value` pairs; no clap, to keep this package to one dependency.
fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut orders, mut customers, mut visits, mut out) = (None, None, None, None);
    let mut seed = 42;
    let mut as_of = clock::parse_day("2026-11-23").expect("valid constant");
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = it.next().ok_or_else(|| format!("`{flag}` needs a value"))?;
        match flag.as_str() {
            "--orders" => orders = Some(parse_count(&value)?),
            "--customers" => customers = Some(parse_count(&value)?),
            "--visits" => visits = Some(parse_count(&value)?),
            "--out" => out = Some(PathBuf::from(value)),
            "--seed" => seed = value.parse().map_err(|_| format!("bad --seed `{value}`"))?,
            "--as-of" => {
                as_of = clock::parse_day(&value)
                    .ok_or_else(|| format!("bad --as-of `{value}`, expected YYYY-MM-DD from 2025-01-01"))?
            }
            _ => return Err(format!("unknown argument `{flag}`")),
        }
    }
    let need = |v: Option<u64>, name: &str| v.ok_or_else(|| format!("missing --{name}"));
    let args = Args {
        orders: need(orders, "orders")?,
        customers: need(customers, "customers")?,
        visits: need(visits, "visits")?,
        out: out.ok_or("missing --out")?,
        seed,
        as_of,
    };
    if args.customers == 0 && args.orders > 0 {
        return Err("orders need at least one customer".into());
    }
    if args.customers > u64::from(u32::MAX) || args.orders > u64::from(u32::MAX) {
        return Err("at most 4294967295 customers or orders".into());
    }
    Ok(args)
}

/// `5000000`, `5_000_000`, `200k` or `5M`.
fn parse_count(s: &str) -> Result<u64, String> {
    let t = s.replace('_', "");
    let (digits, mult) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1_000),
        Some('m' | 'M') => (&t[..t.len() - 1], 1_000_000),
        _ => (&t[..], 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("bad count `{s}`"))
}

fn run(args: &Args) -> io::Result<()> {
    fs::create_dir_all(&args.out)?;
    let last_day = clock::parse_day(LAST_DAY).expect("valid constant");
    // Visits can fall up to ~75 days after the last anchor; leave a generous margin.
    let clock = Clock::new(last_day.max(args.as_of) + 400);

    let t = Instant::now();
    let unvisitable = write_customers(args, &args.out.join("customers.csv"))?;
    report("customers.csv", args.customers, &args.out, t);

    let t = Instant::now();
    let units = write_orders(args, &clock, last_day, &unvisitable, &args.out.join("orders.csv"))?;
    report("orders.csv", args.orders, &args.out, t);

    let t = Instant::now();
    let n = write_visits(args, &clock, &units, &args.out.join("visits.csv"))?;
    report("visits.csv", n, &args.out, t);
    if n < args.visits {
        eprintln!(
            "huifang-bench-gen: warning: only {n} of {} visits: too few closed orders before --as-of",
            args.visits
        );
    }
    Ok(())
}

fn report(name: &str, rows: u64, dir: &Path, t: Instant) {
    let bytes = fs::metadata(dir.join(name)).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "{name:>14}: {rows:>10} rows {:>8.1} MB in {:.2} s",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
}

/// A CSV writer with a large buffer: the files are written strictly sequentially.
fn writer(path: &Path) -> io::Result<csv::Writer<BufWriter<File>>> {
    let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
    Ok(csv::WriterBuilder::new().from_writer(file))
}

/// Writes `prefix` followed by `n` zero-padded to `width` digits; returns the bytes.
fn format_id(prefix: u8, n: u64, width: usize, buf: &mut [u8; 24]) -> &[u8] {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut v = n;
    loop {
        digits[len] = b'0' + (v % 10) as u8;
        len += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let width = width.max(len);
    buf[0] = prefix;
    for i in 0..width {
        buf[1 + i] = if i < width - len { b'0' } else { digits[width - 1 - i] };
    }
    &buf[..1 + width]
}

/// Id widths: `C0000001` and `O00000001` as in the brief, wider only if needed.
fn customer_width(args: &Args) -> usize {
    7.max(args.customers.to_string().len())
}
fn order_width(args: &Args) -> usize {
    8.max(args.orders.to_string().len())
}

/// Writes customers.csv. Returns, per customer, whether a flag means staff would not
/// call them (deceased, privacy, do_not_contact), so no visits are logged for them.
fn write_customers(args: &Args, path: &Path) -> io::Result<Vec<bool>> {
    let mut rng = Rng::new(args.seed, stream::CUSTOMERS);
    let mut w = writer(path)?;
    w.write_record(["customer_id", "name", "phone", "segment", "flags"])?;
    let width = customer_width(args);
    let mut unvisitable = Vec::with_capacity(args.customers as usize);
    let (mut id, mut name, mut phone, mut flags) = ([0u8; 24], String::new(), String::new(), String::new());
    for i in 1..=args.customers {
        name.clear();
        name.push_str(rng.pick(&SURNAMES));
        name.push_str(rng.pick(&GIVEN));
        if rng.chance(7000) {
            name.push_str(rng.pick(&GIVEN));
        }
        phone.clear();
        phone.push_str(rng.pick(&PHONE_PREFIXES));
        // 8 digits, zero-padded: the whole number is 11 digits, like 13800000001.
        let tail = rng.below(100_000_000);
        phone.push_str(&format!("{tail:08}"));
        let segment = SEGMENTS[rng.weighted(&SEGMENT_WEIGHTS)];
        flags.clear();
        let mut skip = false;
        for (flag, per_10k) in FLAGS {
            if rng.chance(per_10k) {
                if !flags.is_empty() {
                    flags.push(';');
                }
                flags.push_str(flag);
                skip |= flag != "dispute";
            }
        }
        unvisitable.push(skip);
        let id = format_id(b'C', i, width, &mut id);
        w.write_record([
            id,
            name.as_bytes(),
            phone.as_bytes(),
            segment.as_bytes(),
            flags.as_bytes(),
        ])?;
    }
    w.flush()?;
    Ok(unvisitable)
}

/// A follow-up target of the visit log: one rule step for one order (or household).
struct Target {
    /// Rule id, the first part of the due_id.
    rule: &'static str,
    /// Step name, the last part of the due_id (`1` for single-step rules).
    step: &'static str,
    /// First visit this many days after the anchor, `lo..=hi`.
    days: (u32, u32),
    /// Per household and month instead of per order.
    household: bool,
}

/// Targets indexed like `KINDS` (the first step of each kind's rule), followed by
/// [`SEVERE`] and [`CONTRACT_END`].
fn targets() -> Vec<Target> {
    let mut t: Vec<Target> = KINDS
        .iter()
        .map(|k| Target {
            rule: k.rule,
            step: if k.anchor == Anchor::Contract {
                CONTRACT_STEPS[0]
            } else {
                "1"
            },
            days: k.visit_days,
            household: k.unit == Unit::Household,
        })
        .collect();
    t.push(Target {
        rule: RULE_DISCHARGE_SEVERE,
        step: "1",
        days: SEVERE_VISIT_DAYS,
        household: false,
    });
    let special = &KINDS[SPECIAL_SERVICE];
    t.push(Target {
        rule: special.rule,
        step: CONTRACT_STEPS[1],
        days: special.visit_days,
        household: false,
    });
    t
}
/// Index in `targets()` of a severe discharge.
const SEVERE: u8 = KINDS.len() as u8;
/// Index in `targets()` of the end-of-contract step of a special service.
const CONTRACT_END: u8 = KINDS.len() as u8 + 1;

/// One thing staff may log visits against: what the visit generator needs to know.
#[derive(Clone, Copy)]
struct VisitUnit {
    /// Minute the rule counts from.
    anchor: u32,
    /// Order index (0-based).
    order: u32,
    /// Customer index (0-based), for household due_ids.
    customer: u32,
    /// Index into `targets()`.
    target: u8,
}

/// A minute within a day, 90 % in office hours 08:00–19:59, the rest at any time.
fn minute_of_day(rng: &mut Rng) -> u32 {
    if rng.chance(9000) {
        rng.range(8 * 60, 20 * 60 - 1)
    } else {
        rng.below(DAY)
    }
}

/// Writes orders.csv and returns the units visits may be logged against, in order
/// of the orders.
fn write_orders(
    args: &Args,
    clock: &Clock,
    last_day: u32,
    unvisitable: &[bool],
    path: &Path,
) -> io::Result<Vec<VisitUnit>> {
    // First minute after the data range: nothing opens or closes from then on.
    let end = (last_day + 1) * DAY;
    // Opening times are drawn first and sorted so that ids follow time, as in a real
    // system; 10M u32s sort in well under a second.
    let mut opened: Vec<u32> = {
        let mut rng = Rng::new(args.seed, stream::OPENED);
        (0..args.orders)
            .map(|_| rng.below(last_day + 1) * DAY + minute_of_day(&mut rng))
            .collect()
    };
    opened.sort_unstable();

    let property_staff: Vec<String> = SURNAMES
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{s}{}", PROPERTY_TITLES[i % 3]))
        .collect();
    let hospital_staff: Vec<String> = SURNAMES
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{s}{}", HOSPITAL_TITLES[i % 2]))
        .collect();
    let kind_weights: Vec<u32> = KINDS.iter().map(|k| k.weight).collect();
    // Household rules have one item per customer and month, anchored on the first
    // order: remember which (kind, customer, month) already has one.
    let mut households = std::collections::HashSet::new();

    let mut rng = Rng::new(args.seed, stream::ORDERS);
    let mut w = writer(path)?;
    w.write_record([
        "order_id",
        "customer_id",
        "kind",
        "severity",
        "staff",
        "department",
        "opened_at",
        "closed_at",
        "admitted_at",
        "discharged_at",
        "category",
        // Columns the shipped rules read for exclusions and contract steps.
        "discharge_type",
        "lost",
        "anonymous",
        "reply_type",
        "contract_start",
        "contract_mid",
        "contract_end",
    ])?;
    let (cw, ow) = (customer_width(args), order_width(args));
    let (mut oid, mut cid) = ([0u8; 24], [0u8; 24]);
    let mut b = [[0u8; 16]; 7];
    let mut units = Vec::with_capacity(opened.len() + opened.len() / 16);

    for (i, &open) in opened.iter().enumerate() {
        let k = rng.weighted(&kind_weights);
        let kind = &KINDS[k];
        let customer = rng.below(args.customers as u32);
        let mut target = k as u8;

        let severity = match k {
            COMPLAINT => COMPLAINT_SEVERITIES[rng.weighted(&COMPLAINT_SEVERITY_WEIGHTS)],
            DISCHARGE => {
                let s = rng.weighted(&DISCHARGE_SEVERITY_WEIGHTS);
                if DISCHARGE_SEVERITIES[s] == "severe" {
                    target = SEVERE;
                }
                DISCHARGE_SEVERITIES[s]
            }
            _ => "",
        };

        let (staff, department) = match kind.industry {
            Industry::Hospital => {
                // A doctor belongs to one department.
                let s = rng.below(hospital_staff.len() as u32) as usize;
                (
                    hospital_staff[s].as_str(),
                    HOSPITAL_DEPARTMENTS[s % HOSPITAL_DEPARTMENTS.len()],
                )
            }
            Industry::Property => {
                let staff = property_staff[rng.below(property_staff.len() as u32) as usize].as_str();
                let dept = match kind.label {
                    "repair" => rng.pick(&REPAIR_DEPARTMENTS),
                    "home_repair" | "home_cleaning" => "家政服务部",
                    "activity" => "社区活动部",
                    _ => rng.pick(&PROPERTY_DEPARTMENTS),
                };
                (staff, dept)
            }
        };

        let category = if k == REPAIR { rng.pick(&REPAIR_CATEGORIES) } else { "" };

        // Closure (or discharge). 3 % are still open; so is anything that would close
        // after the end of the data range (not closed yet at export time).
        let still_open = rng.chance(300);
        let (mut closed, mut admitted, mut discharged) = (None, None, None);
        if k == DISCHARGE {
            admitted = Some(open);
            // Stay: 2 % under 24 h (excluded by the hospital policy), else 1–20 days,
            // triangular so that stays of about a week are the most common.
            let stay = if rng.chance(200) {
                rng.range(4 * 60, DAY - 1)
            } else {
                (rng.range(1, 10) + rng.range(0, 9)) * DAY + rng.below(DAY)
            };
            let at = open + stay;
            if !still_open && at < end {
                discharged = Some(at);
                closed = Some(at);
            }
        } else {
            // 40 % close the same day, the rest within 1–10 days.
            let delay = if rng.chance(4000) {
                rng.range(30, 8 * 60)
            } else {
                rng.range(1, 10) * DAY + rng.below(DAY)
            };
            let at = open + delay;
            if !still_open && at < end {
                closed = Some(at);
            }
        }

        // The exclusion columns, each drawn only for the kind it concerns.
        let discharge_type = if k == DISCHARGE {
            DISCHARGE_TYPES[rng.weighted(&DISCHARGE_TYPE_WEIGHTS)]
        } else {
            ""
        };
        let lost = match k {
            OUTPATIENT_SPECIALTY if rng.chance(LOST_PER_10K) => "yes",
            OUTPATIENT_SPECIALTY => "no",
            _ => "",
        };
        let (anonymous, reply_type) = if k == COMPLAINT {
            let anonymous = if rng.chance(ANONYMOUS_PER_10K) { "yes" } else { "no" };
            (
                anonymous,
                if rng.chance(WRITTEN_REPLY_PER_10K) {
                    "written"
                } else {
                    ""
                },
            )
        } else {
            ("", "")
        };
        // Special services are contracts of 3, 6 or 12 months from the opening day;
        // they may run past the end of the data, as real contracts do.
        let contract = (kind.anchor == Anchor::Contract).then(|| {
            let start = open / DAY * DAY;
            let days = rng.pick(&CONTRACT_DAYS);
            (start, start + days / 2 * DAY, start + days * DAY)
        });

        // The units visits may be logged against. Customers who must not be called
        // get none; so do excluded orders, which staff would not call either.
        let excluded = unvisitable[customer as usize]
            || discharge_type == "clearance"
            || lost == "yes"
            || anonymous == "yes"
            || reply_type == "written";
        if !excluded {
            let unit = |anchor, target| VisitUnit {
                anchor,
                order: i as u32,
                customer,
                target,
            };
            match kind.anchor {
                Anchor::Closed => {
                    if let Some(a) = discharged.or(closed) {
                        let first_of_month =
                            kind.unit == Unit::Order || households.insert((k as u8, customer, clock.month(a)));
                        if first_of_month {
                            units.push(unit(a, target));
                        }
                    }
                }
                Anchor::Opened => units.push(unit(open, target)),
                Anchor::Contract => {
                    let (_, mid, end) = contract.expect("drawn for contract kinds");
                    units.push(unit(mid, target));
                    units.push(unit(end, CONTRACT_END));
                }
            }
        }

        let [b_open, b_close, b_adm, b_dis, b_cs, b_cm, b_ce] = &mut b;
        let time = |m: Option<u32>, buf: &'_ mut [u8; 16]| -> usize { m.map_or(0, |m| clock.format(m, buf).len()) };
        let (lc, la, ld) = (time(closed, b_close), time(admitted, b_adm), time(discharged, b_dis));
        // Contract dates are plain dates: the first 10 bytes of the formatted minute.
        let (lcs, lcm, lce) = match contract {
            Some((s, m, e)) => (
                time(Some(s), b_cs).min(10),
                time(Some(m), b_cm).min(10),
                time(Some(e), b_ce).min(10),
            ),
            None => (0, 0, 0),
        };
        w.write_record([
            format_id(b'O', i as u64 + 1, ow, &mut oid),
            format_id(b'C', u64::from(customer) + 1, cw, &mut cid),
            kind.label.as_bytes(),
            severity.as_bytes(),
            staff.as_bytes(),
            department.as_bytes(),
            clock.format(open, b_open),
            &b_close[..lc],
            &b_adm[..la],
            &b_dis[..ld],
            category.as_bytes(),
            discharge_type.as_bytes(),
            lost.as_bytes(),
            anonymous.as_bytes(),
            reply_type.as_bytes(),
            &b_cs[..lcs],
            &b_cm[..lcm],
            &b_ce[..lce],
        ])?;
    }
    w.flush()?;
    Ok(units)
}

/// Writes exactly `args.visits` rows to visits.csv (fewer only if there are not
/// enough units before `--as-of`) and returns the number written.
///
/// Each chosen unit gets one sequence of attempts: an attempt ending `no_answer` or
/// `busy` is followed by another a day or two later, up to three, as the hospital
/// policy's "three unanswered calls" expects. Attempt outcomes are drawn with the
/// brief's shares (reached 70 %, ...). Which units get a sequence:
///   pass 1: each unit with the probability that makes the expected total equal
///           `--visits`;
///   pass 2: (only if still short) every unit not yet visited;
///   pass 3+: (only if `--visits` exceeds what one sequence per unit gives) another
///           sequence for the same due_id, i.e. a re-visit.
/// Writing stops at exactly `--visits` rows.
///
/// Visits are not restricted to the units huifang's sampling selects (the generator
/// does not replicate it): as in a real log, some visits go beyond the sample.
fn write_visits(args: &Args, clock: &Clock, units: &[VisitUnit], path: &Path) -> io::Result<u64> {
    let targets = targets();
    let as_of_end = (args.as_of + 1) * DAY; // visits strictly before the next midnight
    let eligible = units.iter().filter(|u| u.anchor < as_of_end).count() as u64;
    // Expected attempts per sequence: 1 + P(retry) + P(retry)^2 with P(retry) = 0.22.
    let retry = f64::from(OUTCOME_WEIGHTS[1] + OUTCOME_WEIGHTS[2]) / f64::from(OUTCOME_WEIGHTS.iter().sum::<u32>());
    let per_sequence = 1.0 + retry + retry * retry;
    let p1 = if eligible == 0 {
        0
    } else {
        ((args.visits as f64 / (eligible as f64 * per_sequence)) * 10_000.0)
            .ceil()
            .min(10_000.0) as u32
    };
    let hospital_staff: Vec<String> = SURNAMES.iter().map(|s| format!("{s}{}", HOSPITAL_TITLES[0])).collect();
    let office: Vec<String> = VISITORS.iter().map(|v| format!("{FOLLOW_UP_OFFICE}{v}")).collect();

    let mut rng = Rng::new(args.seed, stream::VISITS);
    let mut w = writer(path)?;
    w.write_record([
        "due_id",
        "visited_at",
        "channel",
        "visitor",
        "outcome",
        "score",
        "signed",
        "note",
    ])?;
    let (ow, cw) = (order_width(args), customer_width(args));
    let mut visited = vec![false; units.len()];
    let (mut id, mut when, mut score_buf) = ([0u8; 24], [0u8; 16], [0u8; 2]);
    let mut due_id = Vec::with_capacity(64);
    let mut written = 0u64;
    let mut pass = 1;

    while written < args.visits && eligible > 0 {
        for (i, u) in units.iter().enumerate() {
            if written == args.visits {
                break;
            }
            if u.anchor >= as_of_end {
                continue;
            }
            let chosen = match pass {
                1 => rng.chance(p1),
                2 => !visited[i],
                _ => true,
            };
            if !chosen {
                continue;
            }
            visited[i] = true;

            let target = &targets[usize::from(u.target)];
            due_id.clear();
            due_id.extend_from_slice(target.rule.as_bytes());
            due_id.push(b'/');
            if target.household {
                due_id.extend_from_slice(format_id(b'C', u64::from(u.customer) + 1, cw, &mut id));
                due_id.push(b'@');
                due_id.extend_from_slice(&clock.format(u.anchor, &mut when)[..7]);
            // YYYY-MM
            } else {
                due_id.extend_from_slice(format_id(b'O', u64::from(u.order) + 1, ow, &mut id));
            }
            due_id.push(b'/');
            due_id.extend_from_slice(target.step.as_bytes());
            let hospital = target.rule.starts_with("hospital.");

            // First attempt: inside the rule's window, or (10 %) late, during calling
            // hours 09:00–17:30, and never before the anchor itself.
            let (lo, hi) = target.days;
            let days = if rng.chance(1000) {
                hi + rng.range(1, 14)
            } else {
                rng.range(lo, hi)
            };
            let mut t = (u.anchor / DAY + days) * DAY + rng.range(9 * 60, 17 * 60 + 30);
            if t <= u.anchor {
                t = u.anchor + rng.range(30, 180);
            }
            for _attempt in 0..3 {
                if t >= as_of_end || written == args.visits {
                    break; // not happened yet at export time
                }
                let o = rng.weighted(&OUTCOME_WEIGHTS);
                let c = rng.weighted(&CHANNEL_WEIGHTS);
                let score: &[u8] = if o == REACHED && rng.chance(8000) {
                    let s = rng.weighted(&SCORE_WEIGHTS) + 1;
                    if s == 10 {
                        b"10"
                    } else {
                        score_buf[0] = b'0' + s as u8;
                        &score_buf[..1]
                    }
                } else {
                    b""
                };
                let note = match o {
                    REACHED => rng.pick(&NOTES_REACHED),
                    3 => "号码错误",
                    4 => "客户拒绝回访",
                    _ => rng.pick(&NOTES_FAILED),
                };
                let visitor = if !hospital {
                    rng.pick(&VISITORS)
                } else if rng.chance(FOLLOW_UP_OFFICE_PER_10K) {
                    office[rng.below(office.len() as u32) as usize].as_str()
                } else {
                    hospital_staff[rng.below(hospital_staff.len() as u32) as usize].as_str()
                };
                w.write_record([
                    &due_id[..],
                    clock.format(t, &mut when),
                    CHANNELS[c].as_bytes(),
                    visitor.as_bytes(),
                    OUTCOMES[o].as_bytes(),
                    score,
                    if c == ONSITE { b"yes" } else { b"no" },
                    note.as_bytes(),
                ])?;
                written += 1;
                if !outcome_retries(o) {
                    break;
                }
                t = (t / DAY + rng.range(1, 2)) * DAY + rng.range(9 * 60, 17 * 60 + 30);
            }
        }
        pass += 1;
    }
    w.flush()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_zero_padded() {
        let mut b = [0u8; 24];
        assert_eq!(format_id(b'C', 1, 7, &mut b), b"C0000001");
        assert_eq!(format_id(b'O', 17, 8, &mut b), b"O00000017");
        assert_eq!(format_id(b'O', 123_456_789, 8, &mut b), b"O123456789");
    }

    #[test]
    fn counts_take_suffixes() {
        assert_eq!(parse_count("200k"), Ok(200_000));
        assert_eq!(parse_count("5M"), Ok(5_000_000));
        assert_eq!(parse_count("5_000_000"), Ok(5_000_000));
        assert!(parse_count("5x").is_err());
    }

    #[test]
    fn kind_weights_add_up_to_10000() {
        assert_eq!(KINDS.iter().map(|k| k.weight).sum::<u32>(), 10_000);
    }
}
