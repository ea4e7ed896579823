//! Calendar periods (day, ISO week, month, quarter, half year, year) used by sampling,
//! cadences and reports.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::fmt;

/// The length of a calendar period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// One day.
    Day,
    /// ISO week, Monday to Sunday.
    Week,
    /// Half a month (半月): the 1st–15th, or the 16th to the month's end.
    HalfMonth,
    /// Calendar month.
    Month,
    /// Calendar quarter.
    Quarter,
    /// January–June or July–December.
    HalfYear,
    /// Calendar year.
    Year,
}

impl PeriodKind {
    /// Parses the rule-file spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "day" => PeriodKind::Day,
            "week" => PeriodKind::Week,
            "half_month" => PeriodKind::HalfMonth,
            "month" => PeriodKind::Month,
            "quarter" => PeriodKind::Quarter,
            "half_year" => PeriodKind::HalfYear,
            "year" => PeriodKind::Year,
            _ => return None,
        })
    }

    /// The accepted spellings.
    pub const EXPECTED: &'static str = "day, week, half_month, month, quarter, half_year, year";
}

/// One concrete period: its kind and its first and last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    /// Kind.
    pub kind: PeriodKind,
    /// First day.
    pub start: NaiveDate,
    /// Last day, inclusive.
    pub end: NaiveDate,
}

fn month_start(y: i32, m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN)
}

fn months_period(kind: PeriodKind, y: i32, first_month: u32, months: u32) -> Period {
    let start = month_start(y, first_month);
    // The day before the next period's first (chrono's month arithmetic is slower, and
    // every sampled order asks).
    let next = first_month - 1 + months;
    let end = NaiveDate::from_ymd_opt(y + (next / 12) as i32, next % 12 + 1, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX);
    Period { kind, start, end }
}

impl Period {
    /// The period of `kind` containing `date`.
    pub fn containing(kind: PeriodKind, date: NaiveDate) -> Self {
        let (y, m) = (date.year(), date.month());
        match kind {
            PeriodKind::Day => Period {
                kind,
                start: date,
                end: date,
            },
            PeriodKind::Week => {
                let start = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
                Period {
                    kind,
                    start,
                    end: start + Duration::days(6),
                }
            }
            PeriodKind::HalfMonth => {
                let month = months_period(kind, y, m, 1);
                let mid = NaiveDate::from_ymd_opt(y, m, 15).unwrap_or(month.end);
                if date <= mid {
                    Period {
                        kind,
                        start: month.start,
                        end: mid,
                    }
                } else {
                    Period {
                        kind,
                        start: mid.succ_opt().unwrap_or(mid),
                        end: month.end,
                    }
                }
            }
            PeriodKind::Month => months_period(kind, y, m, 1),
            PeriodKind::Quarter => months_period(kind, y, (m - 1) / 3 * 3 + 1, 3),
            PeriodKind::HalfYear => months_period(kind, y, if m <= 6 { 1 } else { 7 }, 6),
            PeriodKind::Year => months_period(kind, y, 1, 12),
        }
    }

    /// The period right after this one.
    #[must_use]
    pub fn next(self) -> Self {
        Period::containing(self.kind, self.end.succ_opt().unwrap_or(self.end))
    }

    /// The period right before this one.
    #[must_use]
    pub fn prev(self) -> Self {
        Period::containing(self.kind, self.start.pred_opt().unwrap_or(self.start))
    }

    /// True when `date` is inside.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }

