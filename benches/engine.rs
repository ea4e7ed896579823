//! Micro-benchmarks of the engine's hot inner pieces (issue 8): window arithmetic over a
//! year of anchors, working-day arithmetic, sampling selection over 1M units, taking
//! a row's fields as checked, trimmed text, and looking due ids up in a visit-log-sized
//! index.
//!
//! `cargo bench --bench engine` (a few minutes on 2 cores). Only the crate's public API is
//! used; the China calendar is read from `rules/calendars/cn.toml`. See bench/README.md,
//! "Micro-benchmarks".

use chrono::{NaiveDate, NaiveDateTime};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use huifang::calendar::period::{Period, PeriodKind};
use huifang::calendar::{Calendar, CallOn};
use huifang::engine::window::window;
use huifang::rules::{Offset, Rate, SampleUnit, Sampling};
use huifang::sampling::{self, unit_hash, UnitMeta};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

/// Units in a sampled period.
const UNITS: usize = 1_000_000;

/// The China calendar shipped in `rules/calendars/cn.toml` (holidays and make-up days
/// of 2025 and 2026).
fn china() -> Calendar {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/calendars/cn.toml");
    let cal = huifang::calendar::file::load(&path).unwrap_or_else(|diags| {
        let msgs: Vec<String> = diags.iter().map(ToString::to_string).collect();
        panic!("{}: {}", path.display(), msgs.join("; "))
    });
    assert!(cal.years.contains(&2026), "{} lacks 2026", path.display());
    cal
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// Every day of 2026 (365 days), Spring Festival and National Day included.
fn year_2026() -> Vec<NaiveDate> {
    date(2026, 1, 1)
        .iter_days()
        .take_while(|d| *d <= date(2026, 12, 31))
        .collect()
}

/// One anchor per day of 2026, at 10:30 (an order closed mid-morning).
fn anchors() -> Vec<NaiveDateTime> {
    year_2026()
        .into_iter()
        .map(|d| d.and_hms_opt(10, 30, 0).expect("valid time"))
        .collect()
}

fn off(s: &str) -> Offset {
    Offset::parse(s).unwrap_or_else(|| panic!("bad offset {s}"))
}

/// `window` for every anchor of 2026, for offsets taken from the shipped rules.
fn bench_window(c: &mut Criterion) {
    let cal = china();
    let anchors = anchors();
    let cases = [
        // Property complaints: within 3 days of closure, no calls on holidays.
        ("within_3d_no_holidays", off("0d"), off("3d"), CallOn::NoHolidays),
        // Property repairs: 1 to 2 months after completion, no calls on holidays.
        (
            "after_1m_within_2m_no_holidays",
            off("1m"),
            off("2m"),
            CallOn::NoHolidays,
        ),
        // Complaints office / technical services: within 10 working days, workdays only.
        ("within_10wd_workdays", off("0d"), off("10wd"), CallOn::Workdays),
    ];
    let mut g = c.benchmark_group("window");
    g.throughput(Throughput::Elements(anchors.len() as u64));
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    for (name, after, within, call_on) in cases {
        // The 3-day window must hit the holiday shift (Spring Festival, National Day).
        if name == "within_3d_no_holidays" {
            let shifted = anchors
                .iter()
                .filter(|a| window(**a, after, within, &cal, call_on).shifted)
                .count();
            assert!(shifted > 0, "{name}: no window was shifted");
        }
        g.bench_function(BenchmarkId::new("365_anchors", name), |b| {
            b.iter(|| {
                for a in &anchors {
                    black_box(window(black_box(*a), after, within, &cal, call_on));
                }
            });
        });
    }
    g.finish();
}

/// Working-day arithmetic and callable-day tests for every day of 2026.
fn bench_working_days(c: &mut Criterion) {
    let cal = china();
    let days = year_2026();
    let mut g = c.benchmark_group("working_days");
    g.throughput(Throughput::Elements(days.len() as u64));
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    for n in [3u32, 10] {
        g.bench_with_input(BenchmarkId::new("add_working_days_365", n), &n, |b, &n| {
            b.iter(|| {
                for d in &days {
                    black_box(cal.add_working_days(black_box(*d), n));
                }
            });
        });
    }
    g.bench_function("sub_working_days_365/10", |b| {
        b.iter(|| {
            for d in &days {
                black_box(cal.sub_working_days(black_box(*d), 10));
            }
        });
    });
    // Calendar has no public "count callable days" function: count with `is_callable`
    // over the 30 days after each anchor (spans Spring Festival and National Day).
    for call_on in [CallOn::Workdays, CallOn::NoHolidays] {
        g.bench_with_input(
            BenchmarkId::new("count_callable_30d_365", call_on.as_str()),
            &call_on,
            |b, &call_on| {
                b.iter(|| {
                    for d in &days {
                        let n = d
                            .iter_days()
                            .take(30)
                            .filter(|x| cal.is_callable(black_box(*x), call_on))
                            .count();
                        black_box(n);
                    }
                });
            },
        );
    }
    // What a due item's status asks each run: any callable day left in a 3-day window?
    g.bench_function("any_callable_3d_365/no_holidays", |b| {
        b.iter(|| {
            for d in &days {
                let end = d.checked_add_days(chrono::Days::new(3)).unwrap_or(*d);
                black_box(cal.any_callable(black_box(*d), end, CallOn::NoHolidays));
            }
        });
    });
    g.finish();
}

fn sampling_of(rate: Rate, min: u32) -> Sampling {
    Sampling {
        rate,
        per: PeriodKind::Month,
        unit: SampleUnit::Order,
        min,
        max: None,
        seed: "property.repair".into(),
    }
}

/// `sampling::select` over one month of 1M units, open and closed.
fn bench_sampling(c: &mut Criterion) {
    let rule = "property.repair";
    let period = Period::parse("2026-10").expect("period");
    let label = period.to_string();
    let keys: Vec<String> = (0..UNITS).map(|i| format!("O{i:08}")).collect();
    // 2% of units in cool-down, and the period's last 100 (customers reached shortly
    // before), so the selection ends short and the closed period runs the top-up.
    let units: Vec<UnitMeta> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let hash = unit_hash("property.repair", rule, &label, k);
            UnitMeta {
                hash,
                blocked: hash.is_multiple_of(50) || i >= UNITS - 100,
            }
        })
        .collect();
    let cases = [
        ("fixed_30pct", sampling_of(Rate::Fixed(3000), 0), false),
        ("fixed_30pct", sampling_of(Rate::Fixed(3000), 0), true),
        // property.home_repair (households): <100 → 30%, 100–300 → 20%, >300 → 10%.
        (
            "tiered_30_20_10pct",
            sampling_of(Rate::Tiered(vec![(0, 3000), (100, 2000), (301, 1000)]), 0),
            true,
        ),
    ];

    let mut g = c.benchmark_group("sampling");
    g.throughput(Throughput::Elements(UNITS as u64));
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("unit_hash_1M", |b| {
        b.iter(|| {
            for k in &keys {
                black_box(unit_hash("property.repair", rule, &label, black_box(k)));
            }
        });
    });
    for (name, s, closed) in &cases {
        let sel = sampling::select(&units, s, rule, &period, *closed);
        assert_eq!(
            sel.topup.iter().any(|t| *t),
            *closed,
            "{name}: the top-up should run exactly when the period is closed"
        );
        let id = format!("{name}/{}", if *closed { "closed_topup" } else { "open" });
        g.bench_function(BenchmarkId::new("select_1M", id), |b| {
            b.iter(|| sampling::select(black_box(&units), s, rule, &period, *closed));
        });
    }
    g.finish();
}

