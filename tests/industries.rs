//! Key numbers from the sources, pinned per industry on the bundled examples.

use crate::util::run;

fn explain(rules: &str, id: &str, date: &str) -> String {
    let o = run(&[
        "explain",
        id,
        "--rules",
        &format!("rules/{rules}.toml"),
        "--data",
        &format!("examples/{rules}"),
        "--date",
        date,
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    o.stdout
}

#[test]
fn techsvc_completion_before_the_national_day_break_is_due_in_10_working_days() {
    // Completed Fri 2026-09-25 (itself 中秋节): working days 09-28..30, 10-08, 10-09,
    // 10-10 (make-up Saturday), 10-12..15 → the 10th is Thu 2026-10-15.
    let s = explain(
        "technical-services",
        "technical-services.completion/AP-2026-031/1",
        "2026-09-25",
    );
    assert!(s.contains("window:   2026-09-25 .. 2026-10-15"), "{s}");
}

#[test]
fn gynecology_vaginitis_calls_on_day_3_day_7_and_after_stopping_medication() {
    let s = explain("gynecology", "gynecology.gyn01_vaginitis/FK-01", "2026-11-23");
    // Treated 2026-11-16: call 1 day 3 (+2 days' tolerance), call 2 day 7 (+2).
    assert!(
        s.contains("due_id:   gynecology.gyn01_vaginitis/FK-01/call1")
            && s.contains("window:   2026-11-19 .. 2026-11-21"),
        "{s}"
    );
    assert!(s.contains("window:   2026-11-23 .. 2026-11-25"), "{s}");
    // No stopping date yet: no third call.
    assert!(!s.contains("FK-01/call3"), "{s}");
    let absent = explain("gynecology", "gynecology.gyn01_vaginitis/FK-01/call3", "2026-11-23");
    assert!(absent.contains("counts from `stopped_at`, which is empty"), "{absent}");
}

#[test]
fn tourism_maker_with_one_onsite_and_one_call_still_owes_one_call() {
    let s = explain("tourism", "tourism.maker_monthly/T09/2026-11", "2026-11-23");
    assert!(
        s.contains("tourism.maker_monthly/T09/2026-11/onsite-1") && s.contains("reached on 2026-11-05"),
        "{s}"
    );
    // The call filling phone+wechat-1 is the call of 11-16, not the on-site visit of 11-05.
    assert!(s.contains("reached on 2026-11-16"), "{s}");
    let owed = s.split("\n\n").find(|b| b.contains("/phone+wechat-2")).unwrap();
    assert!(owed.contains("on the list for 2026-11-23: yes, status due"), "{owed}");
}

#[test]
fn renovation_refused_completion_visit_is_made_up_to_reach_three() {
    let s = explain("renovation", "renovation.project/ZX-2613/extra-1", "2026-11-29");
    assert!(
        s.contains("window:   2026-11-29 .. 2026-12-29") && s.contains("status due"),
        "{s}"
    );
    assert!(s.contains("min_visits:3"), "{s}");
}

#[test]
fn renovation_warranty_cadence_over_three_years() {
    let o = run(&[
        "due",
        "--rules",
        "rules/renovation.toml",
        "--data",
        "examples/renovation",
        "--date",
        "2027-12-31",
        "--format",
        "csv",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    crate::util::golden("renovation-warranty-2027-12-31.csv", &o.stdout);
    // ZX-2502 handed over 2025-09-20: quarterly in year 1 (s1–s4), half-yearly in year 2 (s5, s6).
    let s = explain("renovation", "renovation.warranty/ZX-2502", "2027-12-31");
    for (slot, end) in [("s4", "2026-09-20"), ("s5", "2027-03-20"), ("s6", "2027-09-20")] {
        assert!(
            s.contains(&format!("renovation.warranty/ZX-2502/{slot}")),
            "{slot}: {s}"
        );
        assert!(s.contains(end), "{slot} ends {end}: {s}");
    }
}

#[test]
fn property_household_tiers_and_hospital_holiday_ban() {
    // Four home-repair orders from three households in November: <100 households → 30%,
    // ceil(0.3 × 3) = 1 household, drawn as they arrive.
    let s = explain("property", "property.home_repair/C001@2026-11/1", "2026-11-23");
    assert!(s.contains("period 2026-11 has 3 eligible unit(s), 1 required"), "{s}");
    // A same-day window on a holiday under a holiday ban ends on the next callable day.
    let o = run(&[
        "calendar",
        "--rules",
        "rules/hospital.toml",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-08",
        "--format",
        "csv",
    ]);
    assert!(
        o.stdout.contains("2026-10-08,Thu,workday,,10:00-12:00 15:00-17:00"),
        "{}",
        o.stdout
    );
}
