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
    /// Room for about `n` contacts (one per visit in the log, at most, unless an item
    /// is asked about twice): address space, taken as contacts come, where a list grown
    /// by doubling would copy itself into fresh pages again and again.
    pub fn with_room(n: usize) -> Self {
        Contacts {
            list: Vec::with_capacity(n),
            ..Contacts::default()
        }
    }

    /// Records a reached contact.
    pub fn add(&mut self, customer: usize, on: NaiveDate) {
        self.list.push((u32::try_from(customer).unwrap_or(u32::MAX), on));
        self.sealed = false;
    }

    /// Adds every contact of `other` (found by another thread).
    pub fn absorb(&mut self, other: Contacts) {
        if self.list.is_empty() {
            // (Taken over rather than copied into fresh pages.)
            self.list = other.list;
            self.sealed = false;
        } else if !other.list.is_empty() {
            self.list.extend(other.list);
            self.sealed = false;
        }
    }

    /// Sorts the contacts so they can be asked about; cheap when nothing was added since.
    ///
    /// A counting sort by customer (the list is millions long, a customer's share a few
    /// entries), then each customer's few dates sorted and deduplicated. A long list is
    /// laid out in two halves of the customers on two cores (the sort writes every entry
    /// to fresh pages, and nothing else runs at this point of a run).
    pub fn seal(&mut self) {
        self.seal_in(if self.list.len() > 1 << 16 { 2 } else { 1 });
    }

    /// [`Self::seal`] in `parts` ranges of customers (1 or 2), each on its own core.
    fn seal_in(&mut self, parts: usize) {
        if self.sealed {
            return;
        }
        let customers = self.list.iter().map(|&(c, _)| c as usize + 1).max().unwrap_or(0);
        let mid = if parts > 1 { customers / 2 } else { customers };
        let list = &self.list;
        let (mut sorted, mut starts, second) = std::thread::scope(|scope| {
            let second = (mid < customers).then(|| scope.spawn(move || sealed_part(list, mid..customers, 0)));
            // With room for the second's contacts too, which are appended to it.
            let (sorted, starts) = sealed_part(list, 0..mid, list.len());
            let second = second.map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            (sorted, starts, second)
        });
        if let Some((more, more_starts)) = second {
            let base = u32::try_from(sorted.len()).unwrap_or(u32::MAX);
            starts.extend(more_starts.iter().map(|&s| s + base));
            sorted.extend_from_slice(&more);
        }
        starts.push(u32::try_from(sorted.len()).unwrap_or(u32::MAX));
        self.list = sorted;
        self.starts = starts;
        self.sealed = true;
    }

    /// Reads these customers' starts, then their first contacts, each in a tight loop, so
    /// that the cache misses of many customers overlap instead of stalling one by one.
    pub fn warm(&self, customers: impl Iterator<Item = usize> + Clone) {
        let mut seen = 0u32;
        for c in customers.clone() {
            seen ^= self.starts.get(c).copied().unwrap_or(0);
        }
        for c in customers {
            let at = self.starts.get(c).map_or(usize::MAX, |&a| a as usize);
            seen ^= self.list.get(at).map_or(0, |&(c, _)| c);
        }
        std::hint::black_box(seen);
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

    /// [`Self::recently_reached`] for the date `day` days after 1970-01-01 (millions of
    /// sampled units ask: no date is built unless the customer has contacts).
    pub fn recently_reached_on(&self, customer: usize, day: i64, days: u32) -> bool {
        match (self.starts.get(customer), self.starts.get(customer + 1)) {
            (Some(&a), Some(&b)) if a < b => {
                let date = chrono::DateTime::from_timestamp(day * 86_400, 0).map(|t| t.date_naive());
                date.is_some_and(|d| self.recently_reached(customer, d, days))
            }
            _ => false,
        }
    }
}

/// The cool-downs of mandatory items as of a run's date: an open item of a rule with a
/// cool-down and no sampling is flagged, never suppressed, when its customer was reached
/// within the cool-down. Asked once every contact is known (after the whole stream), of
/// the items the engine keeps and of those kept outside it (the due list's).
#[derive(Debug, Default)]
pub struct Cooldowns {
    contacts: Contacts,
    as_of: NaiveDate,
    /// Cool-down days of each rule that has one and is not sampled.
    days: Vec<(crate::model::Name, u32)>,
}

impl Cooldowns {
    /// The cool-downs of `rules` as of `as_of`, over every contact (sealed here).
    pub fn new(mut contacts: Contacts, as_of: NaiveDate, rules: &crate::rules::Rules) -> Self {
        contacts.seal();
        let days = rules
            .iter()
            .filter(|(_, r)| r.sample.is_none())
            .filter_map(|(_, r)| Some((crate::model::intern(&r.id), r.cooldown?)))
            .collect();
        Cooldowns { contacts, as_of, days }
    }