/// Rows as the bench data has them (Chinese staff, departments and notes among ASCII).
const ROWS: &str = "\
O00000001,C0143232,complaint,general,范管家,品质部,2025-01-01 00:10,2025-01-11 19:01,,,,,,no,,,,
O00000002,C0132582,repair,,许管家,工程部,2025-01-01 00:18,2025-01-09 11:47,,,plumbing,,,,,,,
O00000003,C0000077,inpatient,severe,王医生,心内科,,,2025-01-01 08:00,2025-01-06 10:30,,normal,,,,,,
property.repair/O00000002/1,2025-02-21 16:37,onsite,胡玲,reached,1,yes,建议加快处理速度
";

/// Taking a record's fields as text: the csv crate's `StringRecord` (UTF-8 checked field
/// by field) with `str::trim`, against huifang's `Record` (one pass over the row) with
/// its `trim`, over 40,000 rows parsed once beforehand.
fn bench_reading(c: &mut Criterion) {
    use huifang::io::record::{trim, Record};
    let text = ROWS.repeat(10_000);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let raws: Vec<csv::ByteRecord> = reader.byte_records().map(|r| r.expect("a row")).collect();
    let mut g = c.benchmark_group("reading");
    g.throughput(Throughput::Elements(raws.len() as u64));
    g.sample_size(20);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    g.bench_function("fields_40k/csv_string_record", |b| {
        b.iter(|| {
            let mut n = 0;
            for raw in &raws {
                let rec = csv::StringRecord::from_byte_record(raw.clone()).expect("text");
                n += rec.iter().map(|f| f.trim().len()).sum::<usize>();
            }
            black_box(n)
        });
    });
    g.bench_function("fields_40k/record_one_pass", |b| {
        let mut rec = Record::default();
        b.iter(|| {
            let mut n = 0;
            for raw in &raws {
                // Cloned as above, so that both sides pay the same copy.
                rec.fill(&raw.clone()).expect("text");
                n += rec.iter().map(|f| trim(f).len()).sum::<usize>();
            }
            black_box(n)
        });
    });
    g.finish();
}

/// Keys in the look-up index: the due ids of a 5M-visit log.
const KEYS: usize = 5_000_000;

/// Looking 1M due ids up (three in four present, in random order) in an index of 5M
/// 128-bit keys, in batches of 512 as the order stream asks: the index is far larger
/// than the CPU caches, so this measures its memory layout.
fn bench_lookup(c: &mut Criterion) {
    use huifang::model::frozen::{key128, Frozen};
    let key = |i: usize| key128(format!("property.complaint_callback/WO{i:08}/call").as_bytes());
    let index: Frozen<(u64, u64), u32> = Frozen::build(KEYS, || (0..KEYS).map(|i| (key(i), i as u32)));
    // Every fourth asked key is absent (an order no one has visited yet).
    let asked: Vec<(u64, u64)> = (0..1_000_000usize)
        .map(|i| {
            let j = i.wrapping_mul(2_654_435_761) % (KEYS + KEYS / 3);
            key(j)
        })
        .collect();
    let mut g = c.benchmark_group("lookup");
    g.throughput(Throughput::Elements(asked.len() as u64));
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("due_ids_1m_of_5m/get_many_512", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            let mut found = 0usize;
            for chunk in asked.chunks(512) {
                index.get_many(chunk, &mut out);
                found += out.iter().flatten().count();
            }
            black_box(found)
        });
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_window,
    bench_working_days,
    bench_sampling,
    bench_reading,
    bench_lookup
);
criterion_main!(benches);