    /// Parses a report period: `2026-10`, `2026-Q4`, `2026-H2`, `2026-W43`, `2026`, `2026-10-05`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if let Ok(y) = s.parse::<i32>() {
            return (1000..=9999)
                .contains(&y)
                .then(|| months_period(PeriodKind::Year, y, 1, 12));
        }
        let (y, rest) = s.split_once('-')?;
        let y: i32 = y.parse().ok().filter(|y| (1000..=9999).contains(y))?;
        if let Some(q) = rest.strip_prefix('Q') {
            let q: u32 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
            return Some(months_period(PeriodKind::Quarter, y, (q - 1) * 3 + 1, 3));
        }
        if let Some(h) = rest.strip_prefix('H') {
            let h: u32 = h.parse().ok().filter(|h| (1..=2).contains(h))?;
            return Some(months_period(PeriodKind::HalfYear, y, (h - 1) * 6 + 1, 6));
        }
        if let Some(w) = rest.strip_prefix('W') {
            let w: u32 = w.parse().ok()?;
            let start = NaiveDate::from_isoywd_opt(y, w, Weekday::Mon)?;
            return Some(Period {
                kind: PeriodKind::Week,
                start,
                end: start + Duration::days(6),
            });
        }
        if rest.len() <= 2 {
            let m: u32 = rest.parse().ok().filter(|m| (1..=12).contains(m))?;
            return Some(months_period(PeriodKind::Month, y, m, 1));
        }
        let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
        Some(Period {
            kind: PeriodKind::Day,
            start: d,
            end: d,
        })
    }
}

/// The period of each kind last asked for, with its label: orders come roughly in date
/// order, so most dates fall in the period found for the order before, and working one
/// out again (dates built, a label written) is most of what a sampled order costs here.
#[derive(Debug, Clone, Default)]
pub struct Periods {
    last: [Option<(Period, String)>; 7],
}

impl Periods {
    /// [`Period::containing`], with the period's [label](Period::push_label).
    pub fn containing(&mut self, kind: PeriodKind, date: NaiveDate) -> (Period, &str) {
        let (p, label) =
            self.last[kind as usize].get_or_insert_with(|| (Period::containing(kind, date), String::new()));
        // (Every label has digits: an empty one is not written yet.)
        if !p.contains(date) || label.is_empty() {
            *p = Period::containing(kind, date);
            label.clear();
            p.push_label(label);
        }
        (*p, label.as_str())
    }
}

impl Period {
    /// Appends the label [`Display`](fmt::Display) writes, without the formatter: every
    /// sampled order names its period (its unit's hash and household id depend on it).
    pub fn push_label(&self, out: &mut String) {
        let s = self.start;
        if matches!(self.kind, PeriodKind::Day | PeriodKind::Week) {
            use fmt::Write as _;
            let _ = write!(out, "{self}");
            return;
        }
        let two = |out: &mut String, n: u32| {
            out.push(char::from(b'0' + (n / 10 % 10) as u8));
            out.push(char::from(b'0' + (n % 10) as u8));
        };
        out.push_str(itoa::Buffer::new().format(s.year()));
        match self.kind {
            PeriodKind::HalfMonth => {
                out.push('-');
                two(out, s.month());
                out.push_str(if s.day() == 1 { "-H1" } else { "-H2" });
            }
            PeriodKind::Month => {
                out.push('-');
                two(out, s.month());
            }
            PeriodKind::Quarter => {
                out.push_str("-Q");
                out.push(char::from(b'1' + ((s.month() - 1) / 3) as u8));
            }
            PeriodKind::HalfYear => out.push_str(if s.month() <= 6 { "-H1" } else { "-H2" }),
            PeriodKind::Year | PeriodKind::Day | PeriodKind::Week => {}
        }
    }
}

