//! Key numbers from the sources, pinned per industry on the bundled examples.

use crate::util::{run, run_due};

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
    let o = run_due(
        "rules/renovation.toml",
        "examples/renovation",
        "2027-12-31",
        &["--format", "csv"],
    );
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

/// The due list of an industry's example as (due_id → (window_start, window_end, status)).
fn due_windows(industry: &str, date: &str) -> std::collections::BTreeMap<String, (String, String, String)> {
    let o = run(&[
        "due",
        "--rules",
        &format!("rules/{industry}.toml"),
        "--data",
        &format!("examples/{industry}"),
        "--date",
        date,
        "--horizon",
        "14",
        "--format",
        "csv",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    o.stdout
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].to_string(),
                (f[9].to_string(), f[10].to_string(), f[11].to_string()),
            )
        })
        .collect()
}

fn window(industry: &str, id: &str) -> (String, String) {
    let w = due_windows(industry, "2026-11-23");
    let (s, e, _) = w.get(id).unwrap_or_else(|| panic!("{id} not listed: {w:?}"));
    (s.clone(), e.clone())
}

#[test]
fn auto_repair_paid_repair_within_10_days() {
    assert_eq!(
        window("auto-repair", "auto-repair.paid_repair/WX-2611-002/1"),
        ("2026-11-10".into(), "2026-11-20".into())
    );
}

#[test]
fn complaints_office_7_and_10_working_days() {
    // Referred Mon 2026-11-02: the 7th working day is Wed 11-11.
    assert_eq!(
        window("complaints-office", "complaints-office.referred_reply/ZF-2026-040/1").1,
        "2026-11-11"
    );
    // Referred Wed 11-11: explain between the 8th and 10th working day, 11-23 .. 11-25.
    assert_eq!(
        window("complaints-office", "complaints-office.referred_explain/ZF-2026-043/1"),
        ("2026-11-23".into(), "2026-11-25".into())
    );
    // Verified Fri 11-13: improvements within 10 working days, by Fri 11-27.
    assert_eq!(
        window("complaints-office", "complaints-office.substantiated/ZF-2026-044/1").1,
        "2026-11-27"
    );
}

#[test]
fn securities_abnormal_trading_within_3_working_days() {
    // Fri 2026-11-13 + 3 working days = Wed 11-18.
    assert_eq!(
        window("securities", "securities.abnormal_trading/YC-1102/1").1,
        "2026-11-18"
    );
    assert_eq!(
        window("securities", "securities.new_account/KH-1101/1"),
        ("2026-11-16".into(), "2026-12-16".into())
    );
}

#[test]
fn insurance_claim_within_3_days_of_settlement_and_underwriting_within_a_month() {
    assert_eq!(
        window("insurance", "insurance.claim_settled/LP-202611-001/1"),
        ("2026-11-21".into(), "2026-11-24".into())
    );
    assert_eq!(
        window("insurance", "insurance.underwriting/CB-202611-001/1"),
        ("2026-11-02".into(), "2026-12-02".into())
    );
}

