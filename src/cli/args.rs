//! Option groups shared by several commands (one definition, one help text).

use crate::io::encoding::Encoding;
use crate::io::write::Format;
use clap::Args;
use std::path::PathBuf;

/// Where the three input files are.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Directory holding customers.csv, orders.csv and visits.csv.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// customers.csv to use instead of DIR/customers.csv.
    #[arg(long, value_name = "FILE")]
    pub customers: Option<PathBuf>,
    /// orders.csv to use instead of DIR/orders.csv.
    #[arg(long, value_name = "FILE")]
    pub orders: Option<PathBuf>,
    /// visits.csv to use instead of DIR/visits.csv (absent file: no visits yet).
    #[arg(long, value_name = "FILE")]
    pub visits: Option<PathBuf>,
    /// Text encoding of the inputs (auto detects UTF-8, UTF-8 with BOM, and GBK/GB18030).
    #[arg(long, value_enum, default_value = "auto")]
    pub encoding: Encoding,
    /// Write invalid rows with their reasons to FILE and go on without them, instead of failing.
    #[arg(long, value_name = "FILE")]
    pub skip_invalid: Option<PathBuf>,
}

impl DataArgs {
    /// The path of one input, or a usage error when neither it nor --data is given.
    pub fn path(&self, which: &str) -> Result<PathBuf, crate::error::Error> {
        let explicit = match which {
            "customers" => &self.customers,
            "orders" => &self.orders,
            _ => &self.visits,
        };
        if let Some(p) = explicit {
            return Ok(p.clone());
        }
        match &self.data {
            Some(d) => Ok(d.join(format!("{which}.csv"))),
            None => Err(crate::error::Error::Usage(format!(
                "no input: give --data DIR or --{which} FILE"
            ))),
        }
    }
}

/// Which rule files, with variants and overrides.
#[derive(Debug, Clone, Args)]
pub struct RulesArgs {
    /// Rule file (TOML); repeat for several industries.
    #[arg(long = "rules", value_name = "FILE", required = true)]
    pub rules: Vec<PathBuf>,
    /// Apply a named variant offered by a rule file (see `huifang rules explain`).
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
    /// Override one rule setting, e.g. `--set repair.sample.rate=0.5` or `--set repair.within='"1m"'`.
    #[arg(long = "set", value_name = "RULE.KEY=VALUE")]
    pub sets: Vec<String>,
}

/// Output format and destination.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to FILE (atomically: a temporary file, then a rename) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Start CSV output with a UTF-8 byte-order mark so Excel shows Chinese text correctly.
    #[arg(long)]
    pub bom: bool,
    /// Show phone numbers as 138****0001 (for lists that leave the office).
    #[arg(long)]
    pub mask_phone: bool,
}
