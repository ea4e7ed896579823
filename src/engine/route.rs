//! Which rules an order can fall under (by its kind), and warming the visit log's caches
//! for a batch of orders ahead of their evaluation.
//!
//! The visit log is far larger than the CPU caches and is asked once per step of every
//! order: one look-up at a time, each waits on its own cache misses. So a batch's likely
//! due ids are looked up together first, with their misses overlapping, and the per-order
//! evaluation then finds them in cache.

use super::{step_due_id, Compiled};
use crate::calendar::period::{PeriodKind, Periods};
use crate::model::attempt_log::{due_key, AttemptLog};
use crate::model::Order;
use crate::rules::{CadenceTarget, Rule, SampleUnit};
use chrono::NaiveDateTime;
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;

/// Routes orders to the rules that can apply to them.
#[derive(Debug, Clone)]
pub struct Router<'a> {
    /// Company labels of kinds (lower-case) to canonical kinds (hashed: asked a few times
    /// per order).
    kind_map: HashMap<String, String>,
    kind_col: Option<usize>,
    id_col: Option<usize>,
    cust_col: Option<usize>,
    /// Rules by the (lower-case) kind they apply to, and the rules that take any kind.
    by_kind: HashMap<String, Vec<usize>>,
    any_kind: Vec<usize>,
    /// Per rule: how its due ids are made when the order alone tells them (not for
    /// cadences, whose ids come from slots and are not warmed).
    plain_steps: Vec<Option<StepIds<'a>>>,
    attempts: &'a AttemptLog,
}

/// The due ids of a rule's steps: `rule/unit/step`.
#[derive(Debug, Clone)]
struct StepIds<'a> {
    rule: &'a str,
    steps: Vec<&'a str>,
    /// For samples of households, whose unit is `customer@period` (the period of the
    /// first anchor): the sampling period (else the unit is the order id).
    household: Option<PeriodKind>,
}

