//! Loading shared by every command: rule files, the three inputs, and one evaluation
//! pass of the engine. One function serves `due`, `report`, `explain` and `record`.

use super::args::{DataArgs, RulesArgs};
use super::Ui;
use crate::diag::Diagnostic;
use crate::engine::{Engine, Evaluated, Fold, Inputs};
use crate::error::Error;
use crate::io::csv::{self as incsv, Problems, ReadOptions};
use crate::model::{Customers, KeptVisits};
use crate::rules::load::{load_all, Overrides};
use crate::rules::{Rule, Rules};
use crate::sampling::cooldown::Cooldowns;
use chrono::NaiveDate;
use rustc_hash::FxHashMap as HashMap;

/// Loads and validates the rule files.
pub fn rules(a: &RulesArgs) -> Result<Rules, Error> {
    load_all(
        &a.rules,
        &Overrides {
            variants: a.variants.clone(),
            sets: a.sets.clone(),
        },
    )
    .map_err(Error::Invalid)
}

/// Today's date, read once here (the engine never reads the clock).
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// A row counter on stderr for inputs of about a million rows or more (~64 MiB), drawn only
/// when stderr is a terminal and `--quiet` is off, so cron logs and pipes stay clean.
fn progress(path: &std::path::Path, what: &str, ui: Ui) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    let big = std::fs::metadata(path).is_ok_and(|m| m.len() > 64 << 20);
    if !big || ui.quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("huifang: {spinner} {msg}: {human_pos} rows ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.set_message(what.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// Warns about years the calendars do not cover.
pub fn warn_calendar_years(rules: &Rules, from: NaiveDate, to: NaiveDate, ui: Ui) {
    let mut warned = std::collections::BTreeSet::new();
    for (set, rule) in rules.iter() {
        let cal = &rule.calls.calendar;
        let key = rule.calls.calendar_path.clone();
        if key.is_none() {
            if warned.insert((set.id.clone(), 0)) {
                ui.warn(&format!(
                    "{}: no holiday calendar selected: only weekends are non-working days",
                    set.path.display()
                ));
            }
            continue;
        }
        for y in cal.missing_years(from, to) {
            if warned.insert((cal.name.clone(), y)) {
                ui.warn(&format!(
                    "calendar `{}` has no holiday data for {y}: working days and holiday bans in {y} count weekends only",
                    cal.name
                ));
            }
        }
    }
}

/// Everything read from the inputs, orders excepted (they are streamed).
pub struct Loaded {
    /// Customers.
    pub customers: Customers,
    /// Visits (kept only when asked for).
    pub visits: KeptVisits,
    /// Who was reached recently: the cool-down flags of items a fold kept (see
    /// [`Cooldowns`]; the engine flags the items it returns).
    pub cooldowns: Cooldowns,
}

/// The engine's view of one run.
pub struct Run<'a> {
    /// As of.
    pub as_of: NaiveDate,
    /// Upcoming horizon.
    pub horizon: i64,
    /// Which items to keep (decided before an item is built).
    pub keep: crate::engine::Keep<'a>,
    /// Build unselected sampled items too (reports and explain show them).
    pub keep_unselected: bool,
    /// Fold kept items as they come instead of collecting them.
    pub fold: Option<Fold<'a>>,
    /// Count unselected sampled items instead of building them (see
    /// [`crate::engine::Engine::with_tally`]).
    pub tally: Option<crate::engine::Tally<'a>>,
    /// Where customer cadences start.
    pub cadence_from: Box<dyn Fn(&Rule) -> NaiveDate + 'a>,
    /// Put the items in deadline order (`false`: as evaluated; the due list orders
    /// references to them instead, see [`crate::engine::by_deadline`]).
    pub sorted: bool,
}

