//! Timing → window: offsets from an anchor in hours, days, working days, weeks, months,
//! quarters and years, and the holiday shift of a window's end.

use crate::calendar::{Calendar, CallOn};
use crate::rules::{Offset, Unit};
use chrono::{Duration, Months, NaiveDate, NaiveDateTime};

/// The date `off` after `anchor`.
///
/// Hours count from the anchor's clock time, so "within 24h" of 2026-11-23 18:00 ends on
/// 2026-11-24. Months clamp to the month's end (Jan 31 + 1m = Feb 28, or 29 in a leap
/// year), because the policies mean "one month later", not "31 days later".
pub fn add_offset(anchor: NaiveDateTime, off: Offset, cal: &Calendar) -> NaiveDate {
    let date = anchor.date();
    let n = off.n;
    // Saturating arithmetic: an absurd offset in a rule file ("99999999d") gives the last
    // representable date instead of a panic.
    let (back, limit) = if off.before {
        (true, NaiveDate::MIN)
    } else {
        (false, NaiveDate::MAX)
    };
    let months = |m: u32| {
        let r = if back {
            date.checked_sub_months(Months::new(m))
        } else {
            date.checked_add_months(Months::new(m))
        };
        r.unwrap_or(limit)
    };
    let signed = |d: i64| if back { -d } else { d };
    let days = |d: i64| date.checked_add_signed(Duration::days(signed(d))).unwrap_or(limit);
    match off.unit {
        Unit::Hours => anchor
            .checked_add_signed(Duration::hours(signed(i64::from(n))))
            .map_or(limit, |t| t.date()),
        Unit::Days => days(i64::from(n)),
        // Beyond ten years of working days the answer is meaningless; cap the loop.
        Unit::WorkingDays if back => cal.sub_working_days(date, n.min(3660)),
        Unit::WorkingDays => cal.add_working_days(date, n.min(3660)),
        Unit::Weeks => days(7 * i64::from(n)),
        Unit::Months => months(n),
        Unit::Quarters => months(n.saturating_mul(3)),
        Unit::Years => months(n.saturating_mul(12)),
    }
}

/// A follow-up window, inclusive at both ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// True when the end was moved because every day of the window was non-callable.
    pub shifted: bool,
}

/// The window `[anchor + after, anchor + within]`, with the end moved to the next
/// callable day when the rule forbids calls on every day of it.
pub fn window(anchor: NaiveDateTime, after: Offset, within: Offset, cal: &Calendar, call_on: CallOn) -> Window {
    let start = add_offset(anchor, after, cal);
    let end = add_offset(anchor, within, cal).max(start);
    if cal.any_callable(start, end, call_on) {
        Window {
            start,
            end,
            shifted: false,
        }
    } else {
        Window {
            start,
            end: cal.next_callable(end, call_on),
            shifted: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        crate::io::dates::parse_datetime(s).unwrap()
    }
    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn o(s: &str) -> Offset {
        Offset::parse(s).unwrap()
    }

    /// (anchor, after, within, expected start, expected end), no holidays.
    const CASES: &[(&str, &str, &str, &str, &str)] = &[
        // complaint closed on Jan 31, within 3 days → Feb 3
        ("2026-01-31 16:00", "0d", "3d", "2026-01-31", "2026-02-03"),
        // repair done Jan 31: 1 to 2 months later, clamped to month ends
        ("2026-01-31", "1m", "2m", "2026-02-28", "2026-03-31"),
        ("2024-01-31", "1m", "2m", "2024-02-29", "2024-03-31"),
        // leap day + 1 year clamps to Feb 28
        ("2024-02-29", "1y", "1y", "2025-02-28", "2025-02-28"),
        // across the year end
        ("2026-12-30", "0d", "1w", "2026-12-30", "2027-01-06"),
        // 24 hours from an evening anchor ends the next day
        ("2026-11-23 18:00", "0h", "24h", "2026-11-23", "2026-11-24"),
        // quarter from Nov 30 → Feb 28
        ("2026-11-30", "1q", "1q", "2027-02-28", "2027-02-28"),
        // same day
        ("2026-11-23 20:00", "0d", "0d", "2026-11-23", "2026-11-23"),
    ];

    #[test]
    fn windows_at_month_ends_leap_days_and_year_ends() {
        let cal = Calendar::default();
        for (a, after, within, s, e) in CASES {
            let w = window(at(a), o(after), o(within), &cal, CallOn::Any);
            assert_eq!((w.start, w.end), (d(s), d(e)), "{a} {after}..{within}");
        }
    }

    #[test]
    fn negative_offsets_open_windows_before_the_anchor() {
        let mut cal = Calendar::default();
        cal.holidays.insert(d("2026-10-01"), "国庆节".into());
        // A milestone on Mon 2026-10-05: tell customers 7 to 1 days before.
        let w = window(at("2026-10-05"), o("-7d"), o("-1d"), &cal, CallOn::Any);
        assert_eq!((w.start, w.end), (d("2026-09-28"), d("2026-10-04")));
        // Two working days before Fri 10-02, skipping Thu 10-01 (a holiday): 09-30, then 09-29.
        assert_eq!(add_offset(at("2026-10-02"), o("-2wd"), &cal), d("2026-09-29"));
        assert_eq!(add_offset(at("2024-03-31"), o("-1m"), &cal), d("2024-02-29"));
    }

    #[test]
    fn absurd_offsets_saturate_instead_of_panicking() {
        let cal = Calendar::default();
        for o in [
            "4294967295d",
            "4294967295y",
            "4294967295h",
            "4294967295w",
            "4294967295wd",
        ] {
            let w = window(
                at("2026-11-23"),
                Offset::ZERO,
                Offset::parse(o).unwrap(),
                &cal,
                CallOn::Any,
            );
            assert!(w.end >= w.start, "{o}");
        }
    }

    #[test]
    fn a_window_of_only_holidays_ends_on_the_next_callable_day() {
        let mut cal = Calendar::default();
        for day in 1..=7 {
            cal.holidays.insert(d(&format!("2026-10-0{day}")), "国庆节".into());
        }
        // Same-day call on Oct 2 with holiday calls banned: moves to Oct 8.
        let w = window(at("2026-10-02"), o("0d"), o("0d"), &cal, CallOn::NoHolidays);
        assert_eq!((w.start, w.end, w.shifted), (d("2026-10-02"), d("2026-10-08"), true));
        // A window that reaches Oct 8 keeps its end.
        let w = window(at("2026-09-30"), o("0d"), o("3d"), &cal, CallOn::NoHolidays);
        assert_eq!((w.end, w.shifted), (d("2026-10-03"), false));
        // Without the ban nothing moves.
        let w = window(at("2026-10-02"), o("0d"), o("0d"), &cal, CallOn::Any);
        assert!(!w.shifted);
    }
}
