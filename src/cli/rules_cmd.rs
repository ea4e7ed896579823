//! placeholder
use super::Ui;
use clap::Args;
use std::process::ExitCode;
/// Options.
#[derive(Debug, Args)]
pub struct RulesArgs {}
/// Runs.
pub fn run(_a: &RulesArgs, _ui: Ui) -> anyhow::Result<ExitCode> { anyhow::bail!("not built yet") }