/// Reads customers and visits, then streams orders through the engine. Problems in any
/// input fail the run with exit 2, unless `--skip-invalid` sends the rows to a file.
pub fn evaluate(
    data: &DataArgs,
    rules: Rules,
    keep_visits: Option<(NaiveDate, NaiveDate)>,
    run: Run<'_>,
    ui: Ui,
) -> Result<(Loaded, Vec<Evaluated>), Error> {
    let opts = ReadOptions {
        columns: rules.column_map(),
        encoding: data.encoding,
        skip_invalid: data.skip_invalid.is_some(),
    };
    crate::debug_rss("start");
    let mut problems = Problems::default();
    let cpath = data.path("customers")?;
    let opath = data.path("orders")?;
    let vpath = data.path("visits")?;
    // Each rule's score scale, so a visit's score is checked against the rule it is for.
    let scales: HashMap<String, (f64, f64)> = rules.iter().map(|(_, r)| (r.id.clone(), r.score_scale)).collect();
    // Customers and the visit log are independent: read them on two cores.
    let (ct, (vl, visit_problems)) = std::thread::scope(|sc| {
        let visits = sc.spawn(|| {
            let mut p = Problems::default();
            let vl = incsv::read_visits(&vpath, &opts, keep_visits, &scales, &mut p);
            (vl, p)
        });
        let ct = incsv::read_customers(&cpath, &opts, &mut problems);
        crate::debug_rss("customers read");
        let vl = visits
            .join()
            .unwrap_or_else(|_| (incsv::VisitLog::default(), Problems::default()));
        (ct, vl)
    });
    problems.diags.extend(visit_problems.diags);
    problems.rejected.extend(visit_problems.rejected);
    let mut reader = incsv::open_orders(&opath, &opts, &mut problems);
    let schema = reader.schema.clone();
    let mut items = Vec::new();
    let mut cooldowns = Cooldowns::default();
    {
        let engine = if schema.headers.is_empty() {
            None
        } else {
            let inputs = Inputs {
                rules: &rules,
                customers: &ct,
                attempts: &vl.attempts,
                schema: &schema,
                orders_path: opath.clone(),
                as_of: run.as_of,
                horizon: run.horizon,
                keep_unselected: run.keep_unselected,
            };
            match Engine::new(inputs, run.keep) {
                Ok(e) => {
                    let e = match run.fold {
                        Some(f) => e.with_fold(f),
                        None => e,
                    };
                    Some(match run.tally {
                        Some(t) => e.with_tally(t),
                        None => e,
                    })
                }
                Err(d) => {
                    problems.diags.extend(d);
                    None
                }
            }
        };
        if let Some(mut engine) = engine {
            for w in engine.warnings() {
                ui.warn(w);
            }
            crate::debug_rss("loaded");
            let mut n = 0u64;
            let bar = progress(&opath, "orders", ui);
            // Each batch is routed and looked up in the visit log as a whole (see
            // engine::route) on the reading thread, or here when this thread would
            // otherwise wait for it. (With the look-up always here, this thread was the
            // slower of the two: 5M due, stream 1.76 -> 1.66 s over eight pairs.)
            let router = engine.prefetcher();
            incsv::stream_prepared_batches(
                &mut reader,
                None,
                &ct,
                &mut problems,
                || router.clone(),
                |batch, ahead| {
                    ahead.route(batch);
                    ahead.look_up_routed();
                },
                |batch, ahead| {
                    let before = n;
                    n += batch.len() as u64;
                    if n / 65_536 != before / 65_536 {
                        bar.set_position(n);
                    }
                    engine.feed_looked_up(batch, ahead);
                },
            );
            bar.finish_and_clear();
            crate::debug_rss("streamed");
            ui.detail(&format!(
                "read {} customers, {n} orders, {} visited items",
                ct.len(),
                vl.attempts.len()
            ));
            // Sampled units' orders are read again rather than held (see Engine::finish).
            let mut reread = |offsets: &[u64], f: &mut dyn FnMut(&crate::model::OrderBatch)| {
                let mut scratch = Problems::default();
                let mut again = incsv::open_orders(&opath, &opts, &mut scratch);
                incsv::stream_order_batches(&mut again, Some(offsets), &ct, &mut scratch, f);
            };
            let (out, engine_problems, found) = engine.finish(run.cadence_from, &mut reread);
            cooldowns = found;
            problems.diags.extend(engine_problems);
            crate::debug_rss("finished");
            items = if run.sorted {
                crate::engine::sorted_by_deadline(out)
            } else {
                out
            };
        }
    }
    finish_problems(data, problems, ui)?;
    drop(rules);
    Ok((
        Loaded {
            customers: ct,
            visits: vl.visits,
            cooldowns,
        },
        items,
    ))
}

/// Fails on problems, or writes them to the --skip-invalid file and goes on.
fn finish_problems(data: &DataArgs, mut problems: Problems, ui: Ui) -> Result<(), Error> {
    if problems.diags.is_empty() {
        return Ok(());
    }
    let Some(path) = &data.skip_invalid else {
        problems.diags.sort();
        return Err(Error::Invalid(problems.diags));
    };
    // Structural problems (missing columns, unreadable files) cannot be skipped.
    let row_lines: std::collections::HashSet<(std::path::PathBuf, u64)> =
        problems.rejected.iter().map(|r| (r.path.clone(), r.line)).collect();
    let fatal: Vec<Diagnostic> = problems
        .diags
        .iter()
        .filter(|d| !row_lines.contains(&(d.path.clone(), d.line)))
        .cloned()
        .collect();
    if !fatal.is_empty() {
        return Err(Error::Invalid(fatal));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["file", "line", "reasons", "row"]);
    for r in &problems.rejected {
        let _ = w.write_record([
            r.path.display().to_string(),
            r.line.to_string(),
            r.reasons.join("; "),
            r.fields.join(","),
        ]);
    }
    let bytes = w.into_inner().unwrap_or_default();
    crate::io::write::atomic_write(path, &bytes).map_err(|e| Error::io(path, e))?;
    ui.warn(&format!(
        "skipped {} invalid row(s); they are listed with their reasons in {}",
        problems.rejected.len(),
        path.display()
    ));
    Ok(())
}