impl fmt::Display for Period {
    /// `2026-11-23`, `2026-W47`, `2026-11`, `2026-Q4`, `2026-H2`, `2026`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.start;
        match self.kind {
            PeriodKind::Day => write!(f, "{s}"),
            PeriodKind::Week => {
                let iw = s.iso_week();
                write!(f, "{}-W{:02}", iw.year(), iw.week())
            }
            PeriodKind::HalfMonth => {
                write!(
                    f,
                    "{}-{:02}-{}",
                    s.year(),
                    s.month(),
                    if s.day() == 1 { "H1" } else { "H2" }
                )
            }
            PeriodKind::Month => write!(f, "{}-{:02}", s.year(), s.month()),
            PeriodKind::Quarter => write!(f, "{}-Q{}", s.year(), (s.month() - 1) / 3 + 1),
            PeriodKind::HalfYear => write!(f, "{}-H{}", s.year(), if s.month() <= 6 { 1 } else { 2 }),
            PeriodKind::Year => write!(f, "{}", s.year()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn parses_every_report_period_form() {
        let p = Period::parse("2024-02").unwrap();
        assert_eq!((p.start, p.end), (d("2024-02-01"), d("2024-02-29")));
        let q = Period::parse("2026-Q4").unwrap();
        assert_eq!((q.start, q.end), (d("2026-10-01"), d("2026-12-31")));
        let w = Period::parse("2026-W43").unwrap();
        assert_eq!((w.start, w.end), (d("2026-10-19"), d("2026-10-25")));
        let y = Period::parse("2026").unwrap();
        assert_eq!((y.start, y.end), (d("2026-01-01"), d("2026-12-31")));
        assert!(Period::parse("2026-13").is_none());
        assert!(Period::parse("2026-Q5").is_none());
        assert!(Period::parse("2026-W54").is_none());
    }

    #[test]
    fn labels_round_trip() {
        for s in ["2026-11", "2026-Q1", "2026-W01", "2026", "2026-H2", "2026-11-23"] {
            assert_eq!(Period::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn half_months_split_on_the_15th_including_february() {
        let a = Period::containing(PeriodKind::HalfMonth, d("2024-02-15"));
        assert_eq!(
            (a.start, a.end, a.to_string()),
            (d("2024-02-01"), d("2024-02-15"), "2024-02-H1".into())
        );
        let b = a.next();
        assert_eq!(
            (b.start, b.end, b.to_string()),
            (d("2024-02-16"), d("2024-02-29"), "2024-02-H2".into())
        );
        assert_eq!(b.next().start, d("2024-03-01"));
    }

    #[test]
    fn iso_week_of_new_year_belongs_to_previous_year() {
        let p = Period::containing(PeriodKind::Week, d("2027-01-01"));
        assert_eq!(p.to_string(), "2026-W53");
        assert_eq!(p.next().start, d("2027-01-04"));
    }

    /// Every kind, for the properties below.
    const KINDS: [PeriodKind; 7] = [
        PeriodKind::Day,
        PeriodKind::Week,
        PeriodKind::HalfMonth,
        PeriodKind::Month,
        PeriodKind::Quarter,
        PeriodKind::HalfYear,
        PeriodKind::Year,
    ];

    proptest::proptest! {
        /// Remembered periods answer as worked-out ones, in any order of dates and kinds.
        #[test]
        fn remembered_periods_are_the_periods(asks in proptest::collection::vec((0i64..800, 0usize..7), 1..200)) {
            let mut memo = Periods::default();
            for (days, k) in asks {
                let date = d("2024-01-01") + Duration::days(days);
                let want = Period::containing(KINDS[k], date);
                let (p, label) = memo.containing(KINDS[k], date);
                proptest::prop_assert_eq!(p, want);
                proptest::prop_assert_eq!(label, want.to_string());
            }
        }

        /// Every period holds its date, ends where chrono's month arithmetic says, and
        /// the next one starts the day after (leap Februaries and year ends included).
        #[test]
        fn periods_tile_the_calendar(days in 0i64..(400 * 366), k in 0usize..7) {
            let date = d("1900-01-01") + Duration::days(days);
            let p = Period::containing(KINDS[k], date);
            proptest::prop_assert!(p.contains(date));
            proptest::prop_assert_eq!(p.next().start, p.end.succ_opt().unwrap());
            let months = match KINDS[k] {
                PeriodKind::Month => 1,
                PeriodKind::Quarter => 3,
                PeriodKind::HalfYear => 6,
                PeriodKind::Year => 12,
                _ => 0,
            };
            if months > 0 {
                let end = p.start.checked_add_months(chrono::Months::new(months)).unwrap().pred_opt().unwrap();
                proptest::prop_assert_eq!(p.end, end);
                proptest::prop_assert_eq!(p.start.day(), 1);
            }
        }
    }

    proptest::proptest! {
        /// The quick label is the displayed one, for every kind and any date.
        #[test]
        fn labels_are_what_display_writes(days in -800_000i32..4_000_000, kind in 0usize..7) {
            let d = NaiveDate::from_num_days_from_ce_opt(days).unwrap_or(NaiveDate::MIN);
            let p = Period::containing(KINDS[kind], d);
            let mut quick = String::from("x@");
            p.push_label(&mut quick);
            proptest::prop_assert_eq!(quick, format!("x@{p}"));
        }
    }
}
