//! Contact cool-downs: who was reached recently, so a sampled rule picks someone else and a
//! mandatory follow-up is flagged rather than suppressed.

use chrono::{Duration, NaiveDate};

/// Reached-contact dates per customer (index into the customer list).
///
/// Contacts are appended while orders stream (millions of them, so one flat array of
/// 8-byte entries rather than a table of lists) and sorted once, by [`Contacts::seal`],
/// before they are asked about; `starts[c]` is where customer `c`'s contacts begin, so a
/// question costs two memory reads rather than a binary search over millions.
#[derive(Debug, Clone, Default)]
pub struct Contacts {
    list: Vec<(u32, NaiveDate)>,
    starts: Vec<u32>,
    sealed: bool,
}

impl Contacts {
    /// Records a reached contact.
    pub fn add(&mut self, customer: usize, on: NaiveDate) {
        self.list.push((u32::try_from(customer).unwrap_or(u32::MAX), on));
        self.sealed = false;
    }

    /// Sorts the contacts so they can be asked about; cheap when nothing was added since.
    pub fn seal(&mut self) {
        if !self.sealed {
            self.list.sort_unstable();
            self.list.dedup();
            let customers = self.list.last().map_or(0, |&(c, _)| c as usize + 1);
            self.starts.clear();
            self.starts.resize(customers + 1, 0);
            for &(c, _) in &self.list {
                self.starts[c as usize + 1] += 1;
            }
            for i in 1..self.starts.len() {
                self.starts[i] += self.starts[i - 1];
            }
            self.sealed = true;
        }
    }

    /// True when the customer was reached in the `days` days before `date` (not on it).
    /// Contacts added since the last [`Contacts::seal`] are not seen.
    pub fn recently_reached(&self, customer: usize, date: NaiveDate, days: u32) -> bool {
        let (Some(&a), Some(&b)) = (self.starts.get(customer), self.starts.get(customer + 1)) else {
            return false;
        };
        let from = date - Duration::days(i64::from(days));
        self.list[a as usize..b as usize]
            .iter()
            .any(|&(_, d)| d >= from && d < date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_excludes_the_day_itself_and_older_contacts() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let mut c = Contacts::default();
        c.add(1, d("2026-11-10"));
        c.add(0, d("2026-11-19"));
        c.add(2, d("2026-11-01"));
        c.seal();
        assert!(c.recently_reached(1, d("2026-11-20"), 10));
        assert!(!c.recently_reached(1, d("2026-11-21"), 10));
        assert!(!c.recently_reached(1, d("2026-11-10"), 10));
        assert!(!c.recently_reached(3, d("2026-11-20"), 10));
        assert!(c.recently_reached(0, d("2026-11-20"), 10));
        assert!(!c.recently_reached(2, d("2026-11-20"), 10));
        // Several contacts: one inside the window is enough.
        c.add(1, d("2026-11-18"));
        c.seal();
        assert!(c.recently_reached(1, d("2026-11-21"), 10));
    }
}
