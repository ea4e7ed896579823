//! Contact cool-downs: who was reached recently, so a sampled rule picks someone else and a
//! mandatory follow-up is flagged rather than suppressed.

use chrono::{Duration, NaiveDate};
use rustc_hash::FxHashMap as HashMap;

/// Reached-contact dates per customer (index into the customer list).
#[derive(Debug, Clone, Default)]
pub struct Contacts {
    by_customer: HashMap<usize, Vec<NaiveDate>>,
}

impl Contacts {
    /// Records a reached contact.
    pub fn add(&mut self, customer: usize, on: NaiveDate) {
        self.by_customer.entry(customer).or_default().push(on);
    }

    /// True when the customer was reached in the `days` days before `date` (not on it).
    pub fn recently_reached(&self, customer: usize, date: NaiveDate, days: u32) -> bool {
        let from = date - Duration::days(i64::from(days));
        self.by_customer
            .get(&customer)
            .is_some_and(|v| v.iter().any(|d| *d >= from && *d < date))
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
        assert!(c.recently_reached(1, d("2026-11-20"), 10));
        assert!(!c.recently_reached(1, d("2026-11-21"), 10));
        assert!(!c.recently_reached(1, d("2026-11-10"), 10));
        assert!(!c.recently_reached(2, d("2026-11-20"), 10));
    }
}
