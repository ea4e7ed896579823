//! The visit log held in memory, per due item: millions of rows, so it is packed.
//!
//! A due id is known by its XXH3-128 hash (no string per item): rows are grouped, and
//! looked up, by 64 of its bits plus the ~20 its index bucket stands for, so two of a few
//! million ids are taken for one with odds below 10⁻¹² (see [`super::frozen`]). Rows are
//! filed in log order, then chained per item when the log is frozen (see
//! [`super::frozen::Frozen::first_of`]); visitor names are interned.

use super::frozen::Frozen;
use super::values::{Channel, Outcome};
use super::Reach;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

/// The key of a due id: its 128-bit hash, as two words (one picks the index bucket, the
/// other is stored; see [`super::frozen`]).
pub fn due_key(due_id: &str) -> (u64, u64) {
    super::frozen::key128(due_id.as_bytes())
}

/// No next row.
const END: u32 = u32::MAX;

/// One logged attempt: 24 bytes (a log holds millions; 32 with the time, channel,
/// outcome and signature in fields of their own).
#[derive(Debug, Clone, Copy)]
struct Row {
    day: NaiveDate,
    /// The time as seconds into the day (the low 17 bits: the log's times are whole
    /// seconds), then the channel (3 bits), the outcome (3) and the signature (1).
    packed: u32,
    /// Score, NaN when none was given.
    score: f64,
    visitor: u32,
    next: u32,
}

impl Row {
    const SECONDS: u32 = (1 << 17) - 1;

    fn new(at: NaiveDateTime, channel: Channel, outcome: Outcome, signed: bool, score: f64, visitor: u32) -> Self {
        let seconds = at.time().num_seconds_from_midnight();
        Row {
            day: at.date(),
            packed: seconds | (channel as u32) << 17 | (outcome as u32) << 20 | u32::from(signed) << 23,
            score,
            visitor,
            next: END,
        }
    }

    fn at(&self) -> NaiveDateTime {
        let time = NaiveTime::from_num_seconds_from_midnight_opt(self.packed & Self::SECONDS, 0);
        self.day.and_time(time.unwrap_or(NaiveTime::MIN))
    }

    fn channel(&self) -> Channel {
        let i = (self.packed >> 17 & 7) as usize;
        Channel::ALL.get(i).copied().unwrap_or(Channel::Phone)
    }

    fn outcome(&self) -> Outcome {
        let i = (self.packed >> 20 & 7) as usize;
        Outcome::ALL.get(i).copied().unwrap_or(Outcome::NoAnswer)
    }

    fn signed(&self) -> bool {
        self.packed >> 23 & 1 == 1
    }
}

const _: () = assert!(std::mem::size_of::<Row>() == 24);

/// Every attempt of the log, grouped by due id.
#[derive(Clone, Default)]
pub struct AttemptLog {
    /// The due key of each row, while filing (the rows are chained when frozen).
    keys: Vec<(u64, u64)>,
    /// Due key → first row, once [`AttemptLog::freeze`] is done.
    index: Frozen<(u64, u64), u32>,
    frozen: bool,
    rows: Vec<Row>,
    /// The rows of a later part of the log (read on another core), numbered on from the
    /// end of `rows`, with their keys: kept where that core put them rather than copied
    /// after `rows` (see [`AttemptLog::append`]).
    later: Vec<Row>,
    later_keys: Vec<(u64, u64)>,
    names: Names,
}

/// The log as filed, whether or not part of it was filed on another core.
impl std::fmt::Debug for AttemptLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttemptLog")
            .field("keys", &self.keys.iter().chain(&self.later_keys).collect::<Vec<_>>())
            .field("index", &self.index)
            .field("frozen", &self.frozen)
            .field("rows", &self.rows.iter().chain(&self.later).collect::<Vec<_>>())
            .field("names", &self.names)
            .finish()
    }
}

/// Visitor names, interned: a few hundred staff make millions of visits.
#[derive(Debug, Clone, Default)]
pub struct Names {
    list: Vec<Arc<str>>,
    index: HashMap<Box<str>, u32>,
}

impl Names {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&v) = self.index.get(name) {
            return v;
        }
        let v = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.list.push(Arc::from(name));
        self.index.insert(name.into(), v);
        v
    }

    /// Takes in the names of `other` (read from a later part of the same file): returns
    /// each one's number here, by its number there. Names new here are numbered in
    /// `other`'s order, as reading the parts in one go would have.
    pub fn absorb(&mut self, other: &Names) -> Vec<u32> {
        other.list.iter().map(|n| self.intern(n)).collect()
    }

    /// A visit ready to be filed into a log sharing these names: parsed, its visitor
    /// interned and its due id hashed (so a reading thread can do it while another files).
    #[allow(clippy::too_many_arguments)]
    pub fn prepare(
        &mut self,
        due_id: &str,
        at: NaiveDateTime,
        channel: Channel,
        outcome: Outcome,
        score: Option<f64>,
        signed: bool,
        visitor: &str,
    ) -> Prepared {
        Prepared {
            key: due_key(due_id),
            row: Row::new(
                at,
                channel,
                outcome,
                signed,
                score.unwrap_or(f64::NAN),
                self.intern(visitor),
            ),
        }
    }
}

