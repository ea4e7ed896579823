//! Loading shared by every command: rule files, the three inputs, and one evaluation
//! pass of the engine. One function serves `due`, `report`, `explain` and `record`.

use super::args::{DataArgs, RulesArgs};
use super::Ui;
use crate::diag::Diagnostic;
use crate::engine::listed::Listed;
use crate::engine::{Engine, Evaluated, Inputs};
use crate::error::Error;
use crate::io::csv::{self as incsv, Problems, ReadOptions};
use crate::model::{Customers, KeptVisits};
use crate::rules::load::{load_all, Overrides};
use crate::rules::{Rule, Rules};
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
    /// The items kept as due-list items (when [`Run::listing`]), flagged, in runs (one
    /// per engine that listed them; the list is put in order when written).
    pub listed: Vec<Vec<Listed>>,
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
    /// Where customer cadences start.
    pub cadence_from: Box<dyn Fn(&Rule) -> NaiveDate + 'a>,
    /// Put the items in deadline order (`false`: as evaluated; the due list orders
    /// references to them instead, see [`crate::engine::by_deadline`]).
    pub sorted: bool,
    /// Keep items as due-list items ([`Loaded::listed`]) instead of whole (unless they
    /// are folded, see [`evaluate_folded`]).
    pub listing: bool,
}

/// What a run folds its kept items into as they come, instead of collecting them (a
/// report's counters). When the orders file is read in parts on two cores, each core
/// folds into a part of its own, and both are then absorbed by the run's.
pub trait Folds: Send + Sized {
    /// An empty part like this one.
    fn part(&self) -> Self;
    /// Folds one kept item.
    fn add(&mut self, e: &mut Evaluated);
    /// The kinds whose unselected sampled items are built even though the others are
    /// counted ([`Self::add_unrequired`]); `None` when every one is built.
    fn counted_unless(&self) -> Option<&'static [&'static str]>;
    /// Counts `n` kept items of `rule`'s `step` of unselected sampled units (see
    /// [`crate::engine::Engine::with_tally`]).
    fn add_unrequired(&mut self, rule: &str, version: &str, step: &str, n: u64);
    /// Adds what `other` folded, as if its items had been folded here too: the result
    /// must not depend on the order the items came in (the cores' parts interleave).
    fn absorb(&mut self, other: Self);
}

/// No folding (see [`evaluate`]).
pub enum NoFolds {}

impl Folds for NoFolds {
    fn part(&self) -> Self {
        match *self {}
    }
    fn add(&mut self, _: &mut Evaluated) {
        match *self {}
    }
    fn counted_unless(&self) -> Option<&'static [&'static str]> {
        match *self {}
    }
    fn add_unrequired(&mut self, _: &str, _: &str, _: &str, _: u64) {
        match *self {}
    }
    fn absorb(&mut self, _: Self) {
        match *self {}
    }
}

/// Makes `engine` fold its kept items into `folds` (and count what `folds` counts).
fn folding<'a, F: Folds>(engine: Engine<'a>, folds: &'a std::cell::RefCell<F>) -> Engine<'a> {
    let engine = engine.with_fold(Box::new(|e| folds.borrow_mut().add(e)));
    match folds.borrow().counted_unless() {
        Some(built_kinds) => engine.with_tally(crate::engine::Tally {
            built_kinds,
            count: Box::new(|rule, version, step, n| folds.borrow_mut().add_unrequired(rule, version, step, n)),
        }),
        None => engine,
    }
}

/// Orders files above this size are read in parts on two cores when a run allows it
/// (see [`incsv::stream_in_parts`]), parts of about this size.
const PARTS: incsv::Split = incsv::Split {
    above: 32 << 20,
    part_bytes: 8 << 20,
    alternate: false,
};

/// Reads customers and visits, then streams orders through the engine. Problems in any
/// input fail the run with exit 2, unless `--skip-invalid` sends the rows to a file.
pub fn evaluate(
    data: &DataArgs,
    rules: Rules,
    keep_visits: Option<(NaiveDate, NaiveDate)>,
    run: Run<'_>,
    ui: Ui,
) -> Result<(Loaded, Vec<Evaluated>), Error> {
    let (loaded, items, _, _) = evaluate_in::<NoFolds>(data, rules, keep_visits, run, None, ui, PARTS)?;
    Ok((loaded, items))
}

