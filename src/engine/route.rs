//! Which rules an order can fall under (by its kind), and warming the visit log's caches
//! for a batch of orders ahead of their evaluation.
//!
//! The visit log is far larger than the CPU caches and is asked once per step of every
//! order: one look-up at a time, each waits on its own cache misses. So a batch's likely
//! due ids are looked up together first, with their misses overlapping, and the per-order
//! evaluation then finds them in cache.

use super::step_due_id;
use crate::model::attempt_log::{due_key, AttemptLog};
use crate::model::Order;
use crate::rules::{CadenceTarget, Rule, SampleUnit};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;

/// Routes orders to the rules that can apply to them.
#[derive(Debug, Clone)]
pub struct Router<'a> {
    /// Company labels of kinds (lower-case) to canonical kinds.
    kind_map: BTreeMap<String, String>,
    kind_col: Option<usize>,
    id_col: Option<usize>,
    /// Rules by the (lower-case) kind they apply to, and the rules that take any kind.
    by_kind: HashMap<String, Vec<usize>>,
    any_kind: Vec<usize>,
    /// Per rule: its id and step names when its due ids are `rule/order/step` (not
    /// cadences or households, whose ids are made otherwise and are not warmed).
    plain_steps: Vec<Option<(&'a str, Vec<&'a str>)>>,
    attempts: &'a AttemptLog,
}

impl<'a> Router<'a> {
    /// A router over `rules` (in evaluation order) for orders with these columns.
    pub fn new(
        rules: &[&'a Rule],
        kind_map: BTreeMap<String, String>,
        kind_col: Option<usize>,
        id_col: Option<usize>,
        attempts: &'a AttemptLog,
    ) -> Self {
        let mut by_kind: HashMap<String, Vec<usize>> = HashMap::default();
        let mut any_kind = Vec::new();
        for (ci, rule) in rules.iter().enumerate() {
            // Customer cadences are not driven by orders.
            if rule
                .cadence
                .as_ref()
                .is_some_and(|cd| !matches!(cd.target, CadenceTarget::Orders))
            {
                continue;
            }
            if rule.kinds.is_empty() {
                any_kind.push(ci);
            }
            for k in &rule.kinds {
                by_kind.entry(k.to_ascii_lowercase()).or_default().push(ci);
            }
        }
        let plain_steps = rules
            .iter()
            .map(|r| {
                let household = r.sample.as_ref().is_some_and(|s| s.unit == SampleUnit::Customer);
                (r.cadence.is_none() && !household)
                    .then(|| (r.id.as_str(), r.steps.iter().map(|s| s.name.as_str()).collect()))
            })
            .collect();
        Router {
            kind_map: kind_map
                .into_iter()
                .map(|(k, v)| (k.trim().to_lowercase(), v))
                .collect(),
            kind_col,
            id_col,
            by_kind,
            any_kind,
            plain_steps,
            attempts,
        }
    }

    /// The canonical kind of an order.
    pub fn kind_of<'o>(&'o self, order: &'o Order) -> &'o str {
        let raw = self.kind_col.map_or("", |i| order.field(i).trim());
        // Lower-casing allocates: only do it when the label has upper-case letters.
        let hit = if raw.bytes().any(|b| b.is_ascii_uppercase()) {
            self.kind_map.get(&raw.to_ascii_lowercase())
        } else {
            self.kind_map.get(raw)
        };
        hit.map_or(raw, String::as_str)
    }

    /// How many due ids of rule `ci` are looked up ahead per order: its steps when its ids
    /// are `rule/order/step`, else 0.
    pub fn plain_step_count(&self, ci: usize) -> usize {
        self.plain_steps
            .get(ci)
            .and_then(Option::as_ref)
            .map_or(0, |(_, steps)| steps.len())
    }

    /// The rules that can apply to an order of (canonical) `kind`, in file order.
    pub fn candidates_into(&self, kind: &str, out: &mut Vec<usize>) {
        out.clear();
        let hit = if kind.bytes().any(|b| b.is_ascii_uppercase()) {
            self.by_kind.get(&kind.to_ascii_lowercase())
        } else {
            self.by_kind.get(kind)
        };
        if let Some(v) = hit {
            out.extend_from_slice(v);
        }
        if !self.any_kind.is_empty() {
            out.extend(&self.any_kind);
            // Rules are evaluated in file order, whichever list they came from.
            out.sort_unstable();
        }
    }
}

/// Looks up a batch of orders ahead of their evaluation (see the module's comment): each
/// order's candidate rules and the visit-log heads of their plain steps, in that order.
#[derive(Debug, Clone)]
pub struct Prefetcher<'a> {
    router: Router<'a>,
    keys: Vec<(u64, u64)>,
    heads: Vec<Option<u32>>,
    candidates: Vec<usize>,
    /// Per order of the batch: where its candidates and its heads start.
    starts: Vec<(usize, usize)>,
    id: String,
    mine: Vec<usize>,
}