/// A visit ready to be filed (see [`Names::prepare`]).
#[derive(Debug, Clone, Copy)]
pub struct Prepared {
    key: (u64, u64),
    row: Row,
}

impl AttemptLog {
    /// A log sized for about `rows` visits. The row array gets twice that: capacity never
    /// written costs address space, not memory, and growing would keep both copies.
    pub fn with_capacity(rows: usize) -> Self {
        Self::with_room(rows.saturating_mul(2))
    }

    /// A log for a part of a file, with room for exactly `rows` visits.
    pub fn with_room(rows: usize) -> Self {
        let mut log = AttemptLog::default();
        log.rows.reserve(rows);
        log.keys.reserve(rows);
        log
    }

    /// Files the visits of `later`, a part of the same file that follows the ones filed
    /// so far, whose visitors are numbered by `visitor` here (see [`Names::absorb`]). Like
    /// [`Self::file`], it does nothing once either log is frozen (both are read-only).
    pub fn append(&mut self, mut later: AttemptLog, visitor: &[u32]) {
        if self.frozen || later.frozen {
            return;
        }
        for row in later.rows.iter_mut().chain(later.later.iter_mut()) {
            if let Some(&v) = visitor.get(row.visitor as usize) {
                row.visitor = v;
            }
        }
        later.keys.append(&mut later.later_keys);
        later.rows.append(&mut later.later);
        if self.later.is_empty() {
            self.later = later.rows;
            self.later_keys = later.keys;
        } else {
            self.later.append(&mut later.rows);
            self.later_keys.append(&mut later.keys);
        }
    }

    /// The row at `at`, counted across `rows` and `later`.
    fn row(&self, at: u32) -> Option<&Row> {
        let at = at as usize;
        match at.checked_sub(self.rows.len()) {
            None => self.rows.get(at),
            Some(i) => self.later.get(i),
        }
    }

    /// [`Self::row`], to chain it.
    fn row_mut(&mut self, at: u32) -> Option<&mut Row> {
        let at = at as usize;
        match at.checked_sub(self.rows.len()) {
            None => self.rows.get_mut(at),
            Some(i) => self.later.get_mut(i),
        }
    }

    /// Adds one visit to the chain of `due_id`.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        due_id: &str,
        at: NaiveDateTime,
        channel: Channel,
        outcome: Outcome,
        score: Option<f64>,
        signed: bool,
        visitor: &str,
    ) {
        let p = self.names.prepare(due_id, at, channel, outcome, score, signed, visitor);
        self.file(p);
    }

    /// Files a prepared visit; it joins its item's chain, in log order, when the log is
    /// frozen (after [`AttemptLog::freeze`], the log is read-only and this does nothing).
    pub fn file(&mut self, p: Prepared) {
        if self.frozen {
            return;
        }
        // After the rows of an appended part, in log order.
        if self.later.is_empty() {
            self.keys.push(p.key);
            self.rows.push(p.row);
        } else {
            self.later_keys.push(p.key);
            self.later.push(p.row);
        }
    }

    /// Uses `names` for the visitors of visits filed after [`Names::prepare`] elsewhere.
    pub fn set_names(&mut self, names: Names) {
        self.names = names;
    }

    /// The attempts on `due_id`, in log order (`None` when it has none). The log answers
    /// once frozen.
    pub fn get(&self, due_id: &str) -> Option<Attempts<'_>> {
        debug_assert!(
            self.frozen || self.rows.is_empty() && self.later.is_empty(),
            "a visit log is read once frozen"
        );
        self.chain(self.index.get(&due_key(due_id)))
    }

    /// The heads of the attempt chains of many `keys` (from [`due_key`]) at once, into
    /// `heads` (for [`Self::chain`]). Their cache misses overlap, and each chain's first
    /// row is brought into the CPU caches too, ready for reading.
    pub fn heads_of(&self, keys: &[(u64, u64)], heads: &mut Vec<Option<u32>>) {
        debug_assert!(
            self.frozen || self.rows.is_empty() && self.later.is_empty(),
            "a visit log is read once frozen"
        );
        self.index.get_many(keys, heads);
        let mut touched = 0u32;
        for &at in heads.iter().flatten() {
            touched ^= self.row(at).map_or(0, |r| r.next);
        }
        std::hint::black_box(touched);
    }

    /// The attempts of a chain whose head [`Self::heads_of`] found (`None`: no attempts).
    pub fn chain(&self, head: Option<u32>) -> Option<Attempts<'_>> {
        head.map(|at| Attempts { log: self, at })
    }

    /// The attempts of `due_id`: from its head when it was looked up already (`Some`),
    /// else looked up now.
    pub fn of(&self, head: Option<Option<u32>>, due_id: &str) -> Option<Attempts<'_>> {
        match head {
            Some(h) => self.chain(h),
            None => self.get(due_id),
        }
    }

    /// Number of due items with at least one attempt (once frozen).
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Number of visits filed.
    pub fn visits(&self) -> usize {
        self.rows.len() + self.later.len()
    }

    /// True when no visit was logged.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ends filing: each item's rows are chained in log order and its first row goes into
    /// a read-only index (about one cache miss a look-up), and the name index is dropped.
    pub fn freeze(&mut self) {
        if !self.frozen {
            let keys = std::mem::take(&mut self.keys);
            let later_keys = std::mem::take(&mut self.later_keys);
            let index = Frozen::first_of_segments(&[&keys, &later_keys], |a, b| {
                if let Some(row) = self.row_mut(a) {
                    row.next = b;
                }
            });
            self.index = index;
            self.frozen = true;
        }
        self.names.index = HashMap::default();
    }
}

