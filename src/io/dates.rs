//! The accepted date and datetime formats, in one place.
//!
//! Accepted: `YYYY-MM-DD`, `YYYY/MM/DD`, either followed by ` HH:MM`, ` HH:MM:SS`,
//! `THH:MM` or `THH:MM:SS`. Single-digit months and days (`2026/1/5`) are accepted too,
//! because Excel writes them that way. The fixed shapes are parsed by hand: chrono's
//! format parser costs ~230 ns a row, which dominates a 5-million-row scan.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// What the parser expected, for error messages.
pub const EXPECTED: &str = "a date like 2026-11-23, 2026/11/23 or 2026-11-23 14:30";

/// Parses a date or datetime; a date alone is midnight.
pub fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    if let Some(dt) = minutes(s.as_bytes()) {
        return Some(dt);
    }
    let b = s.trim().as_bytes();
    let (date, rest) = parse_date_prefix(b)?;
    if rest.is_empty() {
        return Some(date.and_time(NaiveTime::MIN));
    }
    let (sep, t) = rest.split_first()?;
    if *sep != b' ' && *sep != b'T' {
        return None;
    }
    let time = parse_time(t)?;
    Some(date.and_time(time))
}

/// `YYYY-MM-DD HH:MM`, the shape nearly every exported date has, read by position (the
/// general parse below finds the separators first; there is a date in every row). The
/// sixteen bytes are checked at once: each digit's byte xor `'0'` must be 0–9 and each
/// separator's xor itself 0.
fn minutes(b: &[u8]) -> Option<NaiveDateTime> {
    const SHAPE: u128 = u128::from_le_bytes(*b"0000-00-00 00:00");
    // 0xFF on the digits' bytes.
    const DIGITS: u128 = u128::from_le_bytes([
        0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0, 0xFF, 0xFF,
    ]);
    const HIGH: u128 = DIGITS & u128::from_le_bytes([0xF0; 16]);
    const SIX: u128 = DIGITS & u128::from_le_bytes([0x06; 16]);
    let t = u128::from_le_bytes(<[u8; 16]>::try_from(b).ok()?) ^ SHAPE;
    // Separators in place, digits' bytes below 16, and below 10 (adding 6 to 10–15
    // carries into the high nibble; no byte overflows into the next).
    if t & !DIGITS != 0 || t & HIGH != 0 || (t + SIX) & HIGH != 0 {
        return None;
    }
    let d = t.to_le_bytes().map(u32::from);
    let year = d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3];
    let date = ymd(year, d[5] * 10 + d[6], d[8] * 10 + d[9])?;
    Some(date.and_time(NaiveTime::from_hms_opt(d[11] * 10 + d[12], d[14] * 10 + d[15], 0)?))
}

/// The first year of [`DAYS`], and how many it spans.
const FIRST_YEAR: u32 = 1970;
const YEARS: u32 = 130;

/// Every date of years 1970–2099 by year, month and day (`None` where there is no such
/// day), made once: chrono's constructor costs more than the rest of the parse, and a
/// file of millions of rows names only a few hundred days.
static DAYS: std::sync::LazyLock<Box<[Option<NaiveDate>]>> = std::sync::LazyLock::new(|| {
    (0..YEARS * 12 * 32)
        .map(|i| {
            let (year, month, day) = (FIRST_YEAR + i / (12 * 32), i / 32 % 12 + 1, i % 32);
            NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
        })
        .collect()
});

/// The date of year, month and day, through [`DAYS`] when it covers the year.
fn ymd(year: u32, month: u32, day: u32) -> Option<NaiveDate> {
    if !(1..=12).contains(&month) || day > 31 {
        return None;
    }
    if (FIRST_YEAR..FIRST_YEAR + YEARS).contains(&year) {
        let i = ((year - FIRST_YEAR) * 12 + month - 1) * 32 + day;
        return DAYS.get(i as usize).copied().flatten();
    }
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// Parses a date, ignoring a time part if present.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    parse_datetime(s).map(|dt| dt.date())
}

fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 4 {
        return None;
    }
    let mut n = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

fn parse_date_prefix(b: &[u8]) -> Option<(NaiveDate, &[u8])> {
    if b.len() < 8 {
        return None;
    }
    let sep = b[4];
    if sep != b'-' && sep != b'/' {
        return None;
    }
    let year = num(&b[..4])?;
    let rest = &b[5..];
    let m_end = rest.iter().position(|&c| c == sep)?;
    let month = num(&rest[..m_end]).filter(|_| m_end <= 2)?;
    let rest = &rest[m_end + 1..];
    let d_end = rest.iter().position(|&c| !c.is_ascii_digit()).unwrap_or(rest.len());
    if d_end == 0 || d_end > 2 {
        return None;
    }
    let day = num(&rest[..d_end])?;
    let date = ymd(year, month, day)?;
    Some((date, &rest[d_end..]))
}

