//! `huifang due`: the daily due list.

use super::args::{DataArgs, OutputArgs, RulesArgs};
use super::load::{self, Run};
use super::Ui;
use crate::engine::due_cadence_from;
use crate::engine::listed::{self, by_deadline, due_rows, Listed};
use crate::io::write::{
    csv_bytes, csv_rows_into, emit, mask_phone, render, write_rendered, written, Format, Grid, WriteOptions,
};
use crate::model::due::{DueItem, COLUMNS};
use chrono::NaiveDate;
use clap::Args;
use std::process::ExitCode;

/// Options of `due`.
#[derive(Debug, Args)]
pub struct DueArgs {
    #[command(flatten)]
    rules: RulesArgs,
    #[command(flatten)]
    data: DataArgs,
    /// The list's date (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    date: Option<NaiveDate>,
    /// Also list items whose window opens within N days, as `upcoming`.
    #[arg(long, value_name = "N", default_value_t = 0)]
    horizon: u32,
    /// Merge each customer's open items into one row (one call covers them).
    #[arg(long, value_name = "WHAT", value_parser = ["customer"])]
    group_by: Option<String>,
    #[command(flatten)]
    out: OutputArgs,
}

/// Parses a command-line date.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    crate::io::dates::parse_iso_date(s).ok_or_else(|| format!("expected a date like 2026-11-23, found {s:?}"))
}

/// Runs `due`.
pub fn run(a: &DueArgs, ui: Ui) -> anyhow::Result<ExitCode> {
    let as_of = a.date.unwrap_or_else(load::today);
    let rules = load::rules(&a.rules)?;
    let horizon = i64::from(a.horizon);
    load::warn_calendar_years(&rules, as_of, as_of + chrono::Duration::days(horizon), ui);
    let rules_ref = rules.clone();
    let (mut loaded, _) = load::evaluate(&a.data, rules, None, due_run(as_of, horizon), ui)?;
    let mut items = std::mem::take(&mut loaded.listed);
    say_if_no_calls(&rules_ref, as_of, ui);
    let mask = a.out.mask_phone;
    let customers = &loaded.customers;
    let rows = |items| {
        due_rows(warmed(items, customers), &rules_ref, as_of, horizon).map(move |(customer, mut r)| {
            if let Some(i) = customer.filter(|&i| i < customers.len()) {
                let c = customers.get(i);
                r.customer_name = c.name().into();
                r.phone = if mask {
                    mask_phone(c.phone()).into()
                } else {
                    c.phone().into()
                };
            }
            r
        })
    };
    let opts = WriteOptions { bom: a.out.bom };
    let mut in_order = by_deadline(&mut items);
    let path = a.out.output.as_deref();
    match (&a.group_by, a.out.format) {
        // The common cron case: rows are independent, so the list is rendered in parts on
        // both cores while this thread writes the parts done (a list can be a hundred
        // megabytes).
        (None, Format::Csv) => {
            let head = csv_bytes(&COLUMNS, std::iter::empty::<DueItem>(), opts);
            let mut parts = Vec::new();
            while !in_order.is_empty() {
                let rest = in_order.split_off(in_order.len().min(PART));
                parts.push(std::mem::replace(&mut in_order, rest));
            }
            let out = written(path, |w| {
                w.write_all(&head)?;
                // Room for a part at once (a row is ~200 bytes).
                write_rendered(w, parts, |part, mut buf| {
                    buf.reserve(part.len() * 256);
                    csv_rows_into(buf, rows(part))
                })
            })?;
            out.finish_while(|| drop(items))?;
        }
        (None, f) => {
            emit(path, &render(&grid(rows(in_order).collect()), f, opts))?;
            drop(items);
        }
        (Some(_), f) => {
            emit(path, &render(&grouped(&rows(in_order).collect::<Vec<_>>()), f, opts))?;
            drop(items);
        }
    }
    crate::debug_rss("rendered and written");
    Ok(ExitCode::SUCCESS)
}