/// [`evaluate`], folding the kept items into `folds` instead of collecting them (reports
/// over a year need not hold a year of items).
pub fn evaluate_folded<F: Folds>(
    data: &DataArgs,
    rules: Rules,
    keep_visits: Option<(NaiveDate, NaiveDate)>,
    run: Run<'_>,
    folds: F,
    ui: Ui,
) -> Result<(Loaded, F), Error> {
    let (loaded, _, folds, _) = evaluate_in(data, rules, keep_visits, run, Some(folds), ui, PARTS)?;
    // (Given folds, evaluate_in gives them back.)
    folds.map(|f| (loaded, f)).ok_or_else(|| Error::Invalid(Vec::new()))
}

/// [`evaluate`] and [`evaluate_folded`], reading the orders file in parts on two cores as
/// `split` says when the run allows it; also returns how many parts (0: read whole).
fn evaluate_in<F: Folds>(
    data: &DataArgs,
    rules: Rules,
    keep_visits: Option<(NaiveDate, NaiveDate)>,
    run: Run<'_>,
    folds: Option<F>,
    ui: Ui,
    split: incsv::Split,
) -> Result<(Loaded, Vec<Evaluated>, Option<F>, usize), Error> {
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
    let mut listed = Vec::new();
    let mut parts = 0;
    let folds = folds.map(std::cell::RefCell::new);
    {
        let inputs = || Inputs {
            rules: &rules,
            customers: &ct,
            attempts: &vl.attempts,
            schema: &schema,
            orders_path: opath.clone(),
            as_of: run.as_of,
            horizon: run.horizon,
            keep_unselected: run.keep_unselected,
        };
        // A large orders file is read and evaluated in parts on two cores, one engine each
        // (see Engine::absorb), when its items are folded or listed (whole ones carry
        // their order's line, which a part does not know), and unless --skip-invalid's
        // rejected rows, numbered by the whole file's lines, are asked for.
        let in_parts = (folds.is_some() || run.listing) && !opts.skip_invalid;
        fn listing_if(on: bool, e: Engine<'_>) -> Engine<'_> {
            if on {
                e.listing()
            } else {
                e
            }
        }
        let engine = if schema.headers.is_empty() {
            None
        } else {
            match Engine::new(inputs(), std::sync::Arc::clone(&run.keep)) {
                Ok(e) => Some(match &folds {
                    Some(f) => folding(e, f),
                    None => listing_if(run.listing, e),
                }),
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
            let bar = progress(&opath, "orders", ui);
            // Orders fed (None: not yet streamed).
            let mut fed = None;
            if in_parts {
                // Each core's engine and fold part are made on it.
                let cores_parts: std::sync::Mutex<Vec<F>> = std::sync::Mutex::new(
                    folds
                        .as_ref()
                        .map_or_else(Vec::new, |f| vec![f.borrow().part(), f.borrow().part()]),
                );
                let read = incsv::stream_in_parts(&mut reader, &ct, split, |orders| {
                    let part = cores_parts
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .pop()
                        .map(std::cell::RefCell::new);
                    let mine = Engine::new(inputs(), std::sync::Arc::clone(&run.keep)).ok()?.of_part();
                    let mut mine = match &part {
                        Some(f) => folding(mine, f),
                        None => listing_if(run.listing, mine),
                    };
                    let n = feed_parts(&mut mine, orders, &bar);
                    let streamed = mine.into_streamed()?;
                    Some((streamed, part.map(std::cell::RefCell::into_inner), n))
                });
                match read {
                    incsv::PartsRead::NotSplit => {}
                    incsv::PartsRead::Overlapped => {
                        // (The parts' readers took the file's: it is read again whole.)
                        reader = incsv::open_orders(&opath, &opts, &mut Problems::default());
                    }
                    incsv::PartsRead::Read(cores, n_parts) if cores.iter().all(Option::is_some) => {
                        parts = n_parts;
                        let mut n = 0;
                        for (theirs, part, their_n) in cores.into_iter().flatten() {
                            engine.absorb(theirs);
                            if let (Some(mine), Some(part)) = (&folds, part) {
                                mine.borrow_mut().absorb(part);
                            }
                            n += their_n;
                        }
                        fed = Some(n);
                    }
                    incsv::PartsRead::Read(..) | incsv::PartsRead::Problem => {
                        // A bad row fails the run: its problems are found again by one reader
                        // of the whole file, to be reported with its lines and in its order.
                        bar.finish_and_clear();
                        let found = problems_of_whole(inputs(), run.keep, &opath, &opts, &ct, &*run.cadence_from);
                        if found.is_empty() {
                            problems.diags.push(Diagnostic::file(
                                &opath,
                                "the file's parts were read with a problem that a reading of the whole file did not find (a bug in huifang: please report it)",
                            ));
                        }
                        problems.diags.extend(found);
                        finish_problems(data, problems, ui)?;
                        // (Not reached: without --skip-invalid, problems fail the run.)
                        return Err(Error::Invalid(Vec::new()));
                    }
                }
            }
            let fed = fed.unwrap_or_else(|| stream_whole(&mut engine, &mut reader, &ct, &mut problems, &bar));
            bar.finish_and_clear();
            crate::debug_rss("streamed");
            let how = match parts {
                0 => String::new(),
                n => format!(" (in {n} parts on two cores)"),
            };
            ui.detail(&format!(
                "read {} customers, {fed} orders{how}, {} visited items",
                ct.len(),
                vl.attempts.len()
            ));
            let done = finish(engine, &opath, &opts, &ct, &*run.cadence_from);
            let out = done.items;
            listed = done.listed;
            problems.diags.extend(done.problems);
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
            listed,
        },
        items,
        folds.map(std::cell::RefCell::into_inner),
        parts,
    ))
}

/// Streams the whole orders file through `engine`: read on one core, evaluated on this
/// one. Each batch is routed and looked up in the visit log as a whole (see
/// engine::route) on the reading thread, or here when this thread would otherwise wait
/// for it. (With the look-up always here, this thread was the slower of the two: 5M due,
/// stream 1.76 -> 1.66 s over eight pairs.)
fn stream_whole(
    engine: &mut Engine<'_>,
    reader: &mut incsv::OrderReader,
    ct: &Customers,
    problems: &mut Problems,
    bar: &indicatif::ProgressBar,
) -> u64 {
    let mut n = 0;
    let router = engine.prefetcher();
    incsv::stream_prepared_batches(
        reader,
        None,
        ct,
        problems,
        || router.clone(),
        |batch, ahead| {
            ahead.route(batch);
            ahead.look_up_routed();
        },
        |batch, ahead| {
            count(bar, &mut n, batch.len());
            // The batch was filled on the reading core: its orders' buffers are read in
            // one tight loop first, so that their cache misses overlap.
            let seen = batch.iter().fold(0u64, |a, (order, _)| a ^ order.touch());
            std::hint::black_box(seen);
            engine.feed_looked_up(batch, ahead);
        },
    );
    n
}

/// Counts `batch` more orders into `n`, shown on the bar now and then.
fn count(bar: &indicatif::ProgressBar, n: &mut u64, batch: usize) {
    let shown = |n: u64| n / 65_536 * 65_536;
    let before = shown(*n);
    *n += batch as u64;
    if shown(*n) != before {
        bar.inc(shown(*n) - before);
    }
}

/// Feeds the parts of the orders file this core takes to `engine`, read, routed, looked
/// up and evaluated on this core; returns how many orders.
fn feed_parts(engine: &mut Engine<'_>, parts: &mut incsv::Parts<'_>, bar: &indicatif::ProgressBar) -> u64 {
    let mut n = 0;
    let mut ahead = engine.prefetcher();
    parts.for_each_batch(|batch| {
        count(bar, &mut n, batch.len());
        ahead.route(batch);
        ahead.look_up_routed();
        engine.feed_looked_up(batch, &ahead);
    });
    n
}

/// Ends the engine's run: sampled units' orders are read again rather than held (see
/// Engine::finish).
fn finish(
    engine: Engine<'_>,
    opath: &std::path::Path,
    opts: &ReadOptions,
    ct: &Customers,
    cadence_from: &dyn Fn(&Rule) -> NaiveDate,
) -> crate::engine::Finished {
    let mut reread = |offsets: &[u64], f: &mut dyn FnMut(&crate::model::OrderBatch)| {
        let mut scratch = Problems::default();
        let mut again = incsv::open_orders(opath, opts, &mut scratch);
        incsv::stream_order_batches(&mut again, Some(offsets), ct, &mut scratch, f);
    };
    engine.finish(cadence_from, &mut reread)
}

/// Every problem a run over the whole orders file finds, its items thrown away.
fn problems_of_whole(
    inputs: Inputs<'_>,
    keep: crate::engine::Keep<'_>,
    opath: &std::path::Path,
    opts: &ReadOptions,
    ct: &Customers,
    cadence_from: &dyn Fn(&Rule) -> NaiveDate,
) -> Vec<Diagnostic> {
    let mut problems = Problems::default();
    let mut reader = incsv::open_orders(opath, opts, &mut problems);
    match Engine::new(inputs, keep) {
        Ok(e) => {
            let mut engine = e.with_fold(Box::new(|_| {}));
            stream_whole(
                &mut engine,
                &mut reader,
                ct,
                &mut problems,
                &indicatif::ProgressBar::hidden(),
            );
            problems
                .diags
                .extend(finish(engine, opath, opts, ct, cadence_from).problems);
        }
        Err(d) => problems.diags.extend(d),
    }
    problems.diags
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::period::Period;
    use crate::cli::due::due_run;
    use crate::cli::report::report_run;
    use crate::report::{Accumulator, GroupBy, Report};
    use std::path::Path;

    const QUIET: Ui = Ui {
        quiet: true,
        verbose: false,
    };

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    fn data(dir: &Path) -> DataArgs {
        DataArgs {
            data: Some(dir.to_path_buf()),
            customers: None,
            orders: None,
            visits: None,
            encoding: Default::default(),
            skip_invalid: None,
        }
    }

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    /// The due list's items (with 14 days of upcoming ones), or the error's text.
    fn listed(rules: &Path, dir: &Path, split: incsv::Split) -> Result<Vec<Listed>, String> {
        listed_in(rules, dir, split).map(|(l, _)| l)
    }

    /// [`listed`], and how many parts the orders were read in.
    fn listed_in(rules: &Path, dir: &Path, split: incsv::Split) -> Result<(Vec<Listed>, usize), String> {
        let r = load_all(&[rules], &Overrides::default()).map_err(|d| format!("{d:?}"))?;
        evaluate_in::<NoFolds>(&data(dir), r, None, due_run(as_of(), 14), None, QUIET, split)
            .map(|(l, _, _, parts)| (l.listed.into_iter().flatten().collect(), parts))
            .map_err(|e| e.to_string())
    }

    /// The report over `period` grouped `by`, with its attention list.
    fn report(rules: &Path, dir: &Path, period: &str, by: GroupBy, split: incsv::Split) -> Result<Report, String> {
        let r = load_all(&[rules], &Overrides::default()).map_err(|d| format!("{d:?}"))?;
        let period = Period::parse(period).unwrap();
        let acc = Accumulator::new(&r, period, as_of(), by).counting_unrequired();
        let run = report_run(period, as_of());
        let visits = Some((period.start, period.end));
        let (loaded, _, acc, _) =
            evaluate_in(&data(dir), r.clone(), visits, run, Some(acc), QUIET, split).map_err(|e| e.to_string())?;
        Ok(acc.unwrap().finish(&loaded.visits, "p"))
    }

    /// Not split.
    const WHOLE: incsv::Split = incsv::Split {
        above: u64::MAX,
        part_bytes: u64::MAX,
        alternate: false,
    };

    /// Split from 0 bytes on into parts of `part_bytes`, every other one on each core, or
    /// (`alternate` false) each core taking the next.
    fn parts(part_bytes: u64, alternate: bool) -> incsv::Split {
        incsv::Split {
            above: 0,
            part_bytes,
            alternate,
        }
    }

    /// The orders file read in parts on two cores (from 0 bytes on) gives what one reading
    /// gives: the due list, and reports over a month and a year by rule and by staff.
    fn same_in_parts(rules: &Path, dir: &Path, part_sizes: &[u64]) {
        same_in_parts_as(rules, dir, part_sizes, true);
    }

    /// [`same_in_parts`]; `split` says whether the parts are expected to be read as such
    /// (else as one, a record spanning where a part was to begin).
    fn same_in_parts_as(rules: &Path, dir: &Path, part_sizes: &[u64], split: bool) {
        let one = listed(rules, dir, WHOLE);
        assert!(one.as_ref().is_ok_and(|l| !l.is_empty()), "{}: {one:?}", dir.display());
        for (&part_bytes, alternate) in part_sizes.iter().flat_map(|p| [(p, true), (p, false)]) {
            let (mut parts, n) = listed_in(rules, dir, parts(part_bytes, alternate)).unwrap();
            assert_eq!(
                n > 1,
                split,
                "{} in parts of {part_bytes} bytes: {n} parts",
                dir.display()
            );
            let split = self::parts(part_bytes, alternate);
            let mut whole = one.clone().unwrap();
            // (The due list is put in order by deadline and due id when written.)
            for l in [&mut parts, &mut whole] {
                l.sort_by(|a, b| a.due_id.cmp(&b.due_id));
            }
            assert_eq!(parts, whole, "{} in parts of {part_bytes} bytes", dir.display());
            for (period, by) in [
                ("2026-10", GroupBy::Rule),
                ("2026", GroupBy::Rule),
                ("2026", GroupBy::Staff),
            ] {
                assert_eq!(
                    report(rules, dir, period, by, split),
                    report(rules, dir, period, by, WHOLE),
                    "{} {period} {by:?} in parts of {part_bytes} bytes",
                    dir.display()
                );
            }
        }
    }

    #[test]
    fn every_example_gives_the_same_items_read_in_parts() {
        let mut n = 0;
        for entry in std::fs::read_dir(root().join("examples")).unwrap() {
            let dir = entry.unwrap().path();
            let rules = root()
                .join("rules")
                .join(format!("{}.toml", dir.file_name().unwrap().to_string_lossy()));
            if rules.exists() {
                same_in_parts(&rules, &dir, &[300, 1 << 20]);
                n += 1;
            }
        }
        assert!(n >= 10, "{n} examples");
    }

    /// The property example `blocks` times over in `dir`: ids made unique per block, and
    /// each block's dates moved by `shift(block)` days (households then have orders of
    /// one month in parts on both cores).
    fn repeated(dir: &Path, blocks: usize, shift: impl Fn(usize) -> i64) -> String {
        let src = root().join("examples/property");
        std::fs::copy(src.join("customers.csv"), dir.join("customers.csv")).unwrap();
        let moved = |v: &str, k: usize| match crate::io::dates::parse_datetime(v) {
            Some(d) => (d + chrono::Duration::days(shift(k)))
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            None => v.to_string(),
        };
        let text = std::fs::read_to_string(src.join("orders.csv")).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let rows: Vec<&str> = lines.collect();
        // Ids that increase through the file, as most exports' do.
        let new_id = |k: usize, old: &str| {
            let i = rows.iter().position(|r| r.split(',').next() == Some(old));
            format!("O{k:03}{:02}", i.unwrap_or(99))
        };
        let mut orders = header.join(",") + "\n";
        for k in 0..blocks {
            for row in &rows {
                let fields: Vec<String> = row
                    .split(',')
                    .zip(&header)
                    .enumerate()
                    .map(|(i, (v, h))| match i {
                        0 => new_id(k, v),
                        _ if is_date_column_name(h) => moved(v, k),
                        // Told apart by staff too: which of two tied orders is a unit's shows.
                        _ if *h == "staff" => format!("{v}{}", k % 2),
                        _ => v.to_string(),
                    })
                    .collect();
                orders += &(fields.join(",") + "\n");
            }
        }
        let text = std::fs::read_to_string(src.join("visits.csv")).unwrap();
        let mut lines = text.lines();
        let mut visits = lines.next().unwrap().to_string() + "\n";
        let rows: Vec<&str> = lines.collect();
        for k in 0..blocks {
            for row in &rows {
                let mut f: Vec<String> = row.split(',').map(str::to_string).collect();
                let parts: Vec<&str> = f[0].split('/').collect();
                if parts.len() == 3 && parts[1].starts_with("P-") {
                    f[0] = format!("{}/{}/{}", parts[0], new_id(k, parts[1]), parts[2]);
                }
                f[1] = moved(&f[1], k);
                visits += &(f.join(",") + "\n");
            }
        }
        std::fs::write(dir.join("visits.csv"), visits).unwrap();
        orders
    }

    fn is_date_column_name(h: &str) -> bool {
        incsv::is_date_column(h) || h.starts_with("contract_")
    }

    /// `orders` with the id of the first row after its middle made that of the row before
    /// (ids are of one length), so that in two parts each core's ids still increase.
    fn at_the_middle(orders: &str) -> String {
        let mid = orders.len() / 2;
        let start = mid + orders[mid..].find('\n').unwrap() + 1;
        let before = orders[..start - 1].rfind('\n').unwrap() + 1;
        let id = |at: usize| &orders[at..at + orders[at..].find(',').unwrap()];
        assert_eq!(id(before).len(), id(start).len());
        format!(
            "{}{}{}",
            &orders[..start],
            id(before),
            &orders[start + id(start).len()..]
        )
    }

    /// A pseudo-random jitter of -25..=25 days per block.
    fn jitter(k: usize) -> i64 {
        (k as i64 * 7_919 + 13) % 51 - 25
    }

    #[test]
    fn households_across_the_parts_keep_their_earliest_order() {
        let rules = root().join("rules/property.toml");
        let dir = tempfile::tempdir().unwrap();
        // Later blocks are later in time, each moved by up to 25 days: a household's
        // earliest order of a month is sometimes in the second half.
        let orders = repeated(dir.path(), 60, |k| (k as i64 - 60) * 10 + jitter(k));
        std::fs::write(dir.path().join("orders.csv"), &orders).unwrap();
        same_in_parts(&rules, dir.path(), &[5_000, 100_000]);
        // Blocks 2j - 1 and 2j alike: every household's earliest orders of a month tie,
        // in parts on both cores (the first core's part the later), and the one earlier
        // in the file is kept.
        let orders = repeated(dir.path(), 60, |k| ((k as i64 + 1) / 2 - 30) * 10);
        std::fs::write(dir.path().join("orders.csv"), &orders).unwrap();
        // A part a block (a block's households are at its end): the earlier of two tied
        // orders on the second core, the later on the first.
        same_in_parts(&rules, dir.path(), &[orders.len() as u64 / 60, 100_000]);
    }

    #[test]
    fn a_quoted_line_break_at_the_middle_is_read_as_one() {
        let rules = root().join("rules/property.toml");
        let dir = tempfile::tempdir().unwrap();
        let orders = repeated(dir.path(), 40, |k| (k as i64 - 40) * 10);
        // A row whose quoted last field, of line breaks, holds the file's middle.
        let (head, tail) = orders.split_at(orders.len() / 2);
        let cut = head.rfind('\n').unwrap() + 1;
        let row = format!(
            "Q-1,C001,repair,,李管家,工程部,2026-11-01 09:00,2026-11-02 10:00,,,,,,\"{}\"\n",
            "x\n".repeat(4000)
        );
        let text = format!("{}{row}{}{tail}", &head[..cut], &head[cut..]);
        std::fs::write(dir.path().join("orders.csv"), text).unwrap();
        same_in_parts_as(&rules, dir.path(), &[5_000, 100_000], false);
    }

    #[test]
    fn problems_in_any_part_are_reported_as_one_reading_reports_them() {
        let rules = root().join("rules/property.toml");
        let dir = tempfile::tempdir().unwrap();
        let orders = repeated(dir.path(), 20, |k| (k as i64 - 20) * 10);
        let first = orders.lines().nth(1).unwrap().to_string();
        let last = orders.lines().last().unwrap().to_string();
        let cases = [
            // An id of the first half again in the second.
            format!("{orders}{first}\n"),
            // The same, with the ids out of order before it.
            orders.replacen(
                '\n',
                &format!("\n{}\n", orders.lines().nth(5).unwrap().replacen("O000", "O999", 1)),
                1,
            ) + &first
                + "\n",
            // A bad date, an unknown customer and a duplicate within the second half.
            orders
                .replace(&last, &last.replace("2026-", "2026-13-"))
                .replace(",C012,", ",C999,")
                + &last
                + "\n",
            // The first id after the middle made the last one's before it: both parts'
            // ids still increase.
            at_the_middle(&orders),
            // A bad date in the first half.
            orders.replacen(",2026-", ",2026-00-", 1),
        ];
        for (i, text) in cases.iter().enumerate() {
            std::fs::write(dir.path().join("orders.csv"), text).unwrap();
            let one = listed(&rules, dir.path(), WHOLE);
            assert!(one.is_err(), "case {i}: no problem found");
            for part_bytes in [5_000, 1 << 20] {
                for alternate in [true, false] {
                    let split = parts(part_bytes, alternate);
                    assert_eq!(
                        listed(&rules, dir.path(), split),
                        one,
                        "case {i}, parts of {part_bytes} bytes"
                    );
                }
            }
        }
    }
}