impl<'a> Prefetcher<'a> {
    /// A prefetcher routing with `router`.
    pub fn new(router: Router<'a>) -> Self {
        Prefetcher {
            router,
            keys: Vec::new(),
            heads: Vec::new(),
            candidates: Vec::new(),
            starts: Vec::new(),
            id: String::new(),
            mine: Vec::new(),
        }
    }

    /// Routes every order of the batch and looks up the due ids they can ask for (every
    /// step of every plain rule their kind routes them to), all together so that the
    /// cache misses overlap.
    pub fn look_up(&mut self, batch: &crate::model::OrderBatch) {
        let r = &self.router;
        self.keys.clear();
        self.candidates.clear();
        self.starts.clear();
        let mine = &mut self.mine;
        for (order, _) in batch {
            self.starts.push((self.candidates.len(), self.keys.len()));
            r.candidates_into(r.kind_of(order), mine);
            self.candidates.extend_from_slice(mine);
            let order_id = r.id_col.map_or("", |i| order.field(i)).trim();
            for &ci in mine.iter() {
                let Some((rule, steps)) = &r.plain_steps[ci] else {
                    continue;
                };
                for step in steps {
                    step_due_id(&mut self.id, rule, order_id, step);
                    self.keys.push(due_key(&self.id));
                }
            }
        }
        self.starts.push((self.candidates.len(), self.keys.len()));
        r.attempts.heads_of(&self.keys, &mut self.heads);
    }

    /// The `k`-th order of the last batch: its candidate rules and its heads.
    pub fn order(&self, k: usize) -> (&[usize], &[Option<u32>]) {
        let ((c0, h0), (c1, h1)) = (self.starts[k], self.starts[k + 1]);
        (&self.candidates[c0..c1], &self.heads[h0..h1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::values::{Channel, Outcome};

    /// What is looked up ahead is exactly what evaluation would route and find itself.
    #[test]
    fn looked_up_batches_answer_as_single_look_ups() {
        let set = crate::rules::load::load_one(std::path::Path::new("rules/property.toml"), &Default::default())
            .expect("the shipped property rules load");
        let rules: Vec<&Rule> = set.rules.iter().collect();
        let at = crate::io::dates::parse_datetime("2026-11-02 10:00").unwrap();
        let mut log = AttemptLog::default();
        log.record(
            "property.complaint/O1/1",
            at,
            Channel::Phone,
            Outcome::NoAnswer,
            None,
            false,
            "王",
        );
        log.record(
            "property.complaint/O1/1",
            at,
            Channel::Phone,
            Outcome::Reached,
            None,
            false,
            "王",
        );
        log.record(
            "property.repair/O2/1",
            at,
            Channel::Sms,
            Outcome::Reached,
            None,
            false,
            "李",
        );
        log.freeze();
        // Columns: order_id, kind.
        let router = Router::new(&rules, BTreeMap::new(), Some(1), Some(0), &log);
        let batch: Vec<(Order, usize)> = [
            ("O1", "complaint"),
            ("O2", "Repair"),
            ("O3", "no such kind"),
            ("O4", ""),
        ]
        .iter()
        .enumerate()
        .map(|(k, (id, kind))| {
            let mut o = Order::default();
            o.refill(k as u64 + 2, [*id, *kind]);
            (o, 0)
        })
        .collect();
        let mut ahead = Prefetcher::new(router.clone());
        ahead.look_up(&batch);
        let mut found = 0;
        for (k, (order, _)) in batch.iter().enumerate() {
            let (candidates, heads) = ahead.order(k);
            let mut want = Vec::new();
            router.candidates_into(router.kind_of(order), &mut want);
            assert_eq!(candidates, want.as_slice());
            let mut i = 0;
            for &ci in candidates {
                for step in router.plain_steps[ci].iter().flat_map(|(_, s)| s) {
                    let id = format!("{}/{}/{step}", rules[ci].id, order.field(0));
                    let one: Option<Vec<_>> = log.get(&id).map(|a| a.map(|x| x.outcome()).collect());
                    let ahead: Option<Vec<_>> = log.chain(heads[i]).map(|a| a.map(|x| x.outcome()).collect());
                    assert_eq!(ahead, one, "{id}");
                    found += usize::from(one.is_some());
                    i += 1;
                }
                assert_eq!(
                    router.plain_step_count(ci),
                    router.plain_steps[ci].as_ref().map_or(0, |(_, s)| s.len())
                );
            }
            assert_eq!(i, heads.len());
        }
        assert_eq!(found, 2, "O1's complaint and O2's repair have visits");
    }
}
