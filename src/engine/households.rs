//! Where each household's unit of one sampled period is (sampling by household keeps one
//! unit per customer and period, anchored on the customer's earliest order).
//!
//! Every order of a household rule asks this index, in random customer order. A yearly
//! pool holds most customers: as a hash map that is ~30 bytes a customer and a cache miss
//! each time; as a table indexed by customer position it is 8 bytes a customer, small
//! enough to stay mostly in the CPU's last-level cache. Small pools (a month of home
//! repairs) stay hash maps, so memory follows the units, not customers × periods.
//!
//! An anchor is kept as seconds since its period's start (a period is at most a year,
//! so this fits 32 bits), which is all the comparison of two anchors of one pool needs.

use rustc_hash::FxHashMap as HashMap;

/// Unit position and anchor (seconds since the period's start) per customer position.
#[derive(Debug, Default)]
pub struct Households {
    sparse: HashMap<u32, (u32, u32)>,
    /// Indexed by customer position once a sixteenth of all customers have a unit; a
    /// slot holds the unit's position plus one (0: none), so that the table starts as
    /// zeroed pages the kernel hands out as they are first written.
    dense: Vec<(u32, u32)>,
}

impl Households {
    /// The unit of customer `cust` and its anchor, if it has one.
    pub fn get(&self, cust: u32) -> Option<(u32, u32)> {
        if self.dense.is_empty() {
            self.sparse.get(&cust).copied()
        } else {
            match self.dense.get(cust as usize) {
                Some(&(at1, anchor_s)) if at1 != 0 => Some((at1 - 1, anchor_s)),
                // (The map keeps what the table cannot: see `set`.)
                _ => self.sparse.get(&cust).copied(),
            }
        }
    }

    /// Sets customer `cust`'s unit (one of `customers` customers).
    pub fn set(&mut self, cust: u32, at: u32, anchor_s: u32, customers: usize) {
        if self.dense.is_empty() {
            self.sparse.insert(cust, (at, anchor_s));
            // Dense from a sixteenth on: a hash map growing towards a quarter of a
            // million households copied itself into fresh pages at every doubling (5M
            // due: ~60 MB of first touches), and the table costs 8 bytes a customer.
            if self.sparse.len() > customers / 16 && customers > 0 {
                self.dense = vec![(0, 0); customers];
                let sparse = std::mem::take(&mut self.sparse);
                for (c, (at, anchor_s)) in sparse {
                    self.set(c, at, anchor_s, customers);
                }
            }
        } else if let Some(slot) = self.dense.get_mut(cust as usize) {
            if at == u32::MAX {
                // (A unit position of 2^32 - 1 has no room for the one added: kept apart.)
                *slot = (0, 0);
                self.sparse.insert(cust, (at, anchor_s));
            } else {
                *slot = (at + 1, anchor_s);
                if !self.sparse.is_empty() {
                    self.sparse.remove(&cust);
                }
            }
        } else {
            // A position past the table's end cannot come from the customer table; kept
            // all the same rather than lost.
            self.sparse.insert(cust, (at, anchor_s));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same answers as a plain map, before and after turning dense.
        #[test]
        fn answers_as_a_plain_map(sets in proptest::collection::vec((0u32..40, prop_oneof![0u32..1000, Just(u32::MAX)], any::<u32>()), 0..200)) {
            let mut h = Households::default();
            let mut plain = std::collections::HashMap::new();
            for (cust, at, anchor) in sets {
                h.set(cust, at, anchor, 40);
                plain.insert(cust, (at, anchor));
                for c in 0..45 {
                    prop_assert_eq!(h.get(c), plain.get(&c).copied());
                }
            }
        }
    }
}
