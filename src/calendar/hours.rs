//! Calling hours: fixed ranges of the day, optionally by season.

use chrono::{Datelike, NaiveDate, NaiveTime};
use std::fmt;

/// A range of the day, `HH:MM-HH:MM`, start before end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// Start.
    pub start: NaiveTime,
    /// End.
    pub end: NaiveTime,
}

impl TimeRange {
    /// Parses `10:00-12:00`; the error says what was wrong.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (a, b) = s
            .split_once('-')
            .ok_or_else(|| format!("expected a time range like 10:00-12:00, found {s:?}"))?;
        let p = |t: &str| {
            NaiveTime::parse_from_str(t.trim(), "%H:%M")
                .map_err(|_| format!("expected a time like 10:00, found {:?} in {s:?}", t.trim()))
        };
        let (start, end) = (p(a)?, p(b)?);
        if start >= end {
            return Err(format!("time range {s:?} ends before it starts"));
        }
        Ok(TimeRange { start, end })
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start.format("%H:%M"), self.end.format("%H:%M"))
    }
}

/// A season: from month-day to month-day (inclusive, may wrap over the new year).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Season {
    /// Name, e.g. summer.
    pub name: String,
    /// (month, day) the season starts.
    pub from: (u32, u32),
    /// (month, day) the season ends, inclusive.
    pub to: (u32, u32),
    /// Hours in this season.
    pub hours: Vec<TimeRange>,
}

impl Season {
    /// True when `date` falls in the season.
    pub fn contains(&self, date: NaiveDate) -> bool {
        let md = (date.month(), date.day());
        if self.from <= self.to {
            self.from <= md && md <= self.to
        } else {
            md >= self.from || md <= self.to
        }
    }
}

/// Parses `MM-DD`.
pub fn parse_month_day(s: &str) -> Option<(u32, u32)> {
    let (m, d) = s.trim().split_once('-')?;
    let (m, d) = (m.parse().ok()?, d.parse().ok()?);
    // 2024 is a leap year, so 02-29 is accepted.
    NaiveDate::from_ymd_opt(2024, m, d).map(|_| (m, d))
}

/// Calling hours: the default ranges and seasonal replacements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallHours {
    /// Hours outside any season.
    pub default: Vec<TimeRange>,
    /// Seasons, first match wins.
    pub seasons: Vec<Season>,
}

impl CallHours {
    /// The ranges that apply on `date`.
    pub fn on(&self, date: NaiveDate) -> &[TimeRange] {
        self.seasons
            .iter()
            .find(|s| s.contains(date))
            .map_or(&self.default[..], |s| &s.hours[..])
    }

    /// `10:00-12:00 15:00-17:00` for `date`.
    pub fn render(&self, date: NaiveDate) -> String {
        self.on(date)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_backwards_and_malformed_ranges() {
        assert!(TimeRange::parse("17:00-15:00")
            .unwrap_err()
            .contains("ends before it starts"));
        assert!(TimeRange::parse("10:00").is_err());
        assert!(TimeRange::parse("25:00-26:00").is_err());
        assert_eq!(TimeRange::parse("14:30-16:30").unwrap().to_string(), "14:30-16:30");
    }

    #[test]
    fn winter_wraps_over_the_new_year() {
        let winter = Season {
            name: "winter".into(),
            from: (10, 1),
            to: (4, 30),
            hours: vec![TimeRange::parse("14:00-16:30").unwrap()],
        };
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(winter.contains(d("2026-01-15")));
        assert!(winter.contains(d("2026-12-31")));
        assert!(!winter.contains(d("2026-07-01")));
        assert!(parse_month_day("02-29").is_some());
        assert!(parse_month_day("02-30").is_none());
    }
}