#[test]
fn express_checks_two_to_three_signed_parcels_a_week() {
    let w = due_windows("express", "2026-11-23");
    let o = run(&[
        "report",
        "--rules",
        "rules/express.toml",
        "--data",
        "examples/express",
        "--from",
        "2026-11-09",
        "--to",
        "2026-11-22",
        "--date",
        "2026-11-23",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    // Two closed ISO weeks (W46, W47): 2–3 required each.
    let required = v["rows"][0]["required"].as_u64().unwrap();
    assert!((4..=6).contains(&required), "required {required}");
    assert!(w.keys().any(|k| k.starts_with("express.signed_check/")));
}

#[test]
fn gas_utility_single_projects_are_all_followed_and_sampled_lines_skip_recent_contacts() {
    assert_eq!(
        window("gas-utility", "gas-utility.single_project/DX-1105/1"),
        ("2026-11-05".into(), "2026-12-05".into())
    );
    let o = run(&["rules", "explain", "rules/gas-utility.toml"]);
    assert!(
        o.stdout.contains("coverage: 100%") && o.stdout.contains("sample:"),
        "{}",
        o.stdout
    );
}

#[test]
fn sales_cement_needs_three_calls_and_one_onsite_visit_a_month() {
    let w = due_windows("sales", "2026-11-23");
    assert!(w.contains_key("sales.cement_phone/S009/2026-10/phone-3"), "{w:?}");
    assert!(
        w.keys().any(|k| k.starts_with("sales.key_weekly/")),
        "key accounts weekly"
    );
}

#[test]
fn construction_and_real_estate_and_equipment_windows() {
    assert_eq!(
        window("construction", "construction.warranty_complaint/BX-01/1"),
        ("2026-11-21".into(), "2026-11-24".into())
    );
    // Rainy-season visits cover the third quarter.
    assert_eq!(
        window("construction", "construction.seasonal_rainy/K02/2026-Q3"),
        ("2026-07-01".into(), "2026-09-30".into())
    );
    // Real-estate callers are called back the same day.
    assert_eq!(
        window("real-estate", "real-estate.inbound_same_day/LD-1103/1"),
        ("2026-11-20".into(), "2026-11-20".into())
    );
    // Equipment: first call within a month of the sale.
    assert_eq!(
        window("equipment", "equipment.sale_first_call/SL-2610-02/1"),
        ("2026-10-10".into(), "2026-11-10".into())
    );
}

#[test]
fn gynecology_fibroids_third_call_comes_at_whichever_event_is_first() {
    // Menstruation ended 2026-11-20, pre-op tests not done: 3 days later, 11-23, +2 days.
    assert_eq!(
        window("gynecology", "gynecology.gyn15_fibroids/FK-15/call3"),
        ("2026-11-23".into(), "2026-11-25".into())
    );
    let s = run(&["rules", "explain", "rules/gynecology.toml", "gyn15_fibroids"]).stdout;
    assert!(
        s.contains("the earliest of `preop_done_at`, `menses_end_at` + 3d"),
        "{s}"
    );
}

#[test]
fn real_estate_buyers_every_half_month_until_hand_over() {
    let w = due_windows("real-estate", "2026-11-23");
    // Signed 2026-10-20: the 10-H2 slot is done (visit of 10-28); 11-H1 is overdue, 11-H2 due.
    assert!(
        !w.contains_key("real-estate.deal_semimonthly/CJ-1001/2026-10-H2"),
        "{w:?}"
    );
    let h1 = &w["real-estate.deal_semimonthly/CJ-1001/2026-11-H1"];
    assert_eq!(
        (h1.0.as_str(), h1.1.as_str(), h1.2.as_str()),
        ("2026-11-01", "2026-11-15", "overdue")
    );
    let h2 = &w["real-estate.deal_semimonthly/CJ-1001/2026-11-H2"];
    assert_eq!(
        (h2.0.as_str(), h2.1.as_str(), h2.2.as_str()),
        ("2026-11-16", "2026-11-30", "due")
    );
}

#[test]
fn notices_before_a_milestone_and_calls_before_the_next_period_count_back() {
    // Opening on 2026-12-06: tell customers from 14 days to 1 day before.
    assert_eq!(
        window("real-estate", "real-estate.milestone_notice/JD-1101/1"),
        ("2026-11-22".into(), "2026-12-05".into())
    );
    // Next period expected 2026-11-30: call from 5 days to 1 day before (upcoming on 11-23).
    let w = due_windows("gynecology", "2026-11-23");
    let c = &w["gynecology.gyn13_uterine_malformation/FK-13/call3"];
    assert_eq!(
        (c.0.as_str(), c.1.as_str(), c.2.as_str()),
        ("2026-11-25", "2026-11-29", "upcoming")
    );
}

#[test]
fn a_cadence_visit_through_another_channel_leaves_the_slot_open_and_says_why() {
    // Q007's monthly quality visit must be on site: a phone call reached on its id does
    // not fill it; an on-site visit does.
    let id = "equipment.quality_visit/Q007/2026-11/onsite-1";
    let list = |visit: &str| {
        let d = crate::util::copy_example("equipment");
        let visits = d.path().join("visits.csv");
        let mut text = std::fs::read_to_string(&visits).unwrap();
        text.push_str(&format!("{id},2026-11-10 10:00,{visit},质量部-阎经理,reached,,no,\n"));
        std::fs::write(&visits, text).unwrap();
        let o = run_due(
            "rules/equipment.toml",
            d.path().to_str().unwrap(),
            "2026-11-23",
            &["--format", "csv"],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        o.stdout
    };
    let by_phone = list("phone");
    let row = by_phone.lines().find(|l| l.starts_with(id)).expect("still listed");
    assert!(
        row.contains(",due,7,1,onsite,quality_assurance,visit_channel_does_not_count,"),
        "{row}"
    );
    assert!(!list("onsite").contains(id), "an on-site visit fills the slot");
}