impl<'a> Router<'a> {
    /// A router over `rules` (in evaluation order) for orders with these columns.
    pub fn new(
        rules: &[&'a Rule],
        kind_map: BTreeMap<String, String>,
        cols: OrderColumns,
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
            .map(|&r| {
                let household = r
                    .sample
                    .as_ref()
                    .filter(|s| s.unit == SampleUnit::Customer)
                    .map(|s| s.per);
                // A household's unit is named by the order's customer column: without
                // one, it is not known here.
                let known = household.is_none() || cols.customer.is_some();
                (r.cadence.is_none() && known).then(|| StepIds {
                    rule: r.id.as_str(),
                    steps: r.steps.iter().map(|s| s.name.as_str()).collect(),
                    household,
                })
            })
            .collect();
        Router {
            kind_map: kind_map
                .into_iter()
                .map(|(k, v)| (k.trim().to_lowercase(), v))
                .collect(),
            kind_col: cols.kind,
            id_col: cols.id,
            cust_col: cols.customer,
            by_kind,
            any_kind,
            plain_steps,
            attempts,
        }
    }

    /// The canonical kind of an order.
    pub fn kind_of<'o>(&'o self, order: &'o Order) -> &'o str {
        let raw = self.kind_col.map_or("", |i| order.field(i));
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
            .map_or(0, |ids| ids.steps.len())
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

/// Where the columns routing needs are in `orders.csv`.
#[derive(Debug, Clone, Copy)]
pub struct OrderColumns {
    /// `kind`.
    pub kind: Option<usize>,
    /// `order_id`.
    pub id: Option<usize>,
    /// `customer_id`.
    pub customer: Option<usize>,
}

/// Looks up a batch of orders ahead of their evaluation (see the module's comment): each
/// order's canonical kind, the rules that apply to it with what was found of each, and
/// the visit-log heads of their plain steps, in that order. Both read only the batch and
/// shared tables, so they are done on the reading thread (which has the order's fields in
/// its cache) while batches wait for evaluation, and on the evaluating thread when none
/// wait (see `io::csv::stream_prepared_batches`).
#[derive(Debug, Clone)]
pub struct Prefetcher<'a> {
    router: Router<'a>,
    compiled: std::sync::Arc<[Compiled<'a>]>,
    keys: Vec<(u64, u64)>,
    heads: Vec<Option<u32>>,
    /// The rules that apply (or whose anchor is not a date, which evaluation reports),
    /// and what routing found of each.
    candidates: Vec<usize>,
    verdicts: Vec<Verdict>,
    /// The orders' kinds end to end.
    kinds: String,
    /// Per order of the batch: where its candidates, its heads and its kind start.
    starts: Vec<(usize, usize, usize)>,
    id: String,
    unit: String,
    mine: Vec<usize>,
    periods: Periods,
    /// The kinds met so far as written in the file, with their canonical kind and
    /// candidate rules: an export has a handful, and comparing a few bytes costs less
    /// than the two hash look-ups that route a kind.
    routes: Vec<(String, String, Vec<usize>)>,
}

/// What routing found of a rule that an order's kind routes it to and that is not
/// skipped: the rule's `match`, anchor and dates in force are checked where the order's
/// fields are in cache, and a rule that does not apply is neither looked up nor
/// evaluated. (Exclusions are left to evaluation: checked here too, they made this
/// thread the slower of the two.)
#[derive(Debug, Clone, Copy)]
pub enum Verdict {
    /// It applies from this anchor.
    Applies(NaiveDateTime),
    /// Its first anchor is not a date: evaluation reports it.
    BadAnchor,
}

/// Kinds remembered by a [`Prefetcher`] at most (beyond, they are routed each time).
const ROUTES: usize = 64;

impl<'a> Prefetcher<'a> {
    /// A prefetcher routing with `router` to the rules `compiled` (the router's, in its
    /// order).
    pub fn new(router: Router<'a>, compiled: std::sync::Arc<[Compiled<'a>]>) -> Self {
        Prefetcher {
            router,
            compiled,
            keys: Vec::new(),
            heads: Vec::new(),
            candidates: Vec::new(),
            verdicts: Vec::new(),
            kinds: String::new(),
            starts: Vec::new(),
            id: String::new(),
            unit: String::new(),
            mine: Vec::new(),
            periods: Periods::default(),
            routes: Vec::new(),
        }
    }

    /// Routes every order of the batch and works out the keys of the due ids they can ask
    /// for (every step of every plain rule their kind routes them to).
    pub fn route(&mut self, batch: &crate::model::OrderBatch) {
        let r = &self.router;
        self.keys.clear();
        self.candidates.clear();
        self.verdicts.clear();
        self.kinds.clear();
        self.starts.clear();
        for (order, _) in batch {
            self.starts
                .push((self.candidates.len(), self.keys.len(), self.kinds.len()));
            let raw = r.kind_col.map_or("", |i| order.field(i));
            let known = match self.routes.iter().position(|(w, _, _)| w == raw) {
                Some(at) => Some(at),
                None if self.routes.len() < ROUTES => {
                    let kind = r.kind_of(order);
                    let mut rules = Vec::new();
                    r.candidates_into(kind, &mut rules);
                    self.routes.push((raw.to_string(), kind.to_string(), rules));
                    Some(self.routes.len() - 1)
                }
                None => None,
            };
            // The remembered rules are read where they are (not copied for each order).
            let mine: &[usize] = if let Some(at) = known {
                let (_, kind, rules) = &self.routes[at];
                self.kinds.push_str(kind);
                rules
            } else {
                let kind = r.kind_of(order);
                self.kinds.push_str(kind);
                r.candidates_into(kind, &mut self.mine);
                &self.mine
            };
            let order_id = r.id_col.map_or("", |i| order.field(i));
            for &ci in mine {
                let c = &self.compiled[ci];
                let verdict = match c.applies_routed(order) {
                    Ok(anchor) => Verdict::Applies(anchor),
                    Err(super::Skip::BadAnchor(..)) => Verdict::BadAnchor,
                    // Nothing to evaluate, nor to look up.
                    Err(_) => continue,
                };
                self.candidates.push(ci);
                self.verdicts.push(verdict);
                let Some(ids) = &r.plain_steps[ci] else {
                    continue;
                };
                let unit = match ids.household {
                    None => order_id,
                    Some(per) => {
                        // As the engine names it; an order whose anchor is not a date is
                        // skipped there, and its (empty) unit never asked for.
                        self.unit.clear();
                        if let (Verdict::Applies(d), Some(c)) = (verdict, r.cust_col) {
                            self.unit.push_str(order.field(c));
                            self.unit.push('@');
                            self.unit.push_str(self.periods.containing(per, d.date()).1);
                        }
                        &self.unit
                    }
                };
                // The steps' ids share "rule/unit/": written once, each step after it.
                step_due_id(&mut self.id, ids.rule, unit, "");
                let shared = self.id.len();
                for step in &ids.steps {
                    self.id.truncate(shared);
                    self.id.push_str(step);
                    self.keys.push(due_key(&self.id));
                }
            }
        }
        self.starts
            .push((self.candidates.len(), self.keys.len(), self.kinds.len()));
    }

    /// Looks up the keys [`Self::route`] worked out, all together so that the cache misses
    /// overlap.
    pub fn look_up_routed(&mut self) {
        self.router.attempts.heads_of(&self.keys, &mut self.heads);
    }

    /// The `k`-th order of the last batch: its canonical kind, the rules that apply with
    /// what was found of each, and its heads.
    pub fn order(&self, k: usize) -> (&str, &[usize], &[Verdict], &[Option<u32>]) {
        let ((c0, h0, k0), (c1, h1, k1)) = (self.starts[k], self.starts[k + 1]);
        (
            &self.kinds[k0..k1],
            &self.candidates[c0..c1],
            &self.verdicts[c0..c1],
            &self.heads[h0..h1],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::values::{Channel, Outcome};
    use crate::model::Customers;

    /// What is looked up ahead is exactly what evaluation would route and find itself:
    /// the rules an order's kind routes it to that apply (or whose anchor is not a date),
    /// with their anchors, and the visit-log heads of their plain steps.
    #[test]
    fn looked_up_batches_answer_as_single_look_ups() {
        let rules = crate::rules::load::load_all(&["rules/property.toml"], &Default::default())
            .expect("the shipped property rules load");
        let at = crate::io::dates::parse_datetime("2026-11-02 10:00").unwrap();
        let mut log = AttemptLog::default();
        for (id, channel, outcome, who) in [
            ("property.complaint/O1/1", Channel::Phone, Outcome::NoAnswer, "王"),
            ("property.complaint/O1/1", Channel::Phone, Outcome::Reached, "王"),
            ("property.repair/O2/1", Channel::Sms, Outcome::Reached, "李"),
            // A household sample's unit is the customer and the month of the first anchor.
            (
                "property.home_repair/C1@2026-11/1",
                Channel::Phone,
                Outcome::Reached,
                "赵",
            ),
            // An order without a closing date is not evaluated: nor is this looked up.
            ("property.complaint/O4/1", Channel::Phone, Outcome::Reached, "王"),
        ] {
            log.record(id, at, channel, outcome, None, false, who);
        }
        log.freeze();
        let mut customers = Customers::default();
        for id in ["C9", "C1"] {
            let _ = customers.push(id, "", "", "normal", std::iter::empty());
        }
        customers.freeze().unwrap();
        // The columns routing reads first, then the others the rules name (left empty).
        let more = [
            "severity",
            "anonymous",
            "reply_type",
            "category",
            "contract_start",
            "contract_mid",
            "contract_end",
        ];
        let headers = ["order_id", "kind", "customer_id", "closed_at"].iter().chain(&more);
        let schema = crate::model::Schema::new(headers.map(|h| h.to_string()).collect());
        let engine = super::super::Engine::new(
            super::super::Inputs {
                rules: &rules,
                customers: &customers,
                attempts: &log,
                schema: &schema,
                orders_path: "orders.csv".into(),
                as_of: at.date(),
                horizon: 0,
                keep_unselected: false,
            },
            std::sync::Arc::new(|_| true),
        )
        .expect("the columns are there");
        let router = &engine.sh.router;
        let order_of = |k: usize, (id, kind, cust, closed): (&str, &str, &str, &str)| {
            let mut o = Order::default();
            o.refill(
                k as u64 + 2,
                [id, kind, cust, closed].into_iter().chain(more.map(|_| "")),
            );
            (o, usize::from(cust == "C1"))
        };
        // The rules routing should keep for an order, with their verdicts.
        let applying = |order: &Order| -> Vec<(usize, Option<NaiveDateTime>)> {
            let mut all = Vec::new();
            router.candidates_into(router.kind_of(order), &mut all);
            all.into_iter()
                .filter_map(|ci| match engine.sh.compiled[ci].applies_routed(order) {
                    Ok(a) => Some((ci, Some(a))),
                    Err(super::super::Skip::BadAnchor(..)) => Some((ci, None)),
                    Err(_) => None,
                })
                .collect()
        };
        let verdict = |v: &Verdict| match v {
            Verdict::Applies(a) => Some(*a),
            Verdict::BadAnchor => None,
        };
        let batch: Vec<(Order, usize)> = [
            ("O1", "complaint", "C9", "2026-11-01 09:00"),
            ("O2", "Repair", "C9", "2026-09-20 09:00"),
            ("O3", "no such kind", "C9", "2026-11-01 09:00"),
            ("O4", "complaint", "C9", ""),
            ("O8", "complaint", "C9", "last week"),
            ("O5", "home_repair", "C1", "2026-11-30 18:00"),
            ("O6", "home_repair", "C1", "2026-12-01 08:00"),
            ("O7", "home_repair", "C1", ""),
        ]
        .into_iter()
        .enumerate()
        .map(|(k, o)| order_of(k, o))
        .collect();
        let mut ahead = engine.prefetcher();
        ahead.route(&batch);
        ahead.look_up_routed();
        let (mut found, mut bad) = (0, 0);
        for (k, (order, _)) in batch.iter().enumerate() {
            let (kind, candidates, verdicts, heads) = ahead.order(k);
            assert_eq!(kind, router.kind_of(order));
            let got: Vec<_> = candidates.iter().copied().zip(verdicts.iter().map(verdict)).collect();
            assert_eq!(got, applying(order), "{}", order.field(0));
            bad += verdicts.iter().filter(|v| matches!(v, Verdict::BadAnchor)).count();
            let mut i = 0;
            for &ci in candidates {
                let ids = router.plain_steps[ci].as_ref();
                let unit = match ids.and_then(|i| i.household) {
                    Some(_) => format!("{}@{}", order.field(2), &order.field(3)[..7]),
                    None => order.field(0).to_string(),
                };
                for step in ids.iter().flat_map(|ids| &ids.steps) {
                    let id = format!("{}/{unit}/{step}", engine.sh.compiled[ci].rule.id);
                    let one: Option<Vec<_>> = log.get(&id).map(|a| a.map(|x| x.outcome()).collect());
                    let ahead: Option<Vec<_>> = log.chain(heads[i]).map(|a| a.map(|x| x.outcome()).collect());
                    assert_eq!(ahead, one, "{id}");
                    found += usize::from(one.is_some());
                    i += 1;
                }
                assert_eq!(
                    router.plain_step_count(ci),
                    router.plain_steps[ci].as_ref().map_or(0, |ids| ids.steps.len())
                );
            }
            assert_eq!(i, heads.len());
        }
        assert_eq!(found, 3, "O1's complaint, O2's repair and O5's household have visits");
        assert!(bad > 0, "O8's closing date is kept for evaluation to report");
        // More kinds than are remembered, in any case: routed as without the memory,
        // before and after it is full.
        let kinds: Vec<String> = (0..ROUTES + 6)
            .map(|k| format!("kind-{k}"))
            .chain(["Complaint", "complaint", "REPAIR", "repair", "kind-3"].map(String::from))
            .collect();
        let batch: Vec<(Order, usize)> = kinds
            .iter()
            .enumerate()
            .map(|(k, kind)| order_of(k, ("O1", kind, "C9", "2026-11-01 09:00")))
            .collect();
        ahead.route(&batch);
        for (k, (order, _)) in batch.iter().enumerate() {
            assert_eq!(ahead.order(k).0, router.kind_of(order), "{}", kinds[k]);
            let got: Vec<_> = ahead
                .order(k)
                .1
                .iter()
                .copied()
                .zip(ahead.order(k).2.iter().map(verdict))
                .collect();
            assert_eq!(got, applying(order), "{}", kinds[k]);
        }
    }
}
