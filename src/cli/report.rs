//! `huifang report`: compliance report for a period, in table, CSV, JSON, Markdown or a
//! self-contained HTML page with a bar chart.

use super::args::{DataArgs, OutputArgs, RulesArgs};
use super::due::parse_date;
use super::load::{self, Run};
use super::Ui;
use crate::calendar::period::{Period, PeriodKind};
use crate::error::Error;
use crate::io::write::{emit_with, render_markdown, render_table, Format, Grid, WriteOptions};
use crate::report::{Accumulator, GroupBy, Report};
use chrono::NaiveDate;
use clap::Args;
use std::process::ExitCode;

/// Options of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    rules: RulesArgs,
    #[command(flatten)]
    data: DataArgs,
    /// Period: 2026-10 (month), 2026-Q4, 2026-H2, 2026-W43 (ISO week), 2026 (year).
    #[arg(long, value_name = "P", conflicts_with_all = ["from", "to"])]
    period: Option<String>,
    /// First day of a custom period (with --to).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, requires = "to")]
    from: Option<NaiveDate>,
    /// Last day of a custom period (with --from).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, requires = "from")]
    to: Option<NaiveDate>,
    /// Evaluation date: visits after it are ignored, windows ending after it are open (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    date: Option<NaiveDate>,
    /// Group rows by.
    #[arg(long, value_enum, default_value = "rule")]
    by: GroupBy,
    /// Exit 1 when any target, channel-mix or share constraint is missed.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    out: OutputArgs,
}

