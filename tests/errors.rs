//! The error catalogue: each kind of bad input exits 2 with a located message.

use crate::util::{copy_example, root, run, run_due};
use std::path::Path;

fn due(rules: &str, data: &Path) -> crate::util::Out {
    run_due(rules, data.to_str().unwrap(), "2026-11-23", &[])
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let p = dir.join(file);
    let s = std::fs::read_to_string(&p).unwrap();
    assert!(s.contains(from), "{from} not in {file}");
    std::fs::write(&p, s.replacen(from, to, 1)).unwrap();
}

/// Exit 2, the located message parts, no panic, and the whole message pinned in
/// tests/golden/errors/NAME.txt (temporary paths shown as [TMP]).
fn expect(name: &str, o: &crate::util::Out, parts: &[&str]) {
    assert_eq!(o.code, 2, "stderr: {}", o.stderr);
    let tmp = regex_lite_tmp(&o.stderr);
    crate::util::golden(&format!("errors/{name}.txt"), &tmp);
    for p in parts {
        assert!(o.stderr.contains(p), "missing {p:?} in:\n{}", o.stderr);
    }
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
}

/// Replaces temporary directories (`/tmp/.tmpXXXX`) with `[TMP]` and the checkout's path
/// with `[ROOT]`, so the golden files hold on any machine.
fn regex_lite_tmp(s: &str) -> String {
    let s = s.replace(env!("CARGO_MANIFEST_DIR"), "[ROOT]");
    let s = s.as_str();
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("/tmp/.tmp") {
        out.push_str(&rest[..i]);
        out.push_str("[TMP]");
        let tail = &rest[i + "/tmp/.tmp".len()..];
        let end = tail.find('/').unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn missing_column() {
    let d = copy_example("property");
    edit(d.path(), "orders.csv", "order_id,customer_id", "id,customer_id");
    expect(
        "missing_column",
        &due("rules/property.toml", d.path()),
        &["orders.csv:1: header: missing required column `order_id`"],
    );
}

#[test]
fn unknown_customer() {
    let d = copy_example("property");
    edit(d.path(), "orders.csv", "P-001,C001", "P-001,C999");
    expect(
        "unknown_customer",
        &due("rules/property.toml", d.path()),
        &["orders.csv:2: column `customer_id` (field 2): unknown customer \"C999\""],
    );
}

#[test]
fn duplicate_ids() {
    let d = copy_example("property");
    edit(d.path(), "orders.csv", "P-002,C002", "P-001,C002");
    edit(d.path(), "customers.csv", "C002,李秀英", "C001,李秀英");
    let o = due("rules/property.toml", d.path());
    expect(
        "duplicate_ids",
        &o,
        &[
            "customers.csv:3: column `customer_id` (field 1): duplicate customer_id \"C001\" (first on line 2)",
            "orders.csv:3: column `order_id` (field 1): duplicate order_id \"P-001\" (first on line 2)",
        ],
    );
}

/// Order ids in order until one is not: those remembered while they were in order (kept
/// as a list, not searched) go into the table then, so a repeat still names its first line.
#[test]
fn duplicate_ids_once_the_order_breaks() {
    let d = copy_example("property");
    edit(d.path(), "orders.csv", "P-004,C003", "P-003,C003");
    edit(d.path(), "orders.csv", "P-007,C009", "P-002,C009");
    expect(
        "duplicate_ids_unsorted",
        &due("rules/property.toml", d.path()),
        &[
            "orders.csv:5: column `order_id` (field 1): duplicate order_id \"P-003\" (first on line 4)",
            "orders.csv:8: column `order_id` (field 1): duplicate order_id \"P-002\" (first on line 3)",
        ],
    );
}

#[test]
fn unparsable_date() {
    let d = copy_example("property");
    edit(d.path(), "orders.csv", "2026-11-21 16:30", "2026-13-01");
    expect("unparsable_date", &due("rules/property.toml", d.path()), &["orders.csv:2: column `closed_at` (field 8): expected a date like 2026-11-23, 2026/11/23 or 2026-11-23 14:30, found \"2026-13-01\""]);
}

/// Bytes that are not UTF-8 in a file read as UTF-8 are named by line and field, whether
/// a field holds a stray byte or a character is cut by a field's end.
#[test]
fn bytes_that_are_not_text() {
    for (name, bad, field) in [
        ("stray_byte", &b"\xff"[..], "column `department` (field 6)"),
        (
            "cut_character",
            &"客服部".as_bytes()[..7],
            "column `department` (field 6)",
        ),
    ] {
        let d = copy_example("property");
        let p = d.path().join("orders.csv");
        let text = std::fs::read(&p).unwrap();
        let at = text.windows(9).position(|w| w == "客服部".as_bytes()).unwrap();
        let mut bytes = text[..at].to_vec();
        bytes.extend_from_slice(bad);
        bytes.extend_from_slice(&text[at + 9..]);
        std::fs::write(&p, bytes).unwrap();
        let o = run_due(
            "rules/property.toml",
            d.path().to_str().unwrap(),
            "2026-11-23",
            &["--encoding", "utf-8"],
        );
        expect(
            &format!("not_text_{name}"),
            &o,
            &[&format!(
                "orders.csv:2: {field}: the file is neither valid UTF-8 nor GBK/GB18030 here"
            )],
        );
    }
}

#[test]
fn bad_visit_values_are_all_listed() {
    let d = copy_example("property");
    edit(d.path(), "visits.csv", "phone,李管家,no_answer", "fax,李管家,maybe");
    edit(d.path(), "visits.csv", "reached,9,yes", "reached,nine,yes");
    let o = due("rules/property.toml", d.path());
    expect(
        "bad_visit_values_are_all_listed",
        &o,
        &[
            "visits.csv:2: column `channel` (field 3): expected one of phone",
            "visits.csv:2: column `outcome` (field 5): expected one of reached",
            "visits.csv:4: column `score` (field 6): expected a number, found \"nine\"",
            "3 problems found",
        ],
    );
}

#[test]
fn unknown_rule_field() {
    let d = tempfile::tempdir().unwrap();
    let rules = d.path().join("r.toml");
    std::fs::write(&rules, "version = \"1\"\n[[rule]]\nid = \"c\"\nsource = \"x\"\nkind = \"complaint\"\nanchor = \"closed_at\"\nwithn = \"3d\"\n").unwrap();
    let o = due(rules.to_str().unwrap(), &root().join("examples/property"));
    expect("unknown_rule_field", &o, &["r.toml:7: column 1: unknown field `withn`"]);
}

#[test]
fn rule_referencing_a_missing_column() {
    let d = tempfile::tempdir().unwrap();
    let rules = d.path().join("r.toml");
    std::fs::write(&rules, "version = \"1\"\n[[rule]]\nid = \"c\"\nsource = \"x\"\nkind = \"complaint\"\nanchor = \"resolved_at\"\nwithin = \"3d\"\n").unwrap();
    let o = due(rules.to_str().unwrap(), &root().join("examples/property"));
    expect(
        "rule_referencing_a_missing_column",
        &o,
        &["r.toml:3: rule `c` reads column `resolved_at`, which", "lacks"],
    );
}

#[test]
fn bad_rule_values_are_all_reported() {
    let d = tempfile::tempdir().unwrap();
    let rules = d.path().join("r.toml");
    std::fs::write(&rules, "version = \"1\"\n[calendar]\ncall_hours = [\"17:00-15:00\"]\n[[rule]]\nid = \"c\"\nkind = \"complaint\"\nanchor = \"closed_at\"\nwithin = \"3 days\"\nchannel = \"fax\"\n").unwrap();
    let o = run(&["check", "--rules", rules.to_str().unwrap()]);
    expect(
        "bad_rule_values_are_all_reported",
        &o,
        &[
            "r.toml:3: call_hours: time range \"17:00-15:00\" ends before it starts",
            "r.toml:8: within: expected a duration like",
            "r.toml:5: source: rule `c`: every rule must cite its policy",
            "channel: expected one of",
        ],
    );
}

fn calendar_error(name: &str, body: &str, parts: &[&str]) {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("cal.toml"), body).unwrap();
    let rules = d.path().join("r.toml");
    std::fs::write(&rules, "version = \"1\"\n[calendar]\nfile = \"cal.toml\"\n").unwrap();
    expect(name, &run(&["check", "--rules", rules.to_str().unwrap()]), parts);
}

#[test]
fn overlapping_holiday_ranges() {
    calendar_error(
        "overlapping_holiday_ranges",
        "years = [2026]\n[[holiday]]\nname = \"A\"\nfrom = 2026-10-01\nto = 2026-10-07\n[[holiday]]\nname = \"B\"\nfrom = 2026-10-05\nto = 2026-10-09\n",
        &["cal.toml:6: holiday: `B` 2026-10-05..2026-10-09 overlaps `A` 2026-10-01..2026-10-07 (line 2)"],
    );
}

#[test]
fn a_day_both_holiday_and_makeup() {
    calendar_error(
        "a_day_both_holiday_and_makeup",
        "years = [2026]\n[[holiday]]\nname = \"A\"\nfrom = 2026-10-01\nto = 2026-10-07\n[[makeup]]\nname = \"A\"\ndate = 2026-10-03\n",
        &["cal.toml:6: makeup: 2026-10-03 is both a make-up working day (`A`) and a holiday (`A`, line 2)"],
    );
}

#[test]
fn makeup_on_a_weekday_and_backwards_range() {
    calendar_error(
        "makeup_on_a_weekday_and_backwards_range",
        "[[holiday]]\nname = \"A\"\nfrom = 2026-10-07\nto = 2026-10-01\n[[makeup]]\nname = \"A\"\ndate = 2026-10-08\n",
        &["ends before it starts", "2026-10-08 is a weekday"],
    );
}

#[test]
fn bad_command_line_values() {
    assert_eq!(
        run_due("rules/property.toml", "examples/property", "23/11/2026", &[]).code,
        2
    );
    assert_eq!(run(&["due", "--rules", "rules/property.toml"]).code, 2);
    let o = run(&["due", "--rules", "no/such.toml", "--data", "examples/property"]);
    expect("bad_command_line_values", &o, &["no/such.toml: cannot read rule file"]);
}

/// `due` over the property rules on `dir` with `--skip-invalid`: it must succeed; its
/// output and the rejected-rows file.
fn due_skipping_invalid(dir: &Path) -> (crate::util::Out, String) {
    let rej = dir.join("rejected.csv");
    let o = run_due(
        "rules/property.toml",
        dir.to_str().unwrap(),
        "2026-11-23",
        &["--skip-invalid", rej.to_str().unwrap(), "--format", "csv"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let r = std::fs::read_to_string(&rej).unwrap();
    (o, r)
}

#[test]
fn skip_invalid_writes_rejected_rows_and_goes_on() {
    let d = copy_example("property");
    edit(d.path(), "orders.csv", "P-001,C001", "P-001,C999");
    let (o, r) = due_skipping_invalid(d.path());
    assert!(o.stderr.contains("skipped 1 invalid row"), "{}", o.stderr);
    assert!(r.contains("unknown customer") && r.contains("P-001,C999"), "{r}");
    assert!(!o.stdout.contains("P-001/"));
}

/// Repeated customer ids are found when the table is indexed; each repeat is rejected on
/// its own line, and the first row with the id is the customer.
#[test]
fn repeated_customers_are_skipped_and_the_first_row_kept() {
    let d = copy_example("property");
    edit(d.path(), "customers.csv", "C002,李秀英", "C001,冒名");
    edit(
        d.path(),
        "customers.csv",
        "C003,",
        "C001,又一个,13900000000,vip,,9栋\nC003,",
    );
    let (o, r) = due_skipping_invalid(d.path());
    // (C002's orders are rejected too: its row now says C001.)
    let rows: Vec<&str> = r
        .lines()
        .filter(|l| l.split(',').next().unwrap().ends_with("customers.csv"))
        .collect();
    assert_eq!(rows.len(), 2, "{r}");
    assert!(
        rows[0].contains("customers.csv,3,") && rows[0].contains("(first on line 2)") && rows[0].contains("C001,冒名"),
        "{r}"
    );
    assert!(
        rows[1].contains("customers.csv,4,") && rows[1].contains("C001,又一个"),
        "{r}"
    );
    assert!(o.stdout.contains(",C001,王建国,13800000001,"), "{}", o.stdout);
    assert!(
        !o.stdout.contains("冒名") && !o.stdout.contains("又一个"),
        "{}",
        o.stdout
    );
}

/// Customers are looked up a batch of orders at a time, after the rows' other checks:
/// rejected rows still come in file order, each with all of its reasons, as read.
#[test]
fn rejected_rows_keep_file_order_and_every_reason() {
    let d = copy_example("property");
    edit(d.path(), "orders.csv", "P-002,C002,", "P-002,C998,");
    edit(d.path(), "orders.csv", "2026-11-10 17:00", "soon");
    edit(
        d.path(),
        "orders.csv",
        "P-004,C003,complaint,general,李管家,客服部,2026-11-19 09:00",
        "P-004,C997,complaint,general,李管家,客服部,later",
    );
    edit(d.path(), "orders.csv", "P-005,C006,complaint", "P-005, C996 ,complaint");
    let (_, r) = due_skipping_invalid(d.path());
    let rows: Vec<&str> = r.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{r}");
    let unknown = |c: &str| format!("column `customer_id` (field 2): unknown customer \"\"{c}\"\"");
    assert!(
        rows[0].contains("orders.csv,3,") && rows[0].contains(&unknown("C998")),
        "{r}"
    );
    // A row rejected for a bad date is reported with its fields as read.
    assert!(
        rows[1].contains("orders.csv,4,")
            && rows[1].contains("column `closed_at`")
            && !rows[1].contains("unknown")
            && rows[1].contains("P-003,C004,complaint,major,陈经理,安保部,2026-11-08 08:00,soon,"),
        "{r}"
    );
    assert!(
        rows[2].contains("orders.csv,5,")
            && rows[2].contains(&unknown("C997"))
            && rows[2].contains("column `opened_at`"),
        "{r}"
    );
    // The row as read, spaces included.
    assert!(
        rows[3].contains("orders.csv,6,")
            && rows[3].contains(&unknown("C996"))
            && rows[3].contains("P-005, C996 ,complaint"),
        "{r}"
    );
    // Without --skip-invalid: the same problems, in file order.
    let o = run_due("rules/property.toml", d.path().to_str().unwrap(), "2026-11-23", &[]);
    assert_eq!(o.code, 2);
    let lines: Vec<&str> = o.stderr.lines().filter(|l| l.contains("orders.csv:")).collect();
    assert_eq!(lines.len(), 5, "{}", o.stderr);
    for (l, want) in lines.iter().zip([":3:", ":4:", ":5:", ":5:", ":6:"]) {
        assert!(l.contains(want), "{}", o.stderr);
    }
}

/// `signed` takes yes/no in any case, or 是/否; anything else is located and rejected.
#[test]
fn a_signed_flag_that_is_neither_yes_nor_no() {
    let d = copy_example("property");
    edit(
        d.path(),
        "visits.csv",
        "phone,李管家,no_answer,,no,",
        "phone,李管家,no_answer,,MAYBE,",
    );
    edit(
        d.path(),
        "visits.csv",
        "phone,李管家,busy,,no,",
        "phone,李管家,busy,,YES,",
    );
    let o = run_due("rules/property.toml", d.path().to_str().unwrap(), "2026-11-23", &[]);
    expect(
        "signed_flag",
        &o,
        &["visits.csv:2: column `signed` (field 7): expected yes or no, found \"maybe\""],
    );
    assert!(!o.stderr.contains("visits.csv:3"), "YES is a yes: {}", o.stderr);
}

#[test]
fn a_score_outside_the_rules_scale() {
    let d = copy_example("property");
    edit(d.path(), "visits.csv", "reached,9,yes", "reached,11,yes");
    expect(
        "a_score_outside_the_rules_scale",
        &due("rules/property.toml", d.path()),
        &["visits.csv:4: column `score` (field 6): expected a score from 0 to 10 (the scale of `property.complaint`), found \"11\""],
    );
}

#[test]
fn an_export_without_optional_columns_runs_with_a_warning() {
    // No `anonymous`/`reply_type` columns: the complaint exclusions cannot apply, the run goes on.
    let d = copy_example("property");
    let p = d.path().join("orders.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    let cut: String = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            [&f[..11], &f[13..]].concat().join(",")
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&p, cut + "\n").unwrap();
    let o = due("rules/property.toml", d.path());
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr.contains("reads the optional column `anonymous`"),
        "{}",
        o.stderr
    );
    // The anonymous complaint P-005 is now listed: nothing told huifang it was anonymous.
    assert!(o.stdout.contains("property.complaint/P-005/1"), "{}", o.stdout);
}

/// Rewrites a file's line ends (its lines joined with `end`), with a blank line after
/// the header when asked.
fn with_line_ends(dir: &Path, file: &str, end: &str, blank_after_header: bool) {
    let p = dir.join(file);
    let s = std::fs::read_to_string(&p).unwrap();
    let mut lines: Vec<&str> = s.lines().collect();
    if blank_after_header {
        lines.insert(1, "");
    }
    std::fs::write(&p, lines.join(end) + end).unwrap();
}

/// Excel on Windows writes CRLF, Excel's "CSV (Macintosh)" CR alone, and hand-edited
/// files have blank lines: a problem is still named on the line an editor shows it on
/// (the csv crate's own count said the line before in a CRLF file, and line 1 for every
/// row of a CR file).
#[test]
fn problems_are_on_the_editors_line_whatever_the_line_ends() {
    for (end, blank, line) in [("\r\n", false, 3), ("\r", false, 3), ("\n", true, 4), ("\r\n", true, 4)] {
        let d = copy_example("property");
        edit(d.path(), "orders.csv", "2026-11-15 10:00", "2026-11-35 10:00");
        with_line_ends(d.path(), "orders.csv", end, blank);
        let o = due("rules/property.toml", d.path());
        assert_eq!(o.code, 2, "{end:?}: {}", o.stderr);
        let want = format!("orders.csv:{line}: column `opened_at` (field 7): expected a date");
        assert!(
            o.stderr.contains(&want),
            "{end:?} blank={blank}: missing {want:?} in:\n{}",
            o.stderr
        );
    }
}

/// Sampled orders are found again at the end by where they start in the file: with CR
/// line ends (no line feeds at all) the due list is the one the LF file gives.
#[test]
fn sampled_orders_are_found_again_whatever_the_line_ends() {
    let due_csv = |dir: &Path| {
        let o = run_due(
            "rules/property.toml",
            dir.to_str().unwrap(),
            "2026-11-23",
            &["--format", "csv"],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        o.stdout
    };
    let want = due_csv(copy_example("property").path());
    for end in ["\r\n", "\r"] {
        let d = copy_example("property");
        with_line_ends(d.path(), "orders.csv", end, false);
        assert_eq!(due_csv(d.path()), want, "line ends {end:?}");
    }
}
