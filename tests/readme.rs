//! The README and rules/README.md stay true: the quick-start job runs, every command is
//! documented, and every rule-file key the parser accepts is in the cheatsheet.

use crate::util::{root, run};

#[test]
fn the_quick_start_job_runs_on_the_bundled_example() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let cmd = readme
        .lines()
        .find(|l| l.starts_with("cargo run --release -- due "))
        .expect("README quick start shows the main job");
    let args: Vec<&str> = cmd
        .trim_start_matches("cargo run --release -- ")
        .split_whitespace()
        .collect();
    let o = run(&args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("property.complaint/P-002/1"), "{}", o.stdout);
    assert!(readme.contains("\ncargo test\n"), "README shows the test command");
}

#[test]
fn every_command_is_documented() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for c in [
        "due",
        "check",
        "calendar",
        "explain",
        "report",
        "rules list",
        "rules explain",
        "init",
        "record",
        "completions",
        "man",
    ] {
        assert!(readme.contains(&format!("`{c}")), "README's command table lacks `{c}`");
        let first = c.split(' ').next().unwrap();
        assert_eq!(run(&[first, "--help"]).code, 0, "{c} --help");
    }
}

#[test]
fn every_rule_file_key_is_in_the_cheatsheet() {
    let raw = std::fs::read_to_string(root().join("src/rules/raw.rs")).unwrap();
    let sheet = std::fs::read_to_string(root().join("rules/README.md")).unwrap();
    let mut keys: Vec<String> = raw
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("pub ")
                .and_then(|r| r.split_once(':'))
                .map(|(k, _)| k.trim().to_string())
        })
        .filter(|k| !k.contains(' ') && !k.contains('('))
        .collect();
    // Serde renames (`rule`, `step`, `variant`, `match`, `in`, `season`, …) are named as written in TOML.
    for (field, toml) in [
        ("rules", "rule"),
        ("steps", "step"),
        ("variants", "variant"),
        ("matches", "match"),
        ("values", "in"),
        ("seasons", "season"),
        ("shares", "share"),
        ("bands", "band"),
        ("grades", "grade"),
    ] {
        if let Some(k) = keys.iter_mut().find(|k| **k == field) {
            *k = toml.to_string();
        }
    }
    keys.sort();
    keys.dedup();
    let word = |k: &str| {
        sheet.match_indices(k).any(|(i, _)| {
            let before = sheet[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            let after = sheet[i + k.len()..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            before && after
        })
    };
    let missing: Vec<&String> = keys.iter().filter(|k| !word(k)).collect();
    assert!(missing.is_empty(), "rules/README.md lacks {missing:?}");
}
