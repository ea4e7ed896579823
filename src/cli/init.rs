//! placeholder
use super::Ui;
use clap::Args;
use std::process::ExitCode;
/// Options.
#[derive(Debug, Args)]
pub struct InitArgs {}
/// Runs.
pub fn run(_a: &InitArgs, _ui: Ui) -> anyhow::Result<ExitCode> { anyhow::bail!("not built yet") }
