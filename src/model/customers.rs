//! The customer table held in memory: a million rows, so it is packed — one text buffer,
//! a fixed-size row per customer, flags only for the few who have any, and an index keyed
//! by a 64-bit hash of the id (checked against the stored id, so a hash collision can
//! never mix two customers up).

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
    by_hash: HashMap<u64, u32>,
    /// Ids whose hash another id already took (almost never used, but exact).
    spill: HashMap<Box<str>, u32>,
}

fn hash(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

impl Customers {
    /// A table sized for about `rows` customers of `bytes` bytes of text.
    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        let mut c = Customers::default();
        c.rows.reserve(rows);
        c.by_hash.reserve(rows);
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

    /// Every customer, in file order.
    pub fn iter(&self) -> impl Iterator<Item = Customer<'_>> {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The position of customer `id`.
    pub fn position(&self, id: &str) -> Option<usize> {
        match self.by_hash.get(&hash(id)) {
            Some(&i) if self.get(i as usize).id() == id => Some(i as usize),
            Some(_) => self.spill.get(id).map(|&i| i as usize),
            None => None,
        }
    }

    /// Adds a customer (`segment` and `flags` as given: the reader folds case); returns
    /// its position, or the position of the customer that already has this id.
    pub fn push<'f>(
        &mut self,
        id: &str,
        name: &str,
        phone: &str,
        segment: &str,
        flags: impl Iterator<Item = &'f str>,
    ) -> Result<usize, usize> {
        if let Some(i) = self.position(id) {
            return Err(i);
        }
        let at = u32::try_from(self.rows.len()).unwrap_or(u32::MAX);
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
        match self.by_hash.entry(hash(id)) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(at);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.spill.insert(id.into(), at);
            }
        }
        let flags: Box<[Box<str>]> = flags.map(Box::from).collect();
        if !flags.is_empty() {
            self.flags.insert(at, flags);
        }
        Ok(at as usize)
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
        u32::try_from(self.i)
            .ok()
            .and_then(|i| self.table.flags.get(&i))
            .is_some_and(|f| f.iter().any(|x| &**x == flag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_flags_and_duplicates() {
        let mut c = Customers::default();
        assert_eq!(c.push("C1", "王芳", "138", "vip", ["deceased"].into_iter()), Ok(0));
        assert_eq!(c.push("C2", "", "", "normal", std::iter::empty()), Ok(1));
        assert_eq!(c.push("C1", "x", "y", "z", std::iter::empty()), Err(0));
        let a = c.get(0);
        assert_eq!((a.id(), a.name(), a.phone(), a.segment()), ("C1", "王芳", "138", "vip"));
        assert!(a.has_flag("deceased") && !c.get(1).has_flag("deceased"));
        assert_eq!((c.position("C2"), c.position("C3")), (Some(1), None));
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn a_hash_collision_still_finds_the_right_customer() {
        let mut c = Customers::default();
        c.push("A", "a", "", "", std::iter::empty()).unwrap();
        // Force B into the spill map as if its hash had collided with A's.
        c.rows.push(Row {
            start: c.text.len() as u64,
            ends: [1, 2, 2, 2],
        });
        c.text.push_str("Bb");
        c.spill.insert("B".into(), 1);
        assert_eq!((c.position("A"), c.position("B")), (Some(0), None));
        c.by_hash.insert(hash("B"), 0);
        assert_eq!(c.position("B"), Some(1));
    }
}
