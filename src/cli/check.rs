//! `huifang check`: validate rule files, and inputs with --data; report every problem.

use super::args::{DataArgs, RulesArgs};
use super::load::{self, Run};
use super::Ui;
use crate::error::Error;
use clap::Args;
use std::process::ExitCode;

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    rules: RulesArgs,
    #[command(flatten)]
    data: DataArgs,
}

/// Runs `check`.
pub fn run(a: &CheckArgs, ui: Ui) -> anyhow::Result<ExitCode> {
    let rules = load::rules(&a.rules)?;
    let n_rules: usize = rules.sets.iter().map(|s| s.rules.len()).sum();
    let n_sets = rules.sets.len();
    if a.data.data.is_some() || a.data.orders.is_some() {
        let as_of = load::today();
        let run = Run {
            as_of,
            keep_unselected: false,
            horizon: 0,
            keep: std::sync::Arc::new(|_| false),
            cadence_from: Box::new(move |_| as_of),
            sorted: true,
            listing: false,
        };
        match load::evaluate(&a.data, rules, None, run, ui) {
            Ok(_) => {}
            Err(Error::Invalid(d)) => return Err(Error::Invalid(d).into()),
            Err(e) => return Err(e.into()),
        }
        ui.note(&format!(
            "ok: {n_sets} rule file(s), {n_rules} rule(s), and the inputs are valid"
        ));
    } else {
        ui.note(&format!("ok: {n_sets} rule file(s), {n_rules} rule(s) are valid"));
    }
    Ok(ExitCode::SUCCESS)
}
