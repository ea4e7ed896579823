//! Calendar files (`rules/calendars/*.toml`): reading and validating them.
//!
//! A file lists public holidays (date ranges with names) and make-up working days, the
//! years whose official arrangement it covers, and may `extends` another calendar file
//! (a company's closure days on top of the national calendar).

use super::Calendar;
use crate::diag::{line_col, Diagnostic};
use chrono::NaiveDate;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    name: Option<String>,
    #[allow(dead_code)]
    title: Option<String>,
    #[allow(dead_code)]
    source: Option<String>,
    extends: Option<String>,
    #[serde(default)]
    years: Vec<i32>,
    #[serde(default, rename = "holiday")]
    holidays: Vec<Spanned<RawHoliday>>,
    #[serde(default, rename = "makeup")]
    makeups: Vec<Spanned<RawMakeup>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    name: String,
    from: toml::Value,
    to: Option<toml::Value>,
    #[allow(dead_code)]
    source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMakeup {
    date: toml::Value,
    name: String,
    #[allow(dead_code)]
    source: Option<String>,
}

/// Reads a TOML date written either bare (`2026-10-01`) or quoted (`"2026-10-01"`).
pub fn toml_date(v: &toml::Value) -> Option<NaiveDate> {
    let s = match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) => d.to_string(),
        _ => return None,
    };
    crate::io::dates::parse_iso_date(&s)
}

/// Loads a calendar file (and what it extends), returning every problem found.
pub fn load(path: &Path) -> Result<Calendar, Vec<Diagnostic>> {
    load_depth(path, 0)
}

fn load_depth(path: &Path, depth: u32) -> Result<Calendar, Vec<Diagnostic>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| vec![Diagnostic::file(path, format!("cannot read calendar file: {e}"))])?;
    let raw: RawCalendar = toml::from_str(&text).map_err(|e| vec![toml_error(path, &text, &e)])?;
    let mut cal = match &raw.extends {
        Some(base) if depth < 8 => {
            let base_path = path.parent().unwrap_or(Path::new(".")).join(base);
            load_depth(&base_path, depth + 1)?
        }
        Some(_) => {
            return Err(vec![Diagnostic::file(
                path,
                "calendar `extends` chain is too deep (a loop?)",
            )])
        }
        None => Calendar::default(),
    };
    cal.name = raw.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map_or(String::new(), |s| s.to_string_lossy().into_owned())
    });
    cal.years.extend(raw.years.iter().copied());

    let mut diags = Vec::new();
    let at = |span: std::ops::Range<usize>| line_col(&text, span.start).0;
    // Ranges declared in this file, to detect overlaps between entries.
    let mut ranges: Vec<(NaiveDate, NaiveDate, u64, String)> = Vec::new();
    for h in &raw.holidays {
        let line = at(h.span());
        let h = h.get_ref();
        let from = toml_date(&h.from);
        let to = h.to.as_ref().map_or(from, toml_date);
        let (Some(from), Some(to)) = (from, to) else {
            diags.push(Diagnostic::new(
                path,
                line,
                "holiday",
                format!("`{}`: expected dates like 2026-10-01 in `from`/`to`", h.name),
            ));
            continue;
        };
        if from > to {
            diags.push(Diagnostic::new(
                path,
                line,
                "holiday",
                format!("`{}`: range {from}..{to} ends before it starts", h.name),
            ));
            continue;
        }
        if let Some((a, b, l, n)) = ranges.iter().find(|(a, b, _, _)| from <= *b && *a <= to) {
            diags.push(Diagnostic::new(
                path,
                line,
                "holiday",
                format!("`{}` {from}..{to} overlaps `{n}` {a}..{b} (line {l})", h.name),
            ));
            continue;
        }
        ranges.push((from, to, line, h.name.clone()));
        for d in from.iter_days().take_while(|d| *d <= to) {
            cal.makeups.remove(&d);
            cal.holidays.insert(d, h.name.clone());
        }
    }
    for m in &raw.makeups {
        let line = at(m.span());
        let m = m.get_ref();
        let Some(date) = toml_date(&m.date) else {
            diags.push(Diagnostic::new(
                path,
                line,
                "makeup",
                format!("`{}`: expected a date like 2026-10-10 in `date`", m.name),
            ));
            continue;
        };
        if let Some((_, _, l, n)) = ranges.iter().find(|(a, b, _, _)| *a <= date && date <= *b) {
            diags.push(Diagnostic::new(
                path,
                line,
                "makeup",
                format!(
                    "{date} is both a make-up working day (`{}`) and a holiday (`{n}`, line {l})",
                    m.name
                ),
            ));
            continue;
        }
        if !super::is_weekend(date) {
            diags.push(Diagnostic::new(
                path,
                line,
                "makeup",
                format!("{date} is a weekday; a make-up working day (调休) must be a Saturday or Sunday"),
            ));
            continue;
        }
        cal.makeups.insert(date, m.name.clone());
    }
    if diags.is_empty() {
        Ok(cal)
    } else {
        Err(diags)
    }
}

/// Turns a TOML parse error into a located diagnostic.
pub fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> Diagnostic {
    let (line, col) = e.span().map_or((0, 0), |s| line_col(text, s.start));
    let msg = e.message().trim().to_string();
    Diagnostic::new(
        path,
        line,
        if col > 0 {
            format!("column {col}")
        } else {
            String::new()
        },
        msg,
    )
}

/// Resolves a calendar reference relative to the rule file that names it.
pub fn resolve(rule_file: &Path, reference: &str) -> PathBuf {
    rule_file.parent().unwrap_or(Path::new(".")).join(reference)
}
