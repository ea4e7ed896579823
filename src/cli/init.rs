//! `huifang init INDUSTRY DIR`: a data directory with empty inputs carrying the right
//! headers, a one-line README, and a copy of the industry's rule file to edit.

use super::Ui;
use crate::error::Error;
use crate::rules::load::{load_one, Overrides};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Industry: the stem of a rule file in --rules-dir (e.g. property, hospital).
    industry: String,
    /// Directory to create.
    dir: PathBuf,
    /// Where the shipped rule files are.
    #[arg(long, default_value = "rules")]
    rules_dir: PathBuf,
}

/// Runs `init`.
pub fn run(a: &InitArgs, ui: Ui) -> anyhow::Result<ExitCode> {
    let src = a.rules_dir.join(format!("{}.toml", a.industry));
    if !src.exists() {
        return Err(Error::Usage(format!("no rule file {} (see `huifang rules list`)", src.display())).into());
    }
    let set = load_one(&src, &Overrides::default()).map_err(Error::Invalid)?;
    if a.dir.exists()
        && std::fs::read_dir(&a.dir)
            .map_err(|e| Error::io(&a.dir, e))?
            .next()
            .is_some()
    {
        return Err(Error::Usage(format!(
            "{} exists and is not empty; nothing was written",
            a.dir.display()
        ))
        .into());
    }
    std::fs::create_dir_all(&a.dir).map_err(|e| Error::io(&a.dir, e))?;
    // Columns the industry's rules read, beyond the required ones.
    let mut order_cols: Vec<String> = vec![
        "order_id".into(),
        "customer_id".into(),
        "kind".into(),
        "severity".into(),
        "staff".into(),
        "department".into(),
    ];
    for (c, _, _) in set.referenced_columns() {
        if !order_cols.contains(&c) {
            order_cols.push(c);
        }
    }
    let write = |name: &str, text: String| -> Result<(), Error> {
        let p = a.dir.join(name);
        crate::io::write::atomic_write(&p, text.as_bytes()).map_err(|e| Error::io(p, e))
    };
    write("customers.csv", "customer_id,name,phone,segment,flags\n".into())?;
    write("orders.csv", format!("{}\n", order_cols.join(",")))?;
    write(
        "visits.csv",
        "due_id,visited_at,channel,visitor,outcome,score,signed,note\n".into(),
    )?;
    let kinds: Vec<String> = set
        .rules
        .iter()
        .flat_map(|r| r.kinds.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    write(
        "README",
        format!(
            "Fill customers.csv (one row per customer), orders.csv (kinds: {}; dates as 2026-11-23 or 2026-11-23 14:30) and append each follow-up to visits.csv (or use `huifang record`); edit {}.toml for your own policy, then run `huifang check --rules {}.toml --data .`\n",
            kinds.join(", "),
            a.industry,
            a.industry
        ),
    )?;
    let text = std::fs::read_to_string(&src).map_err(|e| Error::io(&src, e))?;
    // The copy points at the shipped calendar by an absolute path so it still resolves.
    let cal = set
        .calls
        .calendar_path
        .as_ref()
        .and_then(|p| std::fs::canonicalize(p).ok());
    let text = match (&cal, text.find("file = \"calendars/")) {
        (Some(c), Some(_)) => text.replacen(
            "file = \"calendars/",
            &format!(
                "file = \"{}/",
                c.parent().map_or(String::new(), |p| p.display().to_string())
            ),
            1,
        ),
        _ => text,
    };
    write(&format!("{}.toml", a.industry), text)?;
    ui.note(&format!(
        "created {} with empty inputs and {}.toml",
        a.dir.display(),
        a.industry
    ));
    Ok(ExitCode::SUCCESS)
}