/// One attempt as the engine sees it.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    log: &'a AttemptLog,
    row: &'a Row,
}

impl Attempt<'_> {
    /// When.
    pub fn at(&self) -> NaiveDateTime {
        self.row.at()
    }

    /// What happened.
    pub fn outcome(&self) -> Outcome {
        self.row.outcome()
    }

    /// Through which channel.
    pub fn channel(&self) -> Channel {
        self.row.channel()
    }

    /// The attempt as a reached visit.
    pub fn reach(&self) -> Reach {
        let r = self.row;
        Reach {
            at: r.at(),
            channel: r.channel(),
            score: (!r.score.is_nan()).then_some(r.score),
            signed: r.signed(),
            visitor: Arc::clone(&self.log.names.list[r.visitor as usize]),
        }
    }
}

/// The attempts on one due item, in log order.
#[derive(Debug, Clone)]
pub struct Attempts<'a> {
    log: &'a AttemptLog,
    at: u32,
}

impl<'a> Iterator for Attempts<'a> {
    type Item = Attempt<'a>;
    fn next(&mut self) -> Option<Attempt<'a>> {
        let row = self.log.row(self.at)?;
        self.at = row.next;
        Some(Attempt { log: self.log, row })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A packed row gives back its time to the second, channel, outcome and signature,
    /// for every channel and outcome, at both ends of the day.
    #[test]
    fn a_row_keeps_what_it_packs() {
        let day = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        for seconds in [0, 1, 3599, 43_200, 86_399] {
            let at = day.and_time(NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0).unwrap());
            for channel in Channel::ALL {
                for outcome in Outcome::ALL {
                    for signed in [false, true] {
                        let r = Row::new(at, channel, outcome, signed, 4.5, 7);
                        assert_eq!(
                            (r.at(), r.channel(), r.outcome(), r.signed(), r.score, r.visitor, r.next),
                            (at, channel, outcome, signed, 4.5, 7, END)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn chains_keep_log_order_per_item() {
        let t = |s| crate::io::dates::parse_datetime(s).unwrap();
        let mut log = AttemptLog::default();
        log.record(
            "a",
            t("2026-11-02"),
            Channel::Phone,
            Outcome::NoAnswer,
            None,
            false,
            "王",
        );
        log.record(
            "b",
            t("2026-11-01"),
            Channel::Sms,
            Outcome::Reached,
            Some(4.5),
            false,
            "李",
        );
        log.record(
            "a",
            t("2026-11-03"),
            Channel::Onsite,
            Outcome::Reached,
            Some(90.0),
            true,
            "王",
        );
        log.freeze();
        let a: Vec<_> = log.get("a").unwrap().map(|x| (x.at(), x.outcome())).collect();
        assert_eq!(
            a,
            [
                (t("2026-11-02"), Outcome::NoAnswer),
                (t("2026-11-03"), Outcome::Reached)
            ]
        );
        let r = log.get("a").unwrap().nth(1).unwrap().reach();
        assert_eq!((r.score, r.signed, &*r.visitor), (Some(90.0), true, "王"));
        assert_eq!(log.get("b").unwrap().next().unwrap().reach().score, Some(4.5));
        assert!(log.get("c").is_none());
        assert_eq!(log.len(), 2);
        // Frozen, the log is read-only: a visit filed now is not taken.
        log.record(
            "c",
            t("2026-11-04"),
            Channel::Phone,
            Outcome::Reached,
            None,
            false,
            "王",
        );
        log.freeze();
        assert!(log.get("c").is_none());
        assert_eq!(log.len(), 2);
    }
}
