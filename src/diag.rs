//! `Diagnostic`: the one carrier of user-facing problems. Every problem names its file,
//! line and column (where known), what was expected and what was found.

use std::fmt;
use std::path::{Path, PathBuf};

/// One located problem in an input file or rule file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Diagnostic {
    /// File the problem is in.
    pub path: PathBuf,
    /// 1-based line, 0 when the problem concerns the whole file.
    pub line: u64,
    /// Column description: a CSV header name with its field number, or a TOML column number.
    pub column: String,
    /// The message: what was expected and what was found.
    pub message: String,
    /// Optional advice.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A problem at `path:line` in `column`.
    pub fn new(path: &Path, line: u64, column: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_path_buf(),
            line,
            column: column.into(),
            message: message.into(),
            hint: None,
        }
    }

    /// A problem about the whole file.
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Self::new(path, 0, "", message)
    }

    /// Adds advice shown under the message.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if !self.column.is_empty() {
            write!(f, ": {}", self.column)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

/// Renders a list of diagnostics, at most `cap` of them, with a count of the rest.
pub fn render_all(diags: &[Diagnostic], cap: usize) -> String {
    let mut out = String::new();
    for d in diags.iter().take(cap) {
        out.push_str("huifang: error: ");
        out.push_str(&d.to_string());
        out.push('\n');
    }
    if diags.len() > cap {
        out.push_str(&format!(
            "huifang: error: … and {} more problems not shown\n",
            diags.len() - cap
        ));
    }
    out.push_str(&format!(
        "huifang: {} problem{} found\n",
        diags.len(),
        if diags.len() == 1 { "" } else { "s" }
    ));
    out
}

/// Converts a byte offset in `text` to a 1-based (line, column) pair.
pub fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64 + 1;
    let col = before.rsplit('\n').next().map_or(0, |s| s.chars().count()) as u64 + 1;
    (line, col)
}
