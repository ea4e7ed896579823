//! Every shipped rule file passes `check` with its example data, explains itself, and
//! gives a golden due list.

use crate::util::{golden, root, rule_files, run, run_due};

#[test]
fn every_rule_file_checks_explains_and_has_a_golden_due_list() {
    let files = rule_files();
    assert!(files.len() >= 2);
    for stem in files {
        let rules = format!("rules/{stem}.toml");
        let data = format!("examples/{stem}");
        assert!(root().join(&data).exists(), "no example data for {rules}");
        let o = run(&["check", "--rules", &rules, "--data", &data]);
        assert_eq!(o.code, 0, "{rules}: {}", o.stderr);
        for lang in ["en", "zh"] {
            let o = run(&["rules", "explain", &rules, "--lang", lang]);
            assert_eq!(o.code, 0, "{rules}: {}", o.stderr);
            let word = if lang == "zh" { "依据" } else { "source" };
            assert!(o.stdout.contains(word), "{rules} explain lacks sources");
        }
        let o = run_due(&rules, &data, "2026-11-23", &["--horizon", "14", "--format", "csv"]);
        assert_eq!(o.code, 0, "{rules}: {}", o.stderr);
        assert!(o.stdout.lines().count() > 1, "{rules}: empty due list on its example");
        golden(&format!("examples/due-{stem}.csv"), &o.stdout);
    }
}

#[test]
fn rules_list_names_every_file() {
    let o = run(&["rules", "list", "--format", "csv"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    for stem in rule_files() {
        assert!(o.stdout.contains(&format!("rules/{stem}.toml")), "{stem}");
    }
}

#[test]
fn init_creates_inputs_with_headers_that_check_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("site");
    let o = run(&["init", "hospital", target.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    for f in ["customers.csv", "orders.csv", "visits.csv", "README", "hospital.toml"] {
        assert!(target.join(f).exists(), "{f}");
    }
    let rules = target.join("hospital.toml");
    let o = run(&[
        "check",
        "--rules",
        rules.to_str().unwrap(),
        "--data",
        target.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    // A second init into the same directory refuses rather than overwrite.
    assert_eq!(run(&["init", "hospital", target.to_str().unwrap()]).code, 2);
}