fn parse_time(t: &[u8]) -> Option<NaiveTime> {
    let mut parts = t.split(|&c| c == b':');
    let h = num(parts.next()?).filter(|_| true)?;
    let m = num(parts.next()?)?;
    let s = match parts.next() {
        Some(p) => num(p)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    NaiveTime::from_hms_opt(h, m, s)
}

/// Parses a strict `YYYY-MM-DD` (command-line arguments and rule files).
pub fn parse_iso_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Writes dates as chrono's `Display` does (`2026-11-23`) without the formatter: a
/// due list of a million rows writes three dates a row.
#[derive(Debug, Default)]
pub struct DateText([u8; 10]);

impl DateText {
    /// The date's text; years outside 0..=9999 (signed, wider) go through chrono.
    pub fn format(&mut self, d: NaiveDate) -> std::borrow::Cow<'_, str> {
        use chrono::Datelike;
        let Ok(year) = u32::try_from(d.year()) else {
            return d.to_string().into();
        };
        if year > 9999 {
            return d.to_string().into();
        }
        let digits = |n: u32, out: &mut [u8]| {
            let mut n = n;
            for b in out.iter_mut().rev() {
                *b = b'0' + (n % 10) as u8;
                n /= 10;
            }
        };
        let b = &mut self.0;
        digits(year, &mut b[..4]);
        b[4] = b'-';
        digits(d.month(), &mut b[5..7]);
        b[7] = b'-';
        digits(d.day(), &mut b[8..]);
        // Only ASCII digits and dashes were written.
        std::str::from_utf8(b).map_or_else(|_| d.to_string().into(), Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The general parse, without the fixed-shape path in front.
    fn general(s: &str) -> Option<NaiveDateTime> {
        let (date, rest) = parse_date_prefix(s.trim().as_bytes())?;
        if rest.is_empty() {
            return Some(date.and_time(NaiveTime::MIN));
        }
        let (sep, t) = rest.split_first()?;
        (*sep == b' ' || *sep == b'T').then_some(())?;
        Some(date.and_time(parse_time(t)?))
    }

    proptest::proptest! {
        /// Sixteen-byte strings shaped like `YYYY-MM-DD HH:MM` (or nearly: any digit, a
        /// letter, a slash) read by position are what the general parse makes of them.
        #[test]
        fn fixed_shape_dates_read_as_the_general_parse(s in "[0-9]{4}[-/](0[0-9]|1[0-9]|a1)[-/]([0-2][0-9]|3[0-2])[ T]([01][0-9]|2[0-5]):[0-6][0-9]") {
            proptest::prop_assert_eq!(parse_datetime(&s), general(&s));
        }

        /// A valid `YYYY-MM-DD HH:MM` with one byte changed to one just outside the
        /// digits (`/` before `0`; `:` and `?` after `9`) or to another separator reads as
        /// the general parse makes of it.
        #[test]
        fn one_byte_off_reads_as_the_general_parse(
            days in 0i32..60_000,
            minute in 0u32..24 * 60,
            at in 0usize..16,
            byte in proptest::sample::select(b"/:?-T 9".to_vec()),
        ) {
            let d = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Duration::days(i64::from(days));
            let good = format!("{} {:02}:{:02}", d, minute / 60, minute % 60);
            let mut b = good.clone().into_bytes();
            b[at] = byte;
            let s = String::from_utf8(b).unwrap();
            proptest::prop_assert_eq!(parse_datetime(&good), general(&good));
            proptest::prop_assert_eq!(parse_datetime(&s), general(&s), "{}", s);
        }

        /// Byte for byte what chrono writes, for any date chrono can hold.
        #[test]
        fn date_text_is_what_chrono_writes(days in -262_000i32 * 366..262_000 * 366) {
            let d = NaiveDate::from_num_days_from_ce_opt(days).unwrap_or(NaiveDate::MIN);
            let mut t = DateText::default();
            let got = t.format(d).into_owned();
            proptest::prop_assert_eq!(got, d.to_string());
        }
    }

    #[test]
    fn the_day_table_is_chrono_on_every_day_it_holds_and_around_it() {
        for year in FIRST_YEAR - 2..FIRST_YEAR + YEARS + 2 {
            for month in 0..=13 {
                for day in 0..=33 {
                    let want = NaiveDate::from_ymd_opt(year as i32, month, day);
                    assert_eq!(ymd(year, month, day), want, "{year}-{month}-{day}");
                }
            }
        }
    }

    #[test]
    fn date_text_pads_and_spans_the_years() {
        let mut t = DateText::default();
        for s in ["0000-01-01", "0009-02-03", "2024-02-29", "9999-12-31", "2026-11-23"] {
            let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
            assert_eq!(t.format(d), s);
        }
        let far = NaiveDate::from_ymd_opt(12345, 6, 7).unwrap();
        assert_eq!(t.format(far), far.to_string());
        let before = NaiveDate::from_ymd_opt(-44, 3, 15).unwrap();
        assert_eq!(t.format(before), before.to_string());
    }

    fn dt(s: &str) -> Option<String> {
        parse_datetime(s).map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
    }

    #[test]
    fn accepts_every_documented_shape() {
        assert_eq!(dt("2026-11-23").unwrap(), "2026-11-23 00:00:00");
        assert_eq!(dt("2026/11/23").unwrap(), "2026-11-23 00:00:00");
        assert_eq!(dt("2026-11-23 14:30").unwrap(), "2026-11-23 14:30:00");
        assert_eq!(dt("2026-11-23T14:30:05").unwrap(), "2026-11-23 14:30:05");
        assert_eq!(dt("2026/1/5 8:05").unwrap(), "2026-01-05 08:05:00");
    }

    #[test]
    fn rejects_impossible_dates_and_garbage() {
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "2025-02-29",
            "23/11/2026",
            "",
            "2026-11-23 25:00",
            "2026-11-23x",
            "2026-11",
        ] {
            assert!(dt(bad).is_none(), "{bad} accepted");
        }
        assert!(dt("2024-02-29").is_some(), "leap day rejected");
    }
}
