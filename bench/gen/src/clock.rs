//! Time as minutes since 2025-01-01 00:00 (local time; China has no DST), and fast
//! formatting of those minutes as `YYYY-MM-DD HH:MM`.
//!
//! Why minutes in a `u32`: the generator sorts and stores one timestamp per order
//! (10M orders is 40 MB), and formats two to four per row, so a civil-date conversion
//! per field would dominate; instead every day's `YYYY-MM-DD` is precomputed once.

/// Minutes in a day.
pub const DAY: u32 = 24 * 60;

/// Days from 1970-01-01 to the civil date `y-m-d` (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count from 1970-01-01 (inverse of `days_from_civil`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Day 0 of the generator's clock.
fn epoch() -> i64 {
    days_from_civil(2025, 1, 1)
}

/// The day index (days since 2025-01-01) of a `YYYY-MM-DD` string.
pub fn parse_day(s: &str) -> Option<u32> {
    let mut it = s.split('-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if it.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, m, d) - epoch();
    // Reject 2025-02-30 and the like: the round trip must give the same date back.
    if civil_from_days(days + epoch()) != (y, m, d) {
        return None;
    }
    u32::try_from(days).ok()
}

/// Formats minutes as `YYYY-MM-DD HH:MM` from a table of precomputed dates.
pub struct Clock {
    dates: Vec<[u8; 10]>,
}

impl Clock {
    /// A clock able to format every minute of the first `days` days.
    pub fn new(days: u32) -> Self {
        let dates = (0..days)
            .map(|i| {
                let (y, m, d) = civil_from_days(epoch() + i64::from(i));
                let s = format!("{y:04}-{m:02}-{d:02}");
                let mut b = [0u8; 10];
                b.copy_from_slice(s.as_bytes());
                b
            })
            .collect();
        Clock { dates }
    }

    /// The calendar month of `minute` as `year * 12 + month - 1`: a key for "the
    /// same month" without formatting.
    pub fn month(&self, minute: u32) -> u32 {
        let d = &self.dates[(minute / DAY) as usize];
        let num = |b: &[u8]| b.iter().fold(0u32, |n, &c| n * 10 + u32::from(c - b'0'));
        num(&d[..4]) * 12 + num(&d[5..7]) - 1
    }

    /// Writes `YYYY-MM-DD HH:MM` for `minute` into `buf` and returns it.
    pub fn format<'a>(&self, minute: u32, buf: &'a mut [u8; 16]) -> &'a [u8] {
        let day = (minute / DAY) as usize;
        let (h, m) = ((minute % DAY) / 60, minute % 60);
        buf[..10].copy_from_slice(&self.dates[day]);
        buf[10] = b' ';
        buf[11] = b'0' + (h / 10) as u8;
        buf[12] = b'0' + (h % 10) as u8;
        buf[13] = b':';
        buf[14] = b'0' + (m / 10) as u8;
        buf[15] = b'0' + (m % 10) as u8;
        &buf[..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_leap_day_and_year_end() {
        let c = Clock::new(800);
        let mut b = [0u8; 16];
        assert_eq!(c.format(0, &mut b), b"2025-01-01 00:00");
        let feb29 = parse_day("2028-02-29");
        assert!(feb29.is_some());
        let d = parse_day("2026-12-31").unwrap();
        assert_eq!(c.format(d * DAY + 23 * 60 + 59, &mut b), b"2026-12-31 23:59");
        assert_eq!(parse_day("2026-11-23"), Some(365 + 326));
        assert_eq!(parse_day("2025-02-29"), None);
        let jan31 = parse_day("2026-01-31").unwrap() * DAY;
        assert_eq!(c.month(jan31), 2026 * 12);
        assert_eq!(c.month(jan31 + DAY), 2026 * 12 + 1);
    }
}
