//! Typed errors of the library and the exit code each maps to.

use crate::diag::Diagnostic;
use std::path::PathBuf;

/// Everything that can stop a command. All variants are input or usage problems (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more located problems in inputs or rule files.
    #[error("{}", crate::diag::render_all(.0, 50).trim_end())]
    Invalid(Vec<Diagnostic>),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A bad command-line value.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A single diagnostic as an error.
    pub fn one(d: Diagnostic) -> Self {
        Error::Invalid(vec![d])
    }
}

/// Result alias of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