/// Runs `report`.
pub fn run(a: &ReportArgs, ui: Ui) -> anyhow::Result<ExitCode> {
    let (period, label) = match (&a.period, a.from, a.to) {
        (Some(p), _, _) => {
            let per = Period::parse(p).ok_or_else(|| {
                Error::Usage(format!(
                    "expected a period like 2026-10, 2026-Q4, 2026-W43 or 2026, found {p:?}"
                ))
            })?;
            (per, per.to_string())
        }
        (None, Some(f), Some(t)) if f <= t => (
            Period {
                kind: PeriodKind::Day,
                start: f,
                end: t,
            },
            format!("{f}..{t}"),
        ),
        (None, Some(f), Some(t)) => return Err(Error::Usage(format!("--to {t} is before --from {f}")).into()),
        _ => return Err(Error::Usage("give --period P or --from D1 --to D2".into()).into()),
    };
    let as_of = a.date.unwrap_or_else(load::today);
    let rules = load::rules(&a.rules)?;
    load::warn_calendar_years(&rules, period.start, period.end, ui);
    // The CSV is the metrics grid: no attention list to gather.
    let attention = a.out.format != Format::Csv;
    let report = compute(a, rules, period, &label, as_of, attention, true, ui)?;
    emit_with(a.out.output.as_deref(), |w| match a.out.format {
        Format::Table => w.write_all(text(&report, false).as_bytes()),
        Format::Markdown => w.write_all(text(&report, true).as_bytes()),
        Format::Csv => w.write_all(&crate::io::write::render(
            &metrics_grid(&report),
            Format::Csv,
            WriteOptions { bom: a.out.bom },
        )),
        // Streamed: with its attention list, a year's JSON is hundreds of megabytes.
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, &report)?;
            w.write_all(b"\n")
        }
        Format::Html => w.write_all(html(&report).as_bytes()),
    })?;
    if report.failed {
        ui.note(&format!(
            "targets missed in {label}{}",
            if a.strict { " (exit 1: --strict)" } else { "" }
        ));
        if a.strict {
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The report over `period`. Items are folded into it as the orders stream by (see
/// [`load::Folds`]), never collected; with `count_unselected`, unselected sampled items are counted rather than
/// built wherever the report reads no more of them than their number.
#[allow(clippy::too_many_arguments)]
fn compute(
    a: &ReportArgs,
    rules: crate::rules::Rules,
    period: Period,
    label: &str,
    as_of: NaiveDate,
    attention: bool,
    count_unselected: bool,
    ui: Ui,
) -> anyhow::Result<Report> {
    let rules_ref = rules.clone();
    let mut acc = Accumulator::new(&rules_ref, period, as_of, a.by);
    if !attention {
        acc = acc.without_attention();
    }
    if count_unselected {
        acc = acc.counting_unrequired();
    }
    let run = report_run(period, as_of);
    let (loaded, acc) = load::evaluate_folded(&a.data, rules, Some((period.start, period.end)), run, acc, ui)?;
    Ok(acc.finish(&loaded.visits, label))
}

/// The engine's run for a report over `period` as of `as_of`: the items anchored in it.
pub(super) fn report_run(period: Period, as_of: NaiveDate) -> Run<'static> {
    let keep = move |e: &crate::engine::Probe<'_>| period.contains(e.anchor.date());
    Run {
        as_of,
        keep_unselected: true,
        horizon: (period.end - as_of).num_days().max(0),
        // Customer cadences are laid out over the period itself.
        keep: std::sync::Arc::new(keep),
        cadence_from: Box::new(move |_| period.start),
        sorted: true,
        listing: false,
    }
}

fn pct(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn num(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{v:.2}"))
}

fn targets_cell(m: &crate::report::Metrics) -> String {
    m.targets
        .iter()
        .map(|t| {
            let tv = if t.metric == "score_avg" {
                format!("{:.2}", t.target)
            } else {
                format!("{:.0}%", t.target * 100.0)
            };
            format!("{}{}{tv}:{}", t.metric, t.op, t.result)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

const METRIC_COLUMNS: [&str; 22] = [
    "group",
    "rule",
    "step",
    "population",
    "excluded",
    "required",
    "visited",
    "reached",
    "on_time",
    "late",
    "missed",
    "refused",
    "unreachable",
    "open",
    "visit_rate",
    "success_rate",
    "on_time_rate",
    "score_avg",
    "satisfied_rate",
    "grade",
    "targets",
    "bands",
];

/// One metrics row in [`METRIC_COLUMNS`] order, with the given number formats.
fn cells(
    m: &crate::report::Metrics,
    rate: &dyn Fn(Option<f64>) -> String,
    score: &dyn Fn(Option<f64>) -> String,
) -> Vec<String> {
    let counts = [
        m.population,
        m.excluded,
        m.required,
        m.visited,
        m.reached,
        m.on_time,
        m.late,
        m.missed,
        m.refused,
        m.unreachable,
        m.open,
    ];
    let mut v = vec![m.group.clone(), m.rule.clone(), m.step.clone()];
    v.extend(counts.iter().map(ToString::to_string));
    v.extend([
        rate(m.visit_rate),
        rate(m.success_rate),
        rate(m.on_time_rate),
        score(m.score_avg),
        rate(m.satisfied_rate),
    ]);
    v.extend([m.grade.clone(), targets_cell(m), m.bands.join("; ")]);
    v
}

/// The metrics rows for scripts (CSV): plain fractions, empty when undefined.
fn metrics_grid(r: &Report) -> Grid {
    let mut g = Grid::new(&METRIC_COLUMNS);
    let rate = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v:.4}"));
    let score = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v:.2}"));
    g.rows = r.rows.iter().map(|m| cells(m, &rate, &score)).collect();
    g
}

/// The report as titled tables, shared by the table, Markdown and HTML renderings.
fn sections(r: &Report) -> Vec<(&'static str, Grid)> {
    let mut out = Vec::new();
    // The same cells as the CSV, minus rule and step (the group names them), as percentages.
    let mut g = Grid::new(&[&METRIC_COLUMNS[..1], &METRIC_COLUMNS[3..]].concat());
    for m in &r.rows {
        let mut c = cells(m, &pct, &num);
        c.drain(1..3);
        g.rows.push(c);
    }
    out.push(("Metrics", g));
    if !r.channel_mix.is_empty() {
        let mut g = Grid::new(&["rules", "constraint", "visits", "of", "share", "min", "max", "result"]);
        for c in &r.channel_mix {
            g.rows.push(vec![
                c.ruleset.clone(),
                c.name.clone(),
                c.count.to_string(),
                c.total.to_string(),
                pct(c.share),
                pct(c.min),
                pct(c.max),
                c.result.clone(),
            ]);
        }
        out.push(("Channel mix", g));
    }
    if !r.shares.is_empty() {
        let mut g = Grid::new(&["share", "reached_by_role", "of", "share", "min", "result"]);
        for c in &r.shares {
            g.rows.push(vec![
                c.name.clone(),
                c.count.to_string(),
                c.total.to_string(),
                pct(c.share),
                pct(Some(c.min)),
                c.result.clone(),
            ]);
        }
        out.push(("Role shares", g));
    }
    let mut g = Grid::new(&["kind", "customer_id", "subject", "count", "detail"]);
    for a in &r.attention {
        g.rows.push(vec![
            a.kind.to_string(),
            a.customer_id.clone(),
            a.subject.clone(),
            a.count.to_string(),
            a.detail.clone(),
        ]);
    }
    out.push(("Attention", g));
    out
}

fn title(r: &Report) -> String {
    format!(
        "Compliance report {} ({} .. {}), as of {}; rules: {}; by {}",
        r.period,
        r.from,
        r.to,
        r.as_of,
        r.rule_files.join(", "),
        r.by
    )
}

fn result_line(r: &Report) -> &'static str {
    if r.failed {
        "targets missed"
    } else {
        "all targets met"
    }
}

/// Human-readable sections (table or Markdown).
fn text(r: &Report, md: bool) -> String {
    let mut s = format!("{}{}\n", if md { "# " } else { "" }, title(r));
    for (name, g) in sections(r) {
        s.push_str(&if md {
            format!("\n## {name}\n\n")
        } else {
            format!("\n{name}\n")
        });
        if g.rows.is_empty() {
            s.push_str("(none)\n");
        } else {
            s.push_str(&if md { render_markdown(&g) } else { render_table(&g) });
        }
    }
    s.push_str(&format!("\nresult: {}\n", result_line(r)));
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A self-contained HTML page: no scripts, no network; the chart is inline SVG.
fn html(r: &Report) -> String {
    let mut bars = String::new();
    let rows: Vec<_> = r.rows.iter().filter(|m| m.visit_rate.is_some()).collect();
    let (w, row_h) = (640.0, 26.0);
    for (i, m) in rows.iter().enumerate() {
        let y = 20.0 + i as f64 * row_h;
        let v = m.visit_rate.unwrap_or(0.0).min(1.0);
        let target = m.targets.iter().find(|t| t.metric == "visit_rate");
        let fail = target.is_some_and(|t| t.result == "fail");
        bars.push_str(&format!(
            "<text x=\"0\" y=\"{:.0}\" font-size=\"12\">{}</text><rect class=\"bar\" data-rule=\"{}\" x=\"260\" y=\"{:.0}\" width=\"{:.1}\" height=\"16\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.0}\" font-size=\"11\">{}</text>",
            y + 12.0,
            esc(&m.group),
            esc(&m.group),
            y,
            v * (w - 300.0),
            if fail { "#c0392b" } else { "#2e86c1" },
            265.0 + v * (w - 300.0),
            y + 12.0,
            pct(m.visit_rate)
        ));
        if let Some(t) = target {
            let x = 260.0 + t.target.min(1.0) * (w - 300.0);
            bars.push_str(&format!("<line class=\"target\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.0}\" y2=\"{:.0}\" stroke=\"#000\" stroke-width=\"2\"/>", y - 2.0, y + 18.0));
        }
    }
    let height = 30.0 + rows.len() as f64 * row_h;
    let mut tables = String::new();
    for (name, g) in sections(r) {
        tables.push_str(&format!("<h2>{}</h2>\n", esc(name)));
        if g.rows.is_empty() {
            tables.push_str("<p>(none)</p>\n");
            continue;
        }
        tables.push_str("<table>\n<tr>");
        for h in &g.headers {
            tables.push_str(&format!("<th>{}</th>", esc(h)));
        }
        tables.push_str("</tr>\n");
        for row in &g.rows {
            tables.push_str("<tr>");
            for c in row {
                let class = match c.as_str() {
                    "fail" => " class=\"fail\"",
                    "pass" => " class=\"pass\"",
                    _ if c.contains(":fail") => " class=\"fail\"",
                    _ => "",
                };
                tables.push_str(&format!("<td{class}>{}</td>", esc(c)));
            }
            tables.push_str("</tr>\n");
        }
        tables.push_str("</table>\n");
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\"><title>huifang report {period}</title>\n<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;font-size:12px;margin-bottom:1em}}th,td{{border:1px solid #ccc;padding:2px 6px;text-align:left}}td.fail{{color:#c0392b;font-weight:bold}}td.pass{{color:#1e8449}}</style></head>\n<body>\n<h1>Compliance report {period}</h1>\n<p>{title}; result: <b>{result}</b></p>\n<h2>Visit rate against target</h2>\n<svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height:.0}\" role=\"img\" aria-label=\"visit rate by rule\">{bars}</svg>\n<p>Bars: achieved visit rate (red: below target). Black line: target.</p>\n{tables}</body></html>\n",
        title = esc(&title(r)),
        result = result_line(r),
        period = esc(&r.period),
    )
}

impl load::Folds for Accumulator<'_> {
    fn part(&self) -> Self {
        Accumulator::part(self)
    }
    fn add(&mut self, e: &mut crate::engine::Evaluated) {
        Accumulator::add(self, e);
    }
    fn counted_unless(&self) -> Option<&'static [&'static str]> {
        Accumulator::counted_unless(self)
    }
    fn add_unrequired(&mut self, rule: &str, version: &str, step: &str, n: u64) {
        Accumulator::add_unrequired(self, rule, version, step, n);
    }
    fn absorb(&mut self, later: Self) {
        Accumulator::absorb(self, later);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        a: ReportArgs,
    }

    /// Counting the items of unselected sampled units instead of building them changes no
    /// number and no attention row, on every shipped example, over a month and a year,
    /// with and without the attention list.
    #[test]
    fn counting_unselected_items_gives_the_report_building_them_gives() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let stems: Vec<String> = crate::rules::load::files_in(&root.join("rules"))
            .unwrap()
            .iter()
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(stems.len() > 10);
        let ui = Ui {
            quiet: true,
            verbose: false,
        };
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        // The property example with a dozen repairs of one customer's plumbing in October,
        // most of them not sampled: the attention list's repeat repairs name every one.
        let repeats = tempfile::tempdir().unwrap();
        for f in ["customers.csv", "visits.csv", "orders.csv"] {
            std::fs::copy(root.join("examples/property").join(f), repeats.path().join(f)).unwrap();
        }
        let mut orders = std::fs::read_to_string(repeats.path().join("orders.csv")).unwrap();
        for i in 1..=12 {
            orders.push_str(&format!(
                "R-9{i:02},C001,repair,,张师傅,工程部,2026-10-{i:02} 09:00,2026-10-{i:02} 15:00,,,,,,plumbing\n"
            ));
        }
        std::fs::write(repeats.path().join("orders.csv"), orders).unwrap();
        let mut cases: Vec<(String, std::path::PathBuf)> = stems
            .iter()
            .map(|s| (s.clone(), root.join(format!("examples/{s}"))))
            .collect();
        cases.push(("property".into(), repeats.path().to_path_buf()));
        let mut unselected = 0;
        let mut repeated_repairs = 0;
        for (stem, data) in &cases {
            let rules = root.join(format!("rules/{stem}.toml"));
            for period in ["2026-10", "2026"] {
                let args = [
                    "report",
                    "--rules",
                    rules.to_str().unwrap(),
                    "--data",
                    data.to_str().unwrap(),
                ];
                let cli = Cli::try_parse_from(args).unwrap();
                let p = Period::parse(period).unwrap();
                for attention in [false, true] {
                    let report = |count| {
                        let rules = load::rules(&cli.a.rules).unwrap();
                        let r = compute(&cli.a, rules, p, period, as_of, attention, count, ui).unwrap();
                        serde_json::to_value(&r).unwrap()
                    };
                    let (counted, built) = (report(true), report(false));
                    assert_eq!(counted, built, "{stem} {period}, attention list {attention}");
                    let listed = built["attention"].as_array().unwrap();
                    repeated_repairs += listed
                        .iter()
                        .filter(|r| r["kind"] == "repeat_repair" && r["count"].as_u64() >= Some(12))
                        .count();
                    for row in built["rows"].as_array().unwrap() {
                        let n = |k: &str| row[k].as_u64().unwrap();
                        unselected += n("population") - n("excluded") - n("required");
                    }
                }
            }
        }
        assert!(unselected > 0, "no example has an unselected sampled item");
        assert!(repeated_repairs > 0, "the twelve repairs are not listed as repeats");
    }
}
