//! End-to-end robustness: concurrent `record`, GBK exports, hostile cells, odd input.

use crate::util::{copy_example, root, run, run_due};
use proptest::prelude::*;

#[test]
fn concurrent_records_never_interleave_or_lose_rows() {
    let d = copy_example("property");
    let data = d.path().to_str().unwrap().to_string();
    let before = std::fs::read_to_string(d.path().join("visits.csv"))
        .unwrap()
        .lines()
        .count();
    let n = 12;
    let children: Vec<_> = (0..n)
        .map(|i| {
            std::process::Command::new(env!("CARGO_BIN_EXE_huifang"))
                .args([
                    "record",
                    "--rules",
                    "rules/property.toml",
                    "--data",
                    &data,
                    "--due-id",
                    "property.complaint/P-001/1",
                    "--outcome",
                    "no_answer",
                    "--visitor",
                    &format!("staff{i}"),
                    "--note",
                    &"x".repeat(2000),
                    "--at",
                    "2026-11-23 10:00",
                ])
                .current_dir(root())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let text = std::fs::read_to_string(d.path().join("visits.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), before - 1 + n);
    for i in 0..n {
        assert_eq!(
            rows.iter()
                .filter(|r| &r[3] == format!("staff{i}").as_str() && r[7].len() == 2000)
                .count(),
            1,
            "staff{i}"
        );
    }
}

#[test]
fn record_checks_the_rule() {
    let d = copy_example("property");
    let data = d.path().to_str().unwrap();
    let base = [
        "record",
        "--rules",
        "rules/property.toml",
        "--data",
        data,
        "--due-id",
        "property.complaint/P-001/1",
        "--outcome",
        "reached",
        "--at",
        "2026-11-23 10:00",
    ];
    let mut bad_score = base.to_vec();
    bad_score.extend(["--score", "11"]);
    assert_eq!(run(&bad_score).code, 2);
    let mut bad_channel = base.to_vec();
    bad_channel.extend(["--channel", "email"]);
    let o = run(&bad_channel);
    assert!(o.code == 2 && o.stderr.contains("allows phone, onsite"), "{}", o.stderr);
    let fresh = tempfile::tempdir().unwrap();
    for f in ["customers.csv", "orders.csv"] {
        std::fs::copy(d.path().join(f), fresh.path().join(f)).unwrap();
    }
    let mut ok = base.to_vec();
    ok[4] = fresh.path().to_str().unwrap();
    assert_eq!(run(&ok).code, 0);
    let v = std::fs::read_to_string(fresh.path().join("visits.csv")).unwrap();
    assert!(
        v.starts_with("due_id,visited_at,channel,visitor,outcome,score,signed,note\n"),
        "{v}"
    );
}

#[test]
fn a_gbk_export_and_its_utf8_twin_give_identical_due_lists() {
    let d = copy_example("property");
    let gbk = tempfile::tempdir().unwrap();
    for f in ["customers.csv", "orders.csv", "visits.csv"] {
        let text = std::fs::read_to_string(d.path().join(f)).unwrap().replace('\n', "\r\n");
        let (bytes, _, bad) = encoding_rs::GBK.encode(&text);
        assert!(!bad);
        std::fs::write(gbk.path().join(f), bytes).unwrap();
    }
    let a = run_due(
        "rules/property.toml",
        d.path().to_str().unwrap(),
        "2026-11-23",
        &["--format", "csv"],
    );
    let b = run_due(
        "rules/property.toml",
        gbk.path().to_str().unwrap(),
        "2026-11-23",
        &["--format", "csv"],
    );
    assert_eq!(a.code, 0);
    assert_eq!(b.code, 0, "{}", b.stderr);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn formula_cells_are_neutralised_in_csv_output() {
    let d = copy_example("property");
    let p = d.path().join("customers.csv");
    let s = std::fs::read_to_string(&p)
        .unwrap()
        .replace("王建国", "=HYPERLINK(\"http://x\")");
    std::fs::write(&p, s).unwrap();
    let o = run_due(
        "rules/property.toml",
        d.path().to_str().unwrap(),
        "2026-11-23",
        &["--format", "csv"],
    );
    assert!(o.stdout.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{}", o.stdout);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]
    #[test]
    fn arbitrary_bytes_as_any_input_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), which in 0usize..4) {
        let d = copy_example("property");
        let name = ["customers.csv", "orders.csv", "visits.csv", "rules.toml"][which];
        let rules = if which == 3 { d.path().join("rules.toml") } else { root().join("rules/property.toml") };
        std::fs::write(d.path().join(name), &bytes).unwrap();
        let o = run_due(rules.to_str().unwrap(), d.path().to_str().unwrap(), "2026-11-23", &["--format", "csv"]);
        prop_assert!(o.code == 0 || o.code == 2, "code {}", o.code);
        prop_assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
        if o.code == 2 {
            prop_assert!(o.stderr.contains("huifang: error:"), "{}", o.stderr);
        }
    }
}

/// Pieces of rule files: real keys with odd values, and odd keys with real values.
fn toml_line() -> impl Strategy<Value = String> {
    let keys = prop::sample::select(vec![
        "id",
        "kind",
        "anchor",
        "after",
        "within",
        "channel",
        "assignee",
        "sample",
        "cadence",
        "targets",
        "exclude",
        "max_attempts",
        "score_scale",
        "effective_from",
        "effective_until",
        "cooldown",
        "match",
        "calendar",
        "withn",
        "source",
    ]);
    let values = prop::sample::select(vec![
        "\"3d\"",
        "\"10wd\"",
        "\"3 days\"",
        "\"\"",
        "-1",
        "0",
        "4294967296",
        "1.5",
        "true",
        "[]",
        "[\"phone\", \"fax\"]",
        "{ rate = 2.0, per = \"month\" }",
        "{ rate = 0.3, per = \"fortnight\" }",
        "{ per = \"customer\", every = \"week\" }",
        "{ per = \"order\", phases = [{ every = \"0m\" }] }",
        "2026-02-30",
        "2026-10-01",
        "\"2026-13-01\"",
        "{ by = \"severity\" }",
        "[{ column = \"x\" }]",
        "[{ shorter_than = \"24h\" }]",
        "{ visit_rate = 7 }",
        "[10, 0]",
        "{ file = \"nope.toml\" }",
        "\"closed_at\"",
        "\"complaint\"",
        "\"c\"",
    ]);
    (keys, values).prop_map(|(k, v)| format!("{k} = {v}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]
    #[test]
    fn odd_but_well_formed_rule_files_never_panic(head in proptest::collection::vec(toml_line(), 0..3), rules in proptest::collection::vec(proptest::collection::vec(toml_line(), 0..8), 0..3)) {
        let mut text = String::from("version = \"1\"\n");
        for l in &head {
            text.push_str(l);
            text.push('\n');
        }
        for r in &rules {
            text.push_str("[[rule]]\n");
            for l in r {
                text.push_str(l);
                text.push('\n');
            }
        }
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.toml");
        std::fs::write(&p, &text).unwrap();
        // The library call: an Ok or located diagnostics, never a panic.
        match huifang::rules::load::load_one(&p, &huifang::rules::load::Overrides::default()) {
            Ok(_) => {}
            Err(diags) => {
                prop_assert!(!diags.is_empty());
                for dg in diags {
                    prop_assert!(!dg.message.is_empty(), "empty message for\n{text}");
                }
            }
        }
    }
}
