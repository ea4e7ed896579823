//! The sampling pools of a run: one per sampled rule and period, filled as orders stream
//! by and drawn by [`super::Engine::finish`].
//!
//! Every order of a sampled rule asks for its pool, most of them several times. Orders
//! come roughly in date order, so each rule's latest pool is remembered and most asks
//! end there, without hashing the key or working out the period again.

use super::{households::Households, Pool};
use crate::calendar::period::Period;
use rustc_hash::FxHashMap as HashMap;

/// Pools by rule (its position among the compiled rules) and period.
#[derive(Debug, Default)]
pub struct Pools {
    list: Vec<((usize, Period), Pool)>,
    at: HashMap<(usize, Period), usize>,
    /// Per rule: its latest pool, by position in `list`.
    latest: Vec<Option<usize>>,
    /// Room made in a new pool for this many times the rule's largest pool so far, less
    /// one (0: as large; 1: twice, when the pools are of part of the orders and will be
    /// merged with another part's, see [`super::Engine::absorb`]).
    more_room: usize,
}

impl Pools {
    /// Pools of one part of the orders, to be merged with those of the others: a new pool
    /// has room for twice its rule's largest so far, so that a merge into it is not a
    /// copy of both into fresh pages.
    pub fn of_part() -> Self {
        Pools {
            more_room: 1,
            ..Pools::default()
        }
    }

    /// The position of rule `ci`'s pool for `period` (a new, empty one if it has none).
    pub fn index(&mut self, ci: usize, period: Period) -> usize {
        if let Some(&Some(i)) = self.latest.get(ci) {
            if self.list[i].0 == (ci, period) {
                return i;
            }
        }
        let i = match self.at.get(&(ci, period)) {
            Some(&i) => i,
            None => {
                // Sized like the rule's largest pool so far: a pool of a million units
                // grown by doubling copies itself into fresh pages again and again. (Not
                // the period before: anchors come only roughly in time order, so it is
                // still filling when the next one starts.)
                let before = self
                    .list
                    .iter()
                    .filter(|((c, _), _)| *c == ci)
                    .map(|(_, (units, _))| units.len())
                    .max()
                    .unwrap_or(0);
                let units = Vec::with_capacity((before + before / 8) * (1 + self.more_room));
                self.at.insert((ci, period), self.list.len());
                self.list.push(((ci, period), (units, Households::default())));
                self.list.len() - 1
            }
        };
        if self.latest.len() <= ci {
            self.latest.resize(ci + 1, None);
        }
        self.latest[ci] = Some(i);
        i
    }

    /// Rule `ci`'s pool holding `date`, if it has one (`period` works the period out
    /// when it is not the rule's latest).
    pub fn find(&self, ci: usize, date: chrono::NaiveDate, period: impl FnOnce() -> Period) -> Option<&Pool> {
        if let Some(&Some(i)) = self.latest.get(ci) {
            if self.list[i].0 .1.contains(date) {
                return Some(&self.list[i].1);
            }
        }
        self.at.get(&(ci, period())).map(|&i| &self.list[i].1)
    }

    /// The pool at `i` (from [`Self::index`]).
    pub fn get_mut(&mut self, i: usize) -> &mut Pool {
        &mut self.list[i].1
    }

    /// Every pool with its key, in no particular order.
    pub fn into_list(self) -> Vec<((usize, Period), Pool)> {
        self.list
    }
}
