//! The customer table held in memory: a million rows, so it is packed — one text buffer,
//! a fixed-size row per customer, flags only for the few who have any, and an index keyed
//! by a 128-bit XXH3 hash of the id. The index is trusted without reading the stored id
//! back (that read cost two cache misses per order): a look-up takes one id for another
//! with odds of about 2 in 10^19 (see [`super::frozen`]), the same trust the visit log
//! puts in its due-id keys.

use super::frozen::{key128, Frozen};
use rustc_hash::FxHashMap as HashMap;

/// A row: where its fields sit in the text buffer.
#[derive(Debug, Clone, Copy)]
struct Row {
    start: u64,
    /// Ends of id, name, phone, segment, relative to `start`.
    ends: [u32; 4],
}

/// Every customer, in file order, with an id index.
#[derive(Debug, Clone, Default)]
pub struct Customers {
    text: String,
    rows: Vec<Row>,
    flags: HashMap<u32, Box<[Box<str>]>>,
    /// Bit `i` set: customer `i` has flags. Most have none, and every rule of every order
    /// asks: a bit in a 128 KB table answers without probing the map.
    flagged: Vec<u64>,
    /// The rows' id keys in order while the table is filled (unchecked: a hash-map probe
    /// per row took most of the time of reading a million customers) ...
    keys: Vec<(u64, u64)>,
    /// ... and once it is complete, a read-only index built for random look-ups.
    index: Frozen<(u64, u64), u32>,
    frozen: bool,
}

impl Customers {
    /// A table sized for about `rows` customers of `bytes` bytes of text.
    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        let mut c = Customers::default();
        c.rows.reserve(rows);
        c.keys.reserve(rows);
        c.text.reserve(bytes);
        c
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The customer at position `i`.
    pub fn get(&self, i: usize) -> Customer<'_> {
        Customer { table: self, i }
    }

    /// Reads these customers' rows, then their text, each in a tight loop, so that the
    /// cache misses of many random customers overlap instead of stalling one by one (a
    /// due list names customers in deadline order, all over a large table).
    pub fn warm(&self, positions: impl Iterator<Item = usize> + Clone) {
        let mut seen = 0u64;
        for i in positions.clone() {
            seen ^= self.rows.get(i).map_or(0, |r| r.start);
        }
        let text = self.text.as_bytes();
        for i in positions {
            let at = self
                .rows
                .get(i)
                .map_or(usize::MAX, |r| usize::try_from(r.start).unwrap_or(usize::MAX));
            seen ^= u64::from(text.get(at).copied().unwrap_or(0));
        }
        std::hint::black_box(seen);
    }

    /// Reads these customers' words of the flag bitset in a tight loop: every rule of
    /// every order asks whether its customer has flags, and the bitset (a bit per
    /// customer) is not in a core's nearest caches, so one read at a time stalls.
    pub fn warm_flags(&self, positions: impl Iterator<Item = usize>) {
        let seen = positions.fold(0u64, |a, i| a ^ self.flagged.get(i / 64).copied().unwrap_or(0));
        std::hint::black_box(seen);
    }

    /// Every customer, in file order.
    pub fn iter(&self) -> impl Iterator<Item = Customer<'_>> {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The position of customer `id` (before [`Self::freeze`], found by a scan: the
    /// table is meant to be read once frozen).
    pub fn position(&self, id: &str) -> Option<usize> {
        self.at(&key128(id.as_bytes())).map(|i| i as usize)
    }

    /// The position of the customer with id key `key`.
    fn at(&self, key: &(u64, u64)) -> Option<u32> {
        if self.frozen {
            self.index.get(key)
        } else {
            self.keys
                .iter()
                .position(|k| k == key)
                .and_then(|i| u32::try_from(i).ok())
        }
    }

    /// The index key of customer id `id` (see [`Self::positions_of`]).
    pub fn key(id: &str) -> (u64, u64) {
        key128(id.as_bytes())
    }

    /// The positions of the customers with these [`Self::key`]s, into `out` (cleared
    /// first): looked up together, so that their cache misses overlap.
    pub fn positions_of(&self, keys: &[(u64, u64)], out: &mut Vec<Option<u32>>) {
        if self.frozen {
            self.index.get_many(keys, out);
        } else {
            out.clear();
            out.extend(keys.iter().map(|k| self.at(k)));
        }
    }

    /// Ends loading: the ids are indexed (customers cannot be added afterwards). Fails,
    /// leaving the table as it was, when two rows have the same id: the positions of the
    /// first such pair found.
    pub fn freeze(&mut self) -> Result<(), (usize, usize)> {
        if self.frozen {
            return Ok(());
        }
        let mut repeat = None;
        let index = Frozen::first_of(&self.keys, |a, b| {
            repeat.get_or_insert((a as usize, b as usize));
        });
        if let Some(pair) = repeat {
            return Err(pair);
        }
        self.index = index;
        self.keys = Vec::new();
        self.frozen = true;
        Ok(())
    }

    /// Adds a customer (`segment` and `flags` as given: the reader folds case) and returns
    /// its position; `None` once the table is frozen. Ids are not checked here: see
    /// [`Self::freeze`].
    pub fn push<'f>(
        &mut self,
        id: &str,
        name: &str,
        phone: &str,
        segment: &str,
        flags: impl Iterator<Item = &'f str>,
    ) -> Option<usize> {
        if self.frozen {
            return None;
        }
        let at = u32::try_from(self.rows.len()).unwrap_or(u32::MAX);
        self.keys.push(key128(id.as_bytes()));
        let start = self.text.len();
        let mut ends = [0u32; 4];
        for (e, f) in ends.iter_mut().zip([id, name, phone, segment]) {
            self.text.push_str(f);
            *e = u32::try_from(self.text.len() - start).unwrap_or(u32::MAX);
        }
        self.rows.push(Row {
            start: start as u64,
            ends,
        });
        let flags: Box<[Box<str>]> = flags.map(Box::from).collect();
        if !flags.is_empty() {
            self.flags.insert(at, flags);
            let (word, bit) = (at as usize / 64, at % 64);
            if self.flagged.len() <= word {
                self.flagged.resize(word + 1, 0);
            }
            self.flagged[word] |= 1 << bit;
        }
        Some(at as usize)
    }
}

