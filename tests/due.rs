//! Golden due lists on the property and hospital examples, in every format.

use crate::util::{golden, run, run_due};

#[test]
fn due_lists_on_the_examples_in_every_format() {
    for industry in ["property", "hospital"] {
        for fmt in ["table", "csv", "json"] {
            let rules = format!("rules/{industry}.toml");
            let data = format!("examples/{industry}");
            let o = run_due(&rules, &data, "2026-11-23", &["--horizon", "7", "--format", fmt]);
            assert_eq!(o.code, 0, "{}", o.stderr);
            golden(&format!("due-{industry}.{fmt}"), &o.stdout);
        }
    }
}

#[test]
fn identical_inputs_give_byte_identical_outputs() {
    let a = run_due(
        "rules/property.toml",
        "examples/property",
        "2026-11-23",
        &["--format", "csv"],
    );
    let b = run_due(
        "rules/property.toml",
        "examples/property",
        "2026-11-23",
        &["--format", "csv"],
    );
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn complaint_due_today_is_listed_with_severity_assignee() {
    let o = run_due(
        "rules/property.toml",
        "examples/property",
        "2026-11-23",
        &["--format", "csv"],
    );
    let row = o
        .stdout
        .lines()
        .find(|l| l.starts_with("property.complaint/P-002/1,"))
        .expect("P-002 listed");
    // Important complaint closed 2026-11-20 11:00: due by 11-23, two failed attempts so far.
    assert!(
        row.contains(",2026-11-20,2026-11-20,2026-11-23,due,0,2,phone,department_supervisor,"),
        "{row}"
    );
    // Excluded (anonymous, written reply, dispute flag), completed, refused and unreachable items are not listed.
    for gone in ["P-003/", "P-004/", "P-005/", "P-006/", "P-007/", "P-008/"] {
        assert!(
            !o.stdout.contains(&format!("property.complaint/{gone}")),
            "{gone} listed"
        );
    }
}

#[test]
fn group_by_customer_merges_a_customers_items() {
    let o = run_due(
        "rules/property.toml",
        "examples/property",
        "2026-11-23",
        &["--horizon", "7", "--group-by", "customer", "--format", "csv"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    golden("due-property-grouped.csv", &o.stdout);
    let c002 = o.stdout.lines().find(|l| l.starts_with("C002,")).unwrap();
    assert!(c002.contains("property.complaint/P-002/1;"), "{c002}");
}

#[test]
fn output_file_is_written_atomically_and_mask_phone_and_bom_apply() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("due.csv");
    let o = run_due(
        "rules/hospital.toml",
        "examples/hospital",
        "2026-11-23",
        &[
            "--format",
            "csv",
            "--bom",
            "--mask-phone",
            "--output",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("139****0001"), "{text}");
    assert!(!text.contains("13900010001"));
    // Only the output file is left in the directory (no temporary file).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// `explain ID` on the property example as of 2026-11-23.
fn explain_property(id: &str) -> crate::util::Out {
    run(&[
        "explain",
        id,
        "--rules",
        "rules/property.toml",
        "--data",
        "examples/property",
        "--date",
        "2026-11-23",
    ])
}

#[test]
fn explain_tells_why_an_item_is_or_is_not_listed() {
    let o = explain_property("property.repair/R-002/1");
    assert_eq!(o.code, 0, "{}", o.stderr);
    golden("explain-repair.txt", &o.stdout);
    assert!(o.stdout.contains("sampled:  selected"), "{}", o.stdout);
    let o = explain_property("property.complaint/P-005/1");
    assert!(o.stdout.contains("excluded: yes — anonymous complaint"), "{}", o.stdout);
    let o = explain_property("property.complaint/P-009/1");
    assert!(
        o.stdout.contains("the anchor column `closed_at` is empty"),
        "{}",
        o.stdout
    );
}

#[test]
fn variants_change_the_rule_without_editing_the_file() {
    let o = run(&[
        "explain",
        "hospital.discharge_general/ZY-1010/1",
        "--rules",
        "rules/hospital.toml",
        "--data",
        "examples/hospital",
        "--date",
        "2026-11-23",
        "--variant",
        "baihe-15-30",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("window:   2026-12-02 .. 2026-12-17"), "{}", o.stdout);
    let o = run_due(
        "rules/hospital.toml",
        "examples/hospital",
        "2026-11-23",
        &["--set", "discharge_general.within=\"20d\"", "--format", "csv"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("hospital.discharge_general/ZY-1002") || !o.stdout.is_empty());
    let o = run(&[
        "due",
        "--rules",
        "rules/hospital.toml",
        "--data",
        "examples/hospital",
        "--variant",
        "nope",
    ]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("unknown variant `nope`"), "{}", o.stderr);
}

#[test]
fn a_month_of_daily_runs_over_growing_data_never_drops_a_listed_item() {
    // Each morning's export holds the orders closed so far; yesterday's listed, not yet
    // done items must still be listed today (sampling is stable under appended rows).
    let src = crate::util::root().join("examples/property");
    let orders = std::fs::read_to_string(src.join("orders.csv")).unwrap();
    let (header, rows) = orders.split_once('\n').unwrap();
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(src.join("customers.csv"), d.path().join("customers.csv")).unwrap();
    let mut previous: Vec<String> = Vec::new();
    let mut transcript = String::new();
    for day in 1..=30 {
        let date = format!("2026-11-{day:02}");
        // Keep orders opened on or before the day (the export of that morning).
        let kept: Vec<&str> = rows
            .lines()
            .filter(|l| l.split(',').nth(6).is_some_and(|o| o[..10] <= date[..]))
            .collect();
        std::fs::write(d.path().join("orders.csv"), format!("{header}\n{}\n", kept.join("\n"))).unwrap();
        let o = run_due(
            "rules/property.toml",
            d.path().to_str().unwrap(),
            &date,
            &["--format", "csv"],
        );
        assert_eq!(o.code, 0, "{date}: {}", o.stderr);
        let ids: Vec<String> = o
            .stdout
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect();
        for id in &previous {
            assert!(ids.contains(id), "{id} listed before {date} but dropped on {date}");
        }
        transcript.push_str(&format!("{date}: {}\n", ids.len()));
        previous = ids;
    }
    golden("due-property-november-daily-counts.txt", &transcript);
}

#[test]
fn hour_windows_of_one_day_follow_each_anchors_clock_time() {
    // Windows in days are the same for every anchor of a day (the engine reuses them);
    // windows in hours are not: 12 hours after 01:00 is the same day, after 20:00 the next.
    let d = tempfile::tempdir().unwrap();
    for (name, text) in [
        (
            "r.toml",
            "id = \"t\"\nversion = \"1\"\n[[rule]]\nid = \"reply\"\nsource = \"test\"\nkind = \"complaint\"\nanchor = \"closed_at\"\nwithin = \"12h\"\n",
        ),
        ("customers.csv", "customer_id,name,phone\nC1,王,13800000001\n"),
        (
            "orders.csv",
            "order_id,customer_id,kind,closed_at\nA,C1,complaint,2026-11-20 01:00\nB,C1,complaint,2026-11-20 20:00\nC,C1,complaint,2026-11-20 02:00\n",
        ),
        ("visits.csv", "due_id,visited_at,channel,visitor,outcome\n"),
    ] {
        std::fs::write(d.path().join(name), text).unwrap();
    }
    let rules = d.path().join("r.toml");
    let o = run_due(
        rules.to_str().unwrap(),
        d.path().to_str().unwrap(),
        "2026-11-20",
        &["--format", "csv"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let end = |id: &str| {
        let row = o
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("t.reply/{id}/")))
            .unwrap();
        row.split(',').nth(10).unwrap().to_string()
    };
    assert_eq!(
        [end("A"), end("B"), end("C")],
        ["2026-11-20", "2026-11-21", "2026-11-20"],
        "{}",
        o.stdout
    );
}

/// Customer cadences are laid out a chunk of customers at a time on two cores (256 a
/// chunk): over three chunks, every customer's slot is listed once, in order, and a
/// reached visit closes it whichever core laid it out; the report counts each once.
#[test]
fn a_customer_cadence_over_many_customers_lists_each_open_slot_once() {
    let d = tempfile::tempdir().unwrap();
    let n = 700;
    let mut customers = String::from("customer_id,name,phone,segment,flags,building\n");
    let mut visits = String::from("due_id,visited_at,channel,visitor,outcome,score,signed,note\n");
    for i in 0..n {
        customers.push_str(&format!("C{i:04},n{i},1380000{i:04},normal,,1\n"));
        if i % 3 == 0 {
            visits.push_str(&format!(
                "property.survey/C{i:04}/2026-07,2026-07-05 10:00,letter,王,reached,,no,\n"
            ));
        }
    }
    let orders = std::fs::read_to_string(crate::util::root().join("examples/property/orders.csv")).unwrap();
    std::fs::write(d.path().join("customers.csv"), customers).unwrap();
    std::fs::write(
        d.path().join("orders.csv"),
        orders.lines().next().unwrap().to_string() + "\n",
    )
    .unwrap();
    std::fs::write(d.path().join("visits.csv"), visits).unwrap();
    let data = d.path().to_str().unwrap();
    let o = run_due("rules/property.toml", data, "2026-07-10", &["--format", "csv"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let listed: Vec<&str> = o
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("property.survey/"))
        .map(|l| l.split('/').next().unwrap())
        .collect();
    let want: Vec<String> = (0..n).filter(|i| i % 3 != 0).map(|i| format!("C{i:04}")).collect();
    assert_eq!(listed, want);
    let r = run(&[
        "report",
        "--rules",
        "rules/property.toml",
        "--data",
        data,
        "--date",
        "2026-07-10",
        "--period",
        "2026-07",
        "--format",
        "csv",
    ]);
    let row = r
        .stdout
        .lines()
        .find(|l| l.starts_with("property.survey/2026-07,"))
        .expect("survey row");
    // population, excluded, required, visited, reached, on time, late, missed, refused,
    // unreachable, open
    assert!(row.contains(",700,0,700,234,234,234,0,0,0,0,466,"), "{row}");
}
