//! placeholder
use super::Ui;
use clap::Args;
use std::process::ExitCode;
/// Options.
#[derive(Debug, Args)]
pub struct RecordArgs {}
/// Runs.
pub fn run(_a: &RecordArgs, _ui: Ui) -> anyhow::Result<ExitCode> { anyhow::bail!("not built yet") }