/// One customer (one row of `customers.csv`).
#[derive(Debug, Clone, Copy)]
pub struct Customer<'a> {
    table: &'a Customers,
    i: usize,
}

impl<'a> Customer<'a> {
    fn field(&self, k: usize) -> &'a str {
        let row = &self.table.rows[self.i];
        let from = if k == 0 { 0 } else { row.ends[k - 1] as usize };
        let start = usize::try_from(row.start).unwrap_or(usize::MAX);
        self.table
            .text
            .get(start + from..start + row.ends[k] as usize)
            .unwrap_or("")
    }

    /// `customer_id`, unique.
    pub fn id(&self) -> &'a str {
        self.field(0)
    }

    /// `name`.
    pub fn name(&self) -> &'a str {
        self.field(1)
    }

    /// `phone`.
    pub fn phone(&self) -> &'a str {
        self.field(2)
    }

    /// `segment` (lower-cased), e.g. normal, key, vip.
    pub fn segment(&self) -> &'a str {
        self.field(3)
    }

    /// True when the customer carries `flag` (flags are lower-cased).
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags().iter().any(|x| &**x == flag)
    }

    /// Every flag the customer carries (lower-cased), usually none.
    pub fn flags(&self) -> &'a [Box<str>] {
        let i = self.i;
        if self.table.flagged.get(i / 64).is_none_or(|w| (w >> (i % 64)) & 1 == 0) {
            return &[];
        }
        u32::try_from(i)
            .ok()
            .and_then(|i| self.table.flags.get(&i))
            .map_or(&[], |f| &f[..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_flags_and_duplicates() {
        let mut c = Customers::default();
        assert_eq!(c.push("C1", "王芳", "138", "vip", ["deceased"].into_iter()), Some(0));
        assert_eq!(c.push("C2", "", "", "normal", std::iter::empty()), Some(1));
        let mut repeated = c.clone();
        assert_eq!(repeated.push("C3", "", "", "", std::iter::empty()), Some(2));
        assert_eq!(repeated.push("C1", "x", "y", "z", std::iter::empty()), Some(3));
        assert_eq!(repeated.freeze(), Err((0, 3)));
        assert_eq!(repeated.position("C3"), Some(2));
        assert_eq!(c.freeze(), Ok(()));
        let a = c.get(0);
        assert_eq!((a.id(), a.name(), a.phone(), a.segment()), ("C1", "王芳", "138", "vip"));
        assert!(a.has_flag("deceased") && !c.get(1).has_flag("deceased"));
        assert_eq!((c.position("C2"), c.position("C3")), (Some(1), None));
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn frozen_table_finds_the_same_positions() {
        let mut c = Customers::default();
        for i in 0..1000 {
            c.push(&format!("C{i}"), "", "", "", std::iter::empty()).unwrap();
        }
        let before: Vec<_> = (0..1100).map(|i| c.position(&format!("C{i}"))).collect();
        assert_eq!(c.freeze(), Ok(()));
        let after: Vec<_> = (0..1100).map(|i| c.position(&format!("C{i}"))).collect();
        assert_eq!(before, after);
        assert_eq!((after[999], after[1000]), (Some(999), None));
        assert_eq!(c.push("C5000", "", "", "", std::iter::empty()), None);
    }
}
