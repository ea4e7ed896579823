//! `huifang calendar`: one row per day with its kind, holiday name and calling hours,
//! so an admin can check the calendar before trusting the lists.

use super::args::OutputArgs;
use super::due::parse_date;
use super::Ui;
use crate::error::Error;
use crate::io::write::{emit, render, Grid, WriteOptions};
use crate::rules::load::{load_all, Overrides};
use chrono::{Datelike, NaiveDate};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `calendar`.
#[derive(Debug, Args)]
pub struct CalendarArgs {
    /// Rule file whose calendar and calling hours to show.
    #[arg(long, value_name = "FILE")]
    rules: PathBuf,
    /// Show the calendar of this rule (its overrides), not the file's.
    #[arg(long, value_name = "RULE")]
    rule: Option<String>,
    /// First day.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    from: NaiveDate,
    /// Last day (inclusive).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    to: NaiveDate,
    #[command(flatten)]
    out: OutputArgs,
}

/// Runs `calendar`.
pub fn run(a: &CalendarArgs, ui: Ui) -> anyhow::Result<ExitCode> {
    if a.to < a.from {
        return Err(Error::Usage(format!("--to {} is before --from {}", a.to, a.from)).into());
    }
    if (a.to - a.from).num_days() > 3660 {
        return Err(Error::Usage("the range is longer than ten years".into()).into());
    }
    let rules = load_all(&[&a.rules], &Overrides::default()).map_err(Error::Invalid)?;
    let set = &rules.sets[0];
    let calls = match &a.rule {
        None => &set.calls,
        Some(r) => {
            &set.rules
                .iter()
                .find(|x| &x.short_id == r)
                .ok_or_else(|| Error::Usage(format!("no rule `{r}` in {}", a.rules.display())))?
                .calls
        }
    };
    super::load::warn_calendar_years(&rules, a.from, a.to, ui);
    let mut g = Grid::new(&["date", "weekday", "kind", "name", "call_hours"]);
    for d in a.from.iter_days().take_while(|d| *d <= a.to) {
        let kind = calls.calendar.day_kind(d);
        let hours = if calls.calendar.is_callable(d, calls.call_on) {
            calls.hours.render(d)
        } else {
            String::new()
        };
        g.rows.push(vec![
            d.to_string(),
            d.weekday().to_string(),
            kind.as_str().into(),
            kind.name().into(),
            hours,
        ]);
    }
    emit(
        a.out.output.as_deref(),
        &render(&g, a.out.format, WriteOptions { bom: a.out.bom }),
    )?;
    Ok(ExitCode::SUCCESS)
}
