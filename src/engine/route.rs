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

/// Warms the caches for batches of orders (see the module's comment), with its buffers.
#[derive(Debug, Clone)]
pub struct Prefetcher<'a> {
    router: Router<'a>,
    keys: Vec<(u64, u64)>,
    found: Vec<Option<u32>>,
    candidates: Vec<usize>,
    id: String,
}

impl<'a> Prefetcher<'a> {
    /// A prefetcher routing with `router`.
    pub fn new(router: Router<'a>) -> Self {
        Prefetcher {
            router,
            keys: Vec::new(),
            found: Vec::new(),
            candidates: Vec::new(),
            id: String::new(),
        }
    }

    /// Looks up the due ids the batch's orders are likely to ask for (every step of every
    /// rule their kind routes them to), all together so that the misses overlap. Only a
    /// hint: nothing is remembered, and evaluation asks again.
    pub fn warm(&mut self, batch: &crate::model::OrderBatch) {
        let r = &self.router;
        self.keys.clear();
        for (order, _) in batch {
            r.candidates_into(r.kind_of(order), &mut self.candidates);
            let order_id = r.id_col.map_or("", |i| order.field(i)).trim();
            for &ci in &self.candidates {
                let Some((rule, steps)) = &r.plain_steps[ci] else {
                    continue;
                };
                for step in steps {
                    step_due_id(&mut self.id, rule, order_id, step);
                    self.keys.push(due_key(&self.id));
                }
            }
        }
        r.attempts.prefetch(&self.keys, &mut self.found);
    }
}