    /// The flag of an item of `rule` for `customer`, when it is open and breaks a
    /// cool-down (`cooldown:Nd`).
    pub fn flag(&self, rule: &str, customer: Option<usize>, open: bool) -> Option<String> {
        let &(_, days) = self.days.iter().find(|(r, _)| *r == rule)?;
        let customer = customer.filter(|_| open)?;
        self.contacts
            .recently_reached(customer, self.as_of, days)
            .then(|| format!("cooldown:{days}d"))
    }
}

/// The contacts of the customers in `range`, in order of customer, then date, without
/// repeats, and where each customer's begin (from 0, one entry per customer of `range`).
/// The contacts have room for at least `room`.
fn sealed_part(
    list: &[(u32, NaiveDate)],
    range: std::ops::Range<usize>,
    room: usize,
) -> (Vec<(u32, NaiveDate)>, Vec<u32>) {
    let key = |&(c, _): &(u32, NaiveDate)| (c as usize).checked_sub(range.start).filter(|&k| k < range.len());
    let (mut sorted, groups) = super::by_bucket(list.iter().copied(), range.len(), room, key);
    let mut starts = Vec::with_capacity(range.len());
    // Each customer's dates in order, without repeats, packed to the front.
    let mut kept = 0usize;
    for c in 0..range.len() {
        let (a, b) = (groups[c], groups[c + 1]);
        sorted[a..b].sort_unstable();
        starts.push(u32::try_from(kept).unwrap_or(u32::MAX));
        for i in a..b {
            if i == a || sorted[i] != sorted[i - 1] {
                sorted[kept] = sorted[i];
                kept += 1;
            }
        }
    }
    sorted.truncate(kept);
    (sorted, starts)
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
        // The same questions by day number.
        let day = |s| (d(s) - d("1970-01-01")).num_days();
        assert!(c.recently_reached_on(1, day("2026-11-21"), 10));
        assert!(!c.recently_reached_on(2, day("2026-11-20"), 10));
        assert!(!c.recently_reached_on(7, day("2026-11-20"), 10));
    }

    #[test]
    fn only_open_items_of_mandatory_rules_with_a_cool_down_are_flagged() {
        use crate::rules::load::{load_one, Overrides};
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let load = |f: &str| load_one(&dir.join("rules").join(f), &Overrides::default()).unwrap();
        // gas-utility: single_project is mandatory with a 30-day cool-down; property's
        // repair check is sampled with a 14-day one.
        let rules = crate::rules::Rules {
            sets: vec![load("gas-utility.toml"), load("property.toml")],
        };
        let mut c = Contacts::default();
        c.add(3, d("2026-11-01"));
        c.add(4, d("2026-10-01"));
        let cool = Cooldowns::new(c, d("2026-11-23"), &rules);
        let gas = "gas-utility.single_project";
        assert_eq!(cool.flag(gas, Some(3), true).as_deref(), Some("cooldown:30d"));
        // Reached before the cool-down, never reached, not open, no customer.
        assert_eq!(cool.flag(gas, Some(4), true), None);
        assert_eq!(cool.flag(gas, Some(5), true), None);
        assert_eq!(cool.flag(gas, Some(3), false), None);
        assert_eq!(cool.flag(gas, None, true), None);
        // A sampled rule's cool-down steers its draw instead; a rule without one.
        assert_eq!(cool.flag("property.repair", Some(3), true), None);
        assert_eq!(cool.flag("property.complaint", Some(3), true), None);
    }

    proptest::proptest! {
        /// The counting sort lays contacts out as sorting the whole list would: by
        /// customer, then date, without repeats, with each customer's start.
        /// Contacts gathered on two threads and absorbed give the same list.
        #[test]
        fn seal_sorts_and_deduplicates(
            raw in proptest::collection::vec((0u32..50, 0i64..40), 0..400),
            split in 0usize..400,
        ) {
            let base = NaiveDate::from_ymd_opt(2024, 2, 20).unwrap();
            let (mut c, mut other) = (Contacts::default(), Contacts::default());
            for (k, &(cust, day)) in raw.iter().enumerate() {
                let to = if k < split { &mut c } else { &mut other };
                to.add(cust as usize, base + Duration::days(day));
            }
            c.seal();
            c.absorb(other);
            // Laid out in two halves of the customers (as a long list is) or in one.
            let mut one = c.clone();
            c.seal_in(2);
            one.seal_in(1);
            proptest::prop_assert_eq!(&c.list, &one.list);
            proptest::prop_assert_eq!(&c.starts, &one.starts);
            let mut want: Vec<(u32, NaiveDate)> = raw.iter().map(|&(cust, d)| (cust, base + Duration::days(d))).collect();
            want.sort_unstable();
            want.dedup();
            proptest::prop_assert_eq!(&c.list, &want);
            for cust in 0..50u32 {
                let a = want.partition_point(|&(x, _)| x < cust);
                let b = want.partition_point(|&(x, _)| x <= cust);
                if let (Some(&s), Some(&e)) = (c.starts.get(cust as usize), c.starts.get(cust as usize + 1)) {
                    proptest::prop_assert_eq!((s as usize, e as usize), (a, b));
                } else {
                    proptest::prop_assert_eq!(a, b);
                }
            }
        }
    }
}
