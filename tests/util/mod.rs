//! Test helpers: run the binary, compare with golden files.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The stems of the shipped rule files (`rules/*.toml`), sorted; each has its example
/// data under `examples/`.
pub fn rule_files() -> Vec<String> {
    huifang::rules::load::files_in(&root().join("rules"))
        .unwrap()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// Output of one run.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs huifang with `args` from the repository root.
pub fn run(args: &[&str]) -> Out {
    run_in(&root(), args)
}

/// Runs huifang with `args` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_huifang"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run huifang");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Compares `actual` with tests/golden/NAME (or writes it with UPDATE_GOLDEN=1).
pub fn golden(name: &str, actual: &str) {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some()
        || !path.exists() && std::env::var_os("CI").is_none() && std::env::var_os("GOLDEN_STRICT").is_none()
    {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing golden file {}", path.display()));
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(5)
            .map(|(i, (a, b))| format!("line {}:\n  expected: {a}\n  actual:   {b}", i + 1))
            .collect();
        panic!(
            "{} differs from the golden file (UPDATE_GOLDEN=1 to accept):\n{}\n(expected {} lines, got {})",
            name,
            diff.join("\n"),
            expected.lines().count(),
            actual.lines().count()
        );
    }
}

/// A fresh temporary directory holding a copy of examples/NAME.
pub fn copy_example(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["customers.csv", "orders.csv", "visits.csv"] {
        let src = root().join("examples").join(name).join(f);
        if src.exists() {
            std::fs::copy(&src, dir.path().join(f)).unwrap();
        }
    }
    dir
}

/// `huifang due --rules RULES --data DATA --date DATE EXTRA…` from the repository root.
pub fn run_due(rules: &str, data: &str, date: &str, extra: &[&str]) -> Out {
    let mut args = vec!["due", "--rules", rules, "--data", data, "--date", date];
    args.extend_from_slice(extra);
    run(&args)
}
