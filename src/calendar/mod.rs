//! Calendars: public holidays, make-up working days (调休) and calling hours.
//!
//! Pure: a [`Calendar`] is data loaded by [`file`](mod@file); the arithmetic here never reads
//! files or the clock.

pub mod file;
pub mod hours;
pub mod period;

use chrono::{Datelike, NaiveDate, Weekday};
use std::collections::{BTreeMap, BTreeSet};

/// What kind of day a date is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Monday–Friday, not a holiday.
    Workday,
    /// Saturday or Sunday, not a make-up day.
    Weekend,
    /// A public holiday or company closure (with its name).
    Holiday(String),
    /// A weekend day that is a working day (调休), with the holiday it belongs to.
    MakeupWorkday(String),
}

impl DayKind {
    /// The spelling used in outputs.
    pub fn as_str(&self) -> &'static str {
        match self {
            DayKind::Workday => "workday",
            DayKind::Weekend => "weekend",
            DayKind::Holiday(_) => "holiday",
            DayKind::MakeupWorkday(_) => "makeup_workday",
        }
    }

    /// The holiday's name, or "".
    pub fn name(&self) -> &str {
        match self {
            DayKind::Holiday(n) | DayKind::MakeupWorkday(n) => n,
            _ => "",
        }
    }
}

/// Which days calls may be made on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOn {
    /// Every day.
    #[default]
    Any,
    /// Every day except public holidays (节假日不进行回访).
    NoHolidays,
    /// Working days only (weekdays and make-up days, not holidays).
    Workdays,
}

impl CallOn {
    /// Parses the rule-file spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "any" => Some(CallOn::Any),
            "no_holidays" => Some(CallOn::NoHolidays),
            "workdays" => Some(CallOn::Workdays),
            _ => None,
        }
    }

    /// The rule-file spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CallOn::Any => "any",
            CallOn::NoHolidays => "no_holidays",
            CallOn::Workdays => "workdays",
        }
    }
}

/// Holidays and make-up days by date, with the years they are known for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Calendar {
    /// Name (file stem) for messages.
    pub name: String,
    /// Holiday dates with their names.
    pub holidays: BTreeMap<NaiveDate, String>,
    /// Make-up working days with the holiday they belong to.
    pub makeups: BTreeMap<NaiveDate, String>,
    /// Years whose official arrangement the data covers.
    pub years: BTreeSet<i32>,
}

impl Calendar {
    /// The kind of `date`.
    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        if let Some(n) = self.holidays.get(&date) {
            return DayKind::Holiday(n.clone());
        }
        if let Some(n) = self.makeups.get(&date) {
            return DayKind::MakeupWorkday(n.clone());
        }
        if is_weekend(date) {
            DayKind::Weekend
        } else {
            DayKind::Workday
        }
    }

    /// True on weekdays that are not holidays, and on make-up days.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.holidays.contains_key(&date) {
            return false;
        }
        self.makeups.contains_key(&date) || !is_weekend(date)
    }

    /// True when calls are allowed on `date` under `call_on`.
    pub fn is_callable(&self, date: NaiveDate, call_on: CallOn) -> bool {
        match call_on {
            CallOn::Any => true,
            CallOn::NoHolidays => !self.holidays.contains_key(&date),
            CallOn::Workdays => self.is_working_day(date),
        }
    }

    /// The `n`th working day after `date` (not counting `date`); `n = 0` gives `date`.
    /// Weekends and holidays are skipped; make-up days count.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut d = date;
        let mut left = n;
        while left > 0 {
            // The end of the representable calendar: stop rather than loop.
            let Some(next) = d.succ_opt() else { break };
            d = next;
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The `n`th working day before `date` (not counting `date`).
    pub fn sub_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut d = date;
        let mut left = n;
        while left > 0 {
            let Some(prev) = d.pred_opt() else { break };
            d = prev;
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The first callable day on or after `date`, looking at most a year ahead.
    pub fn next_callable(&self, date: NaiveDate, call_on: CallOn) -> NaiveDate {
        let mut d = date;
        for _ in 0..366 {
            if self.is_callable(d, call_on) {
                return d;
            }
            d = d.succ_opt().unwrap_or(d);
        }
        date
    }

    /// True when some day in `[from, to]` is callable.
    pub fn any_callable(&self, from: NaiveDate, to: NaiveDate, call_on: CallOn) -> bool {
        if call_on == CallOn::Any {
            return from <= to;
        }
        from.iter_days()
            .take_while(|d| *d <= to)
            .any(|d| self.is_callable(d, call_on))
    }

    /// Years in `[from, to]` the calendar has no data for.
    pub fn missing_years(&self, from: NaiveDate, to: NaiveDate) -> Vec<i32> {
        (from.year()..=to.year()).filter(|y| !self.years.contains(y)).collect()
    }
}

/// Saturday or Sunday.
pub fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn toy() -> Calendar {
        let mut c = Calendar::default();
        c.holidays.insert(d("2026-10-01"), "国庆节".into());
        c.holidays.insert(d("2026-10-02"), "国庆节".into());
        c.makeups.insert(d("2026-10-10"), "国庆节".into());
        c.years.insert(2026);
        c
    }

    #[test]
    fn zero_working_days_is_the_same_day_even_on_a_holiday() {
        assert_eq!(toy().add_working_days(d("2026-10-01"), 0), d("2026-10-01"));
    }

    #[test]
    fn working_days_skip_weekends_and_holidays_and_count_makeup_days() {
        let c = toy();
        // Wed 30 Sep + 1 → Thu 1 Oct is a holiday, Fri 2 holiday, Sat/Sun weekend → Mon 5.
        assert_eq!(c.add_working_days(d("2026-09-30"), 1), d("2026-10-05"));
        // Fri 9 Oct + 1 → Sat 10 Oct is a make-up working day.
        assert_eq!(c.add_working_days(d("2026-10-09"), 1), d("2026-10-10"));
    }

    #[test]
    fn callable_days_follow_the_policy() {
        let c = toy();
        assert!(c.is_callable(d("2026-10-01"), CallOn::Any));
        assert!(!c.is_callable(d("2026-10-01"), CallOn::NoHolidays));
        assert!(c.is_callable(d("2026-10-03"), CallOn::NoHolidays));
        assert!(!c.is_callable(d("2026-10-03"), CallOn::Workdays));
        assert!(c.is_callable(d("2026-10-10"), CallOn::Workdays));
        assert_eq!(c.next_callable(d("2026-10-01"), CallOn::NoHolidays), d("2026-10-03"));
    }

    #[test]
    fn missing_years_are_named() {
        assert_eq!(toy().missing_years(d("2025-12-30"), d("2027-01-02")), vec![2025, 2027]);
    }
}