/// The engine's run for the due list of `as_of`, with `horizon` days of upcoming items.
pub(super) fn due_run(as_of: NaiveDate, horizon: i64) -> Run<'static> {
    // The last day a window may open on to be listed: a date compared, not a difference
    // of dates counted, for each of the millions of probes.
    let last_start = chrono::TimeDelta::try_days(horizon)
        .and_then(|h| as_of.checked_add_signed(h))
        .unwrap_or(NaiveDate::MAX);
    let keep = move |e: &crate::engine::Probe<'_>| {
        // Keep what could be listed if selected; the final status is decided after sampling.
        *e.resolution == crate::model::due::Resolution::Open && !e.excluded && e.window_start <= last_start
    };
    Run {
        as_of,
        keep_unselected: false,
        horizon,
        keep: std::sync::Arc::new(keep),
        cadence_from: Box::new(move |r| due_cadence_from(r, as_of)),
        sorted: false,
        // Items are kept as they come in the compact form the list's rows are made of (see
        // engine::listed), not whole.
        listing: true,
    }
}

/// Items per part of a CSV due list (see [`write_rendered`]): ~6 MB of text.
const PART: usize = 32_768;

/// The items, pulled a few hundred at a time so that they, then their customers, are read
/// together first (see [`crate::engine::listed::warm`] and
/// [`crate::model::Customers::warm`]): in deadline order both lie all over their tables.
fn warmed<'a>(
    items: Vec<&'a mut Listed>,
    customers: &'a crate::model::Customers,
) -> impl Iterator<Item = &'a mut Listed> + 'a {
    const AHEAD: usize = 256;
    let mut items = items.into_iter();
    let mut ready = std::collections::VecDeque::with_capacity(AHEAD);
    std::iter::from_fn(move || {
        if ready.is_empty() {
            ready.extend(items.by_ref().take(AHEAD));
            listed::warm(ready.iter().map(|e: &&mut Listed| &**e));
            customers.warm(ready.iter().filter_map(|e| e.customer.map(|c| c as usize)));
        }
        ready.pop_front()
    })
}

/// On a day with no calls allowed, say so and why (the list is still printed).
fn say_if_no_calls(rules: &crate::rules::Rules, as_of: NaiveDate, ui: Ui) {
    let mut said = std::collections::BTreeSet::new();
    for (set, rule) in rules.iter() {
        let cal = &rule.calls.calendar;
        if !cal.is_callable(as_of, rule.calls.call_on) && said.insert(set.id.clone()) {
            let kind = cal.day_kind(as_of);
            let why = match kind.name() {
                "" => kind.as_str().to_string(),
                n => format!("{} {n}", kind.as_str()),
            };
            ui.note(&format!(
                "no calls are allowed on {as_of} under {} ({}: call_on = {}); call_hours is left empty",
                set.path.display(),
                why,
                rule.calls.call_on.as_str()
            ));
        }
    }
}

/// The due list as a grid.
pub fn grid(rows: Vec<DueItem>) -> Grid {
    let mut g = Grid::new(&COLUMNS).numeric(&["days_left", "attempts"]);
    g.rows = rows.into_iter().map(DueItem::into_cells).collect();
    g
}

/// One row per customer: the earliest deadline first, every due id listed.
fn grouped(rows: &[DueItem]) -> Grid {
    let mut by: std::collections::BTreeMap<&str, Vec<&DueItem>> = std::collections::BTreeMap::new();
    for r in rows {
        by.entry(r.customer_id.as_str()).or_default().push(r);
    }
    let mut out: Vec<Vec<String>> = by
        .values()
        .map(|items| {
            let first = items
                .iter()
                .min_by_key(|r| (r.window_end, &r.due_id))
                .copied()
                .unwrap_or(items[0]);
            let worst = items.iter().map(|r| r.status).max().unwrap_or(first.status);
            let join = |f: &dyn Fn(&DueItem) -> String| {
                let mut v: Vec<String> = items.iter().map(|r| f(r)).collect();
                v.dedup();
                v.join(";")
            };
            vec![
                first.customer_id.to_string(),
                first.customer_name.to_string(),
                first.phone.to_string(),
                items.len().to_string(),
                join(&|r| r.due_id.to_string()),
                join(&|r| r.rule.to_string()),
                first.window_end.to_string(),
                worst.to_string(),
                first.days_left.to_string(),
                join(&|r| r.channel.to_string()),
                join(&|r| r.assignee.to_string()),
                first.call_hours.to_string(),
            ]
        })
        .collect();
    out.sort_by(|a, b| (&a[6], &a[0]).cmp(&(&b[6], &b[0])));
    let mut g = Grid::new(&[
        "customer_id",
        "customer_name",
        "phone",
        "items",
        "due_ids",
        "rules",
        "window_end",
        "status",
        "days_left",
        "channels",
        "assignees",
        "call_hours",
    ])
    .numeric(&["items", "days_left"]);
    g.rows = out;
    g
}
