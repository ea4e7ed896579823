//! The command line: argument parsing, loading inputs, and the one place that decides
//! exit codes (0 success, 1 compliance target missed under `--strict`, 2 bad input or usage).

pub mod args;
mod calendar;
mod check;
mod due;
mod explain;
mod init;
mod load;
mod record;
mod report;
mod rules_cmd;

use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

/// huifang (回访): daily follow-up lists and compliance reports from your follow-up policy.
#[derive(Debug, Parser)]
#[command(name = "huifang", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Print only errors.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Print more about what was read.
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Today's due list: who must be contacted, how, by whom, before when.
    Due(due::DueArgs),
    /// Validate rule files (and inputs with --data), reporting every problem.
    Check(check::CheckArgs),
    /// Print a rule file's calendar: day kinds, holiday names, calling hours.
    Calendar(calendar::CalendarArgs),
    /// Explain why an item is (or is not) on the due list.
    Explain(explain::ExplainArgs),
    /// Compliance report for a period (visit rate, success, on time, scores, grades).
    Report(report::ReportArgs),
    /// List the shipped rule files, or explain one in plain words.
    Rules(rules_cmd::RulesArgs),
    /// Create a data directory for an industry with empty inputs and its rule file.
    Init(init::InitArgs),
    /// Append one visit to DIR/visits.csv (checked, locked, atomic).
    Record(record::RecordArgs),
    /// Print shell completions.
    Completions {
        /// Shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

/// Messages to stderr, honouring --quiet/--verbose.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// Suppress notes and warnings.
    pub quiet: bool,
    /// Extra notes.
    pub verbose: bool,
}

impl Ui {
    /// A warning (shown unless --quiet).
    pub fn warn(self, msg: &str) {
        if !self.quiet {
            eprintln!("huifang: warning: {msg}");
        }
    }
    /// A note (shown unless --quiet).
    pub fn note(self, msg: &str) {
        if !self.quiet {
            eprintln!("huifang: {msg}");
        }
    }
    /// A detail (shown with --verbose).
    pub fn detail(self, msg: &str) {
        if self.verbose && !self.quiet {
            eprintln!("huifang: {msg}");
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ui = Ui {
        quiet: cli.quiet,
        verbose: cli.verbose,
    };
    match cli.command {
        Command::Due(a) => due::run(&a, ui),
        Command::Check(a) => check::run(&a, ui),
        Command::Calendar(a) => calendar::run(&a, ui),
        Command::Explain(a) => explain::run(&a, ui),
        Command::Report(a) => report::run(&a, ui),
        Command::Rules(a) => rules_cmd::run(&a, ui),
        Command::Init(a) => init::run(&a, ui),
        Command::Record(a) => record::run(&a, ui),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "huifang", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
            crate::io::write::emit(None, &buf)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The binary's entry point: parse, run, print any error once, choose the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Printed by hand: returning the error from main would print a backtrace when
            // RUST_BACKTRACE is set.
            match e.downcast_ref::<crate::error::Error>() {
                Some(crate::error::Error::Invalid(d)) => eprint!("{}", crate::diag::render_all(d, 50)),
                _ => eprintln!("huifang: error: {e:#}"),
            }
            ExitCode::from(2)
        }
    }
}
