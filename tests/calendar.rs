//! Calendar command and holiday behaviour of `due`.

use crate::util::{golden, run, run_due};

#[test]
fn calendar_over_the_national_day_break() {
    let o = run(&[
        "calendar",
        "--rules",
        "rules/hospital.toml",
        "--from",
        "2026-09-18",
        "--to",
        "2026-10-12",
        "--format",
        "csv",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    golden("calendar-2026-national-day.csv", &o.stdout);
    assert!(o.stdout.contains("2026-10-01,Thu,holiday,国庆节,\n"));
    assert!(o
        .stdout
        .contains("2026-10-10,Sat,makeup_workday,国庆节,10:00-12:00 15:00-17:00\n"));
    assert!(o.stdout.contains("2026-09-25,Fri,holiday,中秋节,\n"));
}

#[test]
fn every_2025_and_2026_holiday_and_makeup_day_matches_the_notices() {
    let o = run(&[
        "calendar",
        "--rules",
        "rules/property.toml",
        "--from",
        "2025-01-01",
        "--to",
        "2026-12-31",
        "--format",
        "csv",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let days = |kind: &str| -> Vec<String> {
        o.stdout
            .lines()
            .filter(|l| l.split(',').nth(2) == Some(kind))
            .map(|l| l[..10].to_string())
            .collect()
    };
    let range = |a: &str, b: &str| -> Vec<String> {
        let a = chrono::NaiveDate::parse_from_str(a, "%Y-%m-%d").unwrap();
        let b = chrono::NaiveDate::parse_from_str(b, "%Y-%m-%d").unwrap();
        a.iter_days().take_while(|d| *d <= b).map(|d| d.to_string()).collect()
    };
    // 国办发明电〔2024〕12号 and 国办发明电〔2025〕7号.
    let mut want = Vec::new();
    for (a, b) in [
        ("2025-01-01", "2025-01-01"),
        ("2025-01-28", "2025-02-04"),
        ("2025-04-04", "2025-04-06"),
        ("2025-05-01", "2025-05-05"),
        ("2025-05-31", "2025-06-02"),
        ("2025-10-01", "2025-10-08"),
        ("2026-01-01", "2026-01-03"),
        ("2026-02-15", "2026-02-23"),
        ("2026-04-04", "2026-04-06"),
        ("2026-05-01", "2026-05-05"),
        ("2026-06-19", "2026-06-21"),
        ("2026-09-25", "2026-09-27"),
        ("2026-10-01", "2026-10-07"),
    ] {
        want.extend(range(a, b));
    }
    assert_eq!(days("holiday"), want);
    let makeups = [
        "2025-01-26",
        "2025-02-08",
        "2025-04-27",
        "2025-09-28",
        "2025-10-11",
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ];
    assert_eq!(days("makeup_workday"), makeups);
}

#[test]
fn due_on_a_holiday_prints_the_list_with_empty_call_hours_and_says_why() {
    let o = run_due(
        "rules/hospital.toml",
        "examples/hospital",
        "2026-10-01",
        &["--format", "csv"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr.contains("no calls are allowed on 2026-10-01") && o.stderr.contains("国庆节"),
        "{}",
        o.stderr
    );
    golden("due-hospital-holiday.csv", &o.stdout);
    for line in o.stdout.lines().skip(1) {
        assert!(line.ends_with(','), "call_hours not empty: {line}");
    }
}

#[test]
fn a_year_the_calendar_lacks_is_named_in_a_warning() {
    let o = run(&[
        "calendar",
        "--rules",
        "rules/hospital.toml",
        "--from",
        "2027-01-01",
        "--to",
        "2027-01-03",
        "--format",
        "csv",
    ]);
    assert_eq!(o.code, 0);
    assert!(o.stderr.contains("no holiday data for 2027"), "{}", o.stderr);
}
