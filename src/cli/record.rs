//! `huifang record`: append one visit to DIR/visits.csv, checked against its rule, under an
//! exclusive lock so two staff recording at once never interleave or lose a row.

use super::args::{DataArgs, RulesArgs};
use super::load::{self, Run};
use super::Ui;
use crate::error::Error;
use crate::model::values::{Channel, Outcome};
use clap::Args;
use std::io::{Seek, SeekFrom, Write};
use std::process::ExitCode;

/// Options of `record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    #[command(flatten)]
    rules: RulesArgs,
    #[command(flatten)]
    data: DataArgs,
    /// The item visited (from the due list).
    #[arg(long, value_name = "ID")]
    due_id: String,
    /// What happened.
    #[arg(long, value_parser = ["reached", "no_answer", "busy", "wrong_number", "refused"])]
    outcome: String,
    /// Satisfaction score, within the rule's scale.
    #[arg(long, value_name = "N")]
    score: Option<f64>,
    /// Channel (default: the rule's first channel).
    #[arg(long, value_name = "C")]
    channel: Option<String>,
    /// Who made the contact.
    #[arg(long, value_name = "NAME", default_value = "")]
    visitor: String,
    /// The customer signed the on-site record.
    #[arg(long)]
    signed: bool,
    /// Free text.
    #[arg(long, value_name = "TEXT", default_value = "")]
    note: String,
    /// When (default: now), as 2026-11-23 14:30.
    #[arg(long, value_name = "DATETIME")]
    at: Option<String>,
}

/// Runs `record`.
pub fn run(a: &RecordArgs, ui: Ui) -> anyhow::Result<ExitCode> {
    let at = match &a.at {
        Some(s) => crate::io::dates::parse_datetime(s)
            .ok_or_else(|| Error::Usage(format!("--at: expected {}, found {s:?}", crate::io::dates::EXPECTED)))?,
        None => chrono::Local::now().naive_local(),
    };
    let outcome: Outcome = a
        .outcome
        .parse()
        .map_err(|()| Error::Usage(format!("--outcome: expected one of {}", Outcome::expected())))?;
    let rules = load::rules(&a.rules)?;
    let rule_id = a.due_id.split('/').next().unwrap_or("");
    let Some((_, rule)) = rules.find(rule_id) else {
        return Err(Error::Usage(format!(
            "--due-id {:?}: no rule `{rule_id}` in the rule files",
            a.due_id
        ))
        .into());
    };
    let rule = rule.clone();
    let channel = match &a.channel {
        None => rule.channels[0],
        Some(c) => c.parse::<Channel>().map_err(|()| {
            Error::Usage(format!(
                "--channel: expected one of {}, found {c:?}",
                Channel::expected()
            ))
        })?,
    };
    if !rule.channels.contains(&channel) {
        let allowed: Vec<&str> = rule.channels.iter().map(|c| c.as_str()).collect();
        return Err(Error::Usage(format!(
            "--channel {channel}: rule `{}` allows {}",
            rule.id,
            allowed.join(", ")
        ))
        .into());
    }
    if let Some(s) = a.score {
        let (lo, hi) = rule.score_scale;
        if !(lo..=hi).contains(&s) {
            return Err(Error::Usage(format!("--score {s}: rule `{}` scores from {lo} to {hi}", rule.id)).into());
        }
    }
    // The item must exist as of the visit's date: open, or a past (closed) item.
    let id = a.due_id.clone();
    let as_of = at.date();
    let keep = move |e: &crate::engine::Probe<'_>| e.due_id.is(&id);
    let run = Run {
        as_of,
        keep_unselected: true,
        horizon: 3660,
        keep: std::sync::Arc::new(keep),
        cadence_from: Box::new(move |r| crate::engine::due_cadence_from(r, as_of)),
        sorted: true,
        listing: false,
    };
    let (_, items) = load::evaluate(&a.data, rules, None, run, ui)?;
    if items.is_empty() {
        return Err(Error::Usage(format!(
            "--due-id {:?}: no such item as of {as_of} (see `huifang explain {}`)",
            a.due_id, a.due_id
        ))
        .into());
    }
    let path = a.data.path("visits")?;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    // Exclusive lock: concurrent `record` runs queue here instead of interleaving.
    f.lock().map_err(|e| Error::io(&path, e))?;
    let len = f.seek(SeekFrom::End(0)).map_err(|e| Error::io(&path, e))?;
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    if len == 0 {
        let _ = w.write_record([
            "due_id",
            "visited_at",
            "channel",
            "visitor",
            "outcome",
            "score",
            "signed",
            "note",
        ]);
    }
    let _ = w.write_record([
        a.due_id.as_str(),
        &at.format("%Y-%m-%d %H:%M:%S").to_string(),
        channel.as_str(),
        &a.visitor,
        outcome.as_str(),
        &a.score.map_or(String::new(), |s| s.to_string()),
        if a.signed { "yes" } else { "no" },
        &a.note,
    ]);
    let mut bytes = w.into_inner().unwrap_or_default();
    if len > 0 {
        // Keep the file line-aligned if its last line lacks a newline.
        let mut last = [0u8; 1];
        let mut r = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        r.seek(SeekFrom::Start(len - 1))
            .and_then(|_| std::io::Read::read_exact(&mut r, &mut last))
            .map_err(|e| Error::io(&path, e))?;
        if last[0] != b'\n' {
            bytes.insert(0, b'\n');
        }
    }
    // One write of the whole row while holding the lock.
    f.write_all(&bytes)
        .and_then(|()| f.sync_data())
        .map_err(|e| Error::io(&path, e))?;
    f.unlock().map_err(|e| Error::io(&path, e))?;
    ui.note(&format!("recorded {} ({outcome}) in {}", a.due_id, path.display()));
    Ok(ExitCode::SUCCESS)
}
