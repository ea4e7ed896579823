//! Compliance metrics over a period (pure): counts and rates per rule and step (or per
//! department, staff, visitor or assignee), targets and grades, channel mix, role shares
//! and the attention lists. The exact definitions are in the README ("Definitions").

pub mod targets;

use crate::calendar::period::Period;
use crate::engine::Evaluated;
use crate::model::due::Resolution;
use crate::model::{KeptVisits, Visit};
use crate::rules::Rules;
use chrono::NaiveDate;
use targets::{check_targets, grade, TargetCheck};

/// How rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum GroupBy {
    /// Rule and step.
    #[default]
    Rule,
    /// The order's `department`.
    Department,
    /// The order's `staff`.
    Staff,
    /// Who made the first reaching (or, failing that, the first) visit.
    Visitor,
    /// The item's assignee.
    Assignee,
}

/// Counts and rates of one group.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Metrics {
    /// Group key (rule/step, department, …).
    pub group: String,
    /// Rule id (by rule only).
    pub rule: String,
    /// Step (by rule only).
    pub step: String,
    /// Items generated, before sampling and exclusions.
    pub population: u64,
    /// Removed by exclusions.
    pub excluded: u64,
    /// Required: not excluded and (if sampled) selected.
    pub required: u64,
    /// Required with at least one attempt.
    pub visited: u64,
    /// Required with a reached attempt.
    pub reached: u64,
    /// Reached on or before the window's end.
    pub on_time: u64,
    /// Reached after the window's end.
    pub late: u64,
    /// Required, not reached, and closed (refused or unreachable) or past the window.
    pub missed: u64,
    /// Part of missed: refused.
    pub refused: u64,
    /// Part of missed: attempts exhausted.
    pub unreachable: u64,
    /// Required, not reached, not closed, window not ended.
    pub open: u64,
    /// visited / (population − excluded).
    pub visit_rate: Option<f64>,
    /// reached / visited.
    pub success_rate: Option<f64>,
    /// on_time / required.
    pub on_time_rate: Option<f64>,
    /// Reached items with a score.
    pub scored: u64,
    /// Mean score over scored reached items.
    pub score_avg: Option<f64>,
    /// Share of scored items at or above the rule's satisfaction threshold.
    pub satisfied_rate: Option<f64>,
    /// Grade of the mean score.
    pub grade: String,
    /// Targets checked (by rule only).
    pub targets: Vec<TargetCheck>,
    /// Consequence bands that apply (`[[band]]`, e.g. satisfaction > 90% → bonus).
    pub bands: Vec<String>,
    /// Rule-file version (by rule only).
    pub version: String,
    /// The scores' sum in units of 2^-32 (each score rounded to that once): a sum of
    /// integers is the same in any order, so a report folded in parts adds up as one.
    #[serde(skip)]
    score_sum: i128,
    #[serde(skip)]
    satisfied: u64,
}

/// Units of a score in [`Metrics`]' sum: 2^32.
const SCORE_UNIT: f64 = 4_294_967_296.0;

/// A score in units of 2^-32 (scores are checked against their rule's scale, so they are
/// far below 2^63 units).
fn score_units(s: f64) -> i128 {
    (s * SCORE_UNIT).round() as i128
}

/// The kinds whose repeats (per customer and category) the attention list shows.
const REPEAT_KINDS: [&str; 2] = ["complaint", "repair"];

/// A row's key when grouped by rule: `rule/step`.
fn push_rule_key(key: &mut String, rule: &str, step: &str) {
    key.push_str(rule);
    key.push('/');
    key.push_str(step);
}

fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

impl Metrics {
    fn add(&mut self, e: &Evaluated, satisfied_at: f64, as_of: NaiveDate) {
        self.population += 1;
        if e.excluded.is_some() {
            self.excluded += 1;
        }
        if !e.required() {
            return;
        }
        self.required += 1;
        if e.attempts > 0 {
            self.visited += 1;
        }
        match (&e.resolution, &e.reach) {
            (Resolution::Reached { .. }, Some(r)) | (_, Some(r)) => {
                self.reached += 1;
                if r.at.date() <= e.window_end {
                    self.on_time += 1;
                } else {
                    self.late += 1;
                }
                if let Some(s) = r.score {
                    self.scored += 1;
                    self.score_sum += score_units(s);
                    if s + 1e-9 >= satisfied_at {
                        self.satisfied += 1;
                    }
                }
            }
            (Resolution::Reached { .. }, None) => {
                // A cadence slot filled by a visit logged on a sibling id.
                self.reached += 1;
                self.on_time += 1;
            }
            (Resolution::Refused, None) => {
                self.missed += 1;
                self.refused += 1;
            }
            (Resolution::Unreachable, None) => {
                self.missed += 1;
                self.unreachable += 1;
            }
            (Resolution::Open, None) => {
                if e.window_end < as_of {
                    self.missed += 1;
                } else {
                    self.open += 1;
                }
            }
        }
    }

    fn finish(&mut self) {
        self.visit_rate = ratio(self.visited, self.population - self.excluded);
        self.success_rate = ratio(self.reached, self.visited);
        self.on_time_rate = ratio(self.on_time, self.required);
        self.score_avg = (self.scored > 0).then(|| self.score_sum as f64 / SCORE_UNIT / self.scored as f64);
        self.satisfied_rate = ratio(self.satisfied, self.scored);
    }

    /// Adds the counts of `later`, a row of the same group folded from other items.
    fn absorb(&mut self, later: &Metrics) {
        // Destructured whole, so that a new count cannot be left out.
        let Metrics {
            group: _,
            rule: _,
            step: _,
            population,
            excluded,
            required,
            visited,
            reached,
            on_time,
            late,
            missed,
            refused,
            unreachable,
            open,
            visit_rate: _,
            success_rate: _,
            on_time_rate: _,
            scored,
            score_avg: _,
            satisfied_rate: _,
            grade: _,
            targets: _,
            bands: _,
            version: _,
            score_sum,
            satisfied,
        } = later;
        self.population += population;
        self.excluded += excluded;
        self.required += required;
        self.visited += visited;
        self.reached += reached;
        self.on_time += on_time;
        self.late += late;
        self.missed += missed;
        self.refused += refused;
        self.unreachable += unreachable;
        self.open += open;
        self.scored += scored;
        self.score_sum += score_sum;
        self.satisfied += satisfied;
    }

    /// A metric by name.
    pub fn get(&self, name: &str) -> Option<f64> {
        match name {
            "visit_rate" => self.visit_rate,
            "success_rate" => self.success_rate,
            "on_time_rate" => self.on_time_rate,
            "satisfied_rate" => self.satisfied_rate,
            "score_avg" => self.score_avg,
            _ => None,
        }
    }
}

/// One channel-mix constraint evaluated.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MixCheck {
    /// Rule file id.
    pub ruleset: String,
    /// Name.
    pub name: String,
    /// Visits counted.
    pub count: u64,
    /// All visits of the file's rules in the period.
    pub total: u64,
    /// count / total.
    pub share: Option<f64>,
    /// Minimum.
    pub min: Option<f64>,
    /// Maximum.
    pub max: Option<f64>,
    /// pass / fail / n/a.
    pub result: String,
}

/// One role share evaluated.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ShareCheck {
    /// Name.
    pub name: String,
    /// Items reached by the role.
    pub count: u64,
    /// Required items of the rules.
    pub total: u64,
    /// count / total.
    pub share: Option<f64>,
    /// Minimum.
    pub min: f64,
    /// pass / fail / n/a.
    pub result: String,
}

/// An attention-list entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Attention {
    /// `repeat_complaint`, `repeat_repair` or `overdue_at_period_end` (a fixed label: a
    /// year can list millions of entries).
    pub kind: &'static str,
    /// Customer.
    pub customer_id: String,
    /// Issue category or due id.
    pub subject: String,
    /// How many times, or days overdue.
    pub count: u64,
    /// Orders or details.
    pub detail: String,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    /// Period label.
    pub period: String,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Evaluation date.
    pub as_of: NaiveDate,
    /// Rule files and versions (`property 2026.1`).
    pub rule_files: Vec<String>,
    /// Grouping.
    pub by: String,
    /// Rows.
    pub rows: Vec<Metrics>,
    /// Channel mix.
    pub channel_mix: Vec<MixCheck>,
    /// Role shares.
    pub shares: Vec<ShareCheck>,
    /// Attention lists.
    pub attention: Vec<Attention>,
    /// True when any target, mix or share failed.
    pub failed: bool,
}

/// Folds items into a report one at a time, so a yearly report over millions of orders
/// holds only its counters, not its items.
pub struct Accumulator<'r> {
    rules: &'r Rules,
    period: Period,
    as_of: NaiveDate,
    by: GroupBy,
    /// Rows by group key; `finish` sorts them by key. Items come in runs of one group
    /// (a rule's steps, a cadence's customers), so the last group is tried first.
    groups: Vec<Metrics>,
    group_at: rustc_hash::FxHashMap<String, usize>,
    last_group: usize,
    /// Per share constraint: (reached by the role, required).
    shares: Vec<(u64, u64)>,
    /// Order ids per `kind \0 customer \0 category` (one string, so a known key is found
    /// without building three). Hashed, not ordered: a year has a key per customer, and
    /// `finish` sorts the few that repeat. An order's items arrive together, so its id is
    /// usually the last in its list.
    repeats: rustc_hash::FxHashMap<Box<str>, Vec<Box<str>>>,
    /// Items overdue at the period's end: (window end, `due_id \0 customer_id`). A year
    /// has millions: one string each here, the attention rows are built by `finish`.
    overdue: Vec<(NaiveDate, Box<str>)>,
    /// Rules by id (an item names its rule; a yearly report folds millions of items).
    by_id: rustc_hash::FxHashMap<&'r str, &'r crate::rules::Rule>,
    key: String,
    /// Whether the attention list is wanted (the CSV rendering has metrics only, and a
    /// year's overdue cases are millions of rows to collect, sort and build).
    with_attention: bool,
    /// Whether unselected sampled items are counted ([`Self::add_unrequired`]) where
    /// [`Self::counts_unrequired`] allows it.
    counting: bool,
}

impl<'r> Accumulator<'r> {
    /// An empty report over `period` as of `as_of`.
    pub fn new(rules: &'r Rules, period: Period, as_of: NaiveDate, by: GroupBy) -> Self {
        let n_shares = rules.sets.iter().map(|s| s.shares.len()).sum();
        Accumulator {
            rules,
            period,
            as_of,
            by,
            groups: Vec::new(),
            group_at: rustc_hash::FxHashMap::default(),
            last_group: 0,
            shares: vec![(0, 0); n_shares],
            repeats: rustc_hash::FxHashMap::default(),
            overdue: Vec::new(),
            by_id: rules.iter().map(|(_, r)| (r.id.as_str(), r)).collect(),
            key: String::new(),
            with_attention: true,
            counting: false,
        }
    }

    /// Asks for unselected sampled items as counts where the grouping allows it (see
    /// [`Self::counts_unrequired`]).
    #[must_use]
    pub fn counting_unrequired(mut self) -> Self {
        self.counting = self.counts_unrequired();
        self
    }

    /// An empty report like this one, to fold other items into (see [`Self::absorb`]).
    #[must_use]
    pub fn part(&self) -> Self {
        let mut empty = Accumulator::new(self.rules, self.period, self.as_of, self.by);
        empty.with_attention = self.with_attention;
        empty.counting = self.counting;
        empty
    }

    /// Adds what `later` folded, as if its items had been added here too, in any order:
    /// counts add up (score sums are integers), and rows, repeats and overdue items are
    /// put in order by [`Self::finish`].
    pub fn absorb(&mut self, later: Accumulator<'r>) {
        for m in &later.groups {
            self.key.clone_from(&m.group);
            self.group(&m.rule, &m.step, &m.version).absorb(m);
        }
        for (mine, theirs) in self.shares.iter_mut().zip(&later.shares) {
            mine.0 += theirs.0;
            mine.1 += theirs.1;
        }
        for (key, ids) in later.repeats {
            match self.repeats.get_mut(&key) {
                Some(mine) => {
                    // (A list holds an order once; a customer's list is short.)
                    for id in ids {
                        if !mine.contains(&id) {
                            mine.push(id);
                        }
                    }
                }
                None => {
                    self.repeats.insert(key, ids);
                }
            }
        }
        self.overdue.extend(later.overdue);
    }

    /// The kinds whose unselected sampled items must still be built when they are
    /// counted (see [`Self::counting_unrequired`]); `None` when none are counted.
    pub fn counted_unless(&self) -> Option<&'static [&'static str]> {
        self.counting.then(|| self.unrequired_built_kinds())
    }

    /// Leaves the attention list out of the report (every other number is the same).
    #[must_use]
    pub fn without_attention(mut self) -> Self {
        self.with_attention = false;
        self
    }

    /// The row of the group in `self.key`, made on first use (named after `rule`, `step`
    /// and `version` when grouped by rule). Looked up before inserting: only a new group
    /// costs an allocation.
    fn group(&mut self, rule: &str, step: &str, version: &str) -> &mut Metrics {
        let key = &self.key;
        let at = match self.groups.get(self.last_group) {
            Some(m) if m.group == *key => self.last_group,
            _ => match self.group_at.get(key.as_str()) {
                Some(&at) => at,
                None => {
                    self.group_at.insert(key.clone(), self.groups.len());
                    self.groups.push(Metrics {
                        group: key.clone(),
                        ..Metrics::default()
                    });
                    self.groups.len() - 1
                }
            },
        };
        self.last_group = at;
        let m = &mut self.groups[at];
        if self.by == GroupBy::Rule && m.rule.is_empty() {
            m.rule = rule.to_string();
            m.step = step.to_string();
            m.version = version.to_string();
        }
        m
    }

    /// True when items that are neither excluded nor required (unselected sampled ones)
    /// may be given as counts ([`Self::add_unrequired`]) instead of one by one: grouped by
    /// rule, such an item adds only to its group's population, unless it is of one of
    /// [`Self::unrequired_built_kinds`].
    pub fn counts_unrequired(&self) -> bool {
        self.by == GroupBy::Rule
    }

    /// The kinds whose items (with an order id) must come one by one even when neither
    /// excluded nor required: the attention list's repeat complaints and repairs read
    /// their order, customer and category. None without the attention list.
    pub fn unrequired_built_kinds(&self) -> &'static [&'static str] {
        if self.with_attention {
            &REPEAT_KINDS
        } else {
            &[]
        }
    }

    /// Adds `n` items of `rule`'s `step`, anchored in the period, neither excluded nor
    /// required (see [`Self::counts_unrequired`]).
    pub fn add_unrequired(&mut self, rule: &str, version: &str, step: &str, n: u64) {
        debug_assert!(self.counts_unrequired());
        self.key.clear();
        push_rule_key(&mut self.key, rule, step);
        self.group(rule, step, version).population += n;
    }

    /// Adds one item (items anchored outside the period are ignored).
    pub fn add(&mut self, e: &Evaluated) {
        if !self.period.contains(e.anchor.date()) {
            return;
        }
        let Some(&rule) = self.by_id.get(e.rule) else {
            return;
        };
        let key = &mut self.key;
        key.clear();
        match self.by {
            GroupBy::Rule => push_rule_key(key, e.rule, &e.step),
            GroupBy::Department => key.push_str(&e.department),
            GroupBy::Staff => key.push_str(&e.staff),
            GroupBy::Visitor => key.push_str(e.reach.as_ref().map_or("", |r| &r.visitor)),
            GroupBy::Assignee => key.push_str(&e.assignee),
        }
        if key.is_empty() {
            key.push_str("(none)");
        }
        let as_of = self.as_of;
        self.group(e.rule, &e.step, e.version).add(e, rule.satisfied_at, as_of);

        let shares = self.rules.sets.iter().flat_map(|s| s.shares.iter());
        for (s, acc) in shares.zip(self.shares.iter_mut()) {
            if s.rules.iter().any(|r| **r == *e.rule) && e.required() {
                acc.1 += 1;
                let by_role = e.reach.as_ref().is_some_and(|r| {
                    s.visitors.iter().any(|v| **v == *r.visitor)
                        || s.visitor_prefixes.iter().any(|p| r.visitor.starts_with(p.as_str()))
                });
                acc.0 += u64::from(by_role);
            }
        }

        if !self.with_attention {
            return;
        }
        if !e.order_id.is_empty() && REPEAT_KINDS.contains(&e.kind.as_str()) {
            let key = &mut self.key;
            key.clear();
            for (i, part) in [&e.kind, &e.customer_id, &e.category].into_iter().enumerate() {
                if i > 0 {
                    key.push('\0');
                }
                key.push_str(part);
            }
            match self.repeats.get_mut(key.as_str()) {
                Some(ids) => {
                    if !ids.iter().rev().any(|id| **id == *e.order_id) {
                        ids.push(e.order_id.as_str().into());
                    }
                }
                None => {
                    self.repeats
                        .insert(key.as_str().into(), vec![e.order_id.as_str().into()]);
                }
            }
        }
        // A period still running is judged as of the run's date.
        let cutoff = self.period.end.min(self.as_of);
        if e.required() {
            let reached_by_end = e.reach.as_ref().is_some_and(|r| r.at.date() <= cutoff)
                || matches!(e.resolution, Resolution::Reached { on } if on <= cutoff);
            let closed = matches!(e.resolution, Resolution::Refused | Resolution::Unreachable);
            if e.window_end < cutoff && !reached_by_end && !closed {
                let mut both = String::with_capacity(e.due_id.len() + 1 + e.customer_id.len());
                both.push_str(&e.due_id);
                both.push('\0');
                both.push_str(&e.customer_id);
                self.overdue.push((e.window_end, both.into()));
            }
        }
    }

    /// Rates, targets, grades, channel mix (from `visits`), shares and attention lists.
    pub fn finish(mut self, visits: &KeptVisits, label: &str) -> Report {
        let (rules, period, by) = (self.rules, self.period, self.by);
        let mut failed = false;
        let mut rows: Vec<Metrics> = std::mem::take(&mut self.groups);
        rows.sort_unstable_by(|a, b| a.group.cmp(&b.group));
        for m in &mut rows {
            m.finish();
            // Bands of the row's own file when grouped by rule; of every file otherwise
            // (a department or a member of staff works under all of them).
            for set in rules
                .sets
                .iter()
                .filter(|s| by != GroupBy::Rule || m.rule.starts_with(&format!("{}.", s.id)))
            {
                for b in &set.bands {
                    if let Some(res) = m.get(&b.metric).and_then(|v| b.apply(v)) {
                        m.bands.push(format!("{}: {res}", b.metric));
                    }
                }
            }
            if by == GroupBy::Rule {
                if let Some((_, rule)) = rules.find(&m.rule) {
                    m.grade = grade(&rule.grades, m.score_avg);
                    m.targets = check_targets(&rule.targets, |n| m.get(n));
                    failed |= m.targets.iter().any(|t| t.result == "fail");
                }
            }
        }

        let mut channel_mix = Vec::new();
        for set in &rules.sets {
            let prefix = format!("{}.", set.id);
            let in_period: Vec<&Visit> = visits
                .visits
                .iter()
                .filter(|v| visits.rule_of(v).starts_with(&prefix) && period.contains(v.on))
                .collect();
            for mix in &set.channel_mix {
                let total = in_period.len() as u64;
                let count = in_period
                    .iter()
                    .filter(|v| mix.channels.contains(&v.channel) && (!mix.signed || v.signed))
                    .count() as u64;
                let share = ratio(count, total);
                let result = match share {
                    None => "n/a",
                    Some(s) if mix.min.is_some_and(|m| s + 1e-9 < m) || mix.max.is_some_and(|m| s > m + 1e-9) => "fail",
                    Some(_) => "pass",
                };
                failed |= result == "fail";
                channel_mix.push(MixCheck {
                    ruleset: set.id.clone(),
                    name: mix.name.clone(),
                    count,
                    total,
                    share,
                    min: mix.min,
                    max: mix.max,
                    result: result.into(),
                });
            }
        }

        let mut shares = Vec::new();
        for (s, (count, total)) in rules.sets.iter().flat_map(|s| s.shares.iter()).zip(&self.shares) {
            let share = ratio(*count, *total);
            let result = match share {
                None => "n/a",
                Some(x) if x + 1e-9 < s.min => "fail",
                Some(_) => "pass",
            };
            failed |= result == "fail";
            shares.push(ShareCheck {
                name: s.name.clone(),
                count: *count,
                total: *total,
                share,
                min: s.min,
                result: result.into(),
            });
        }

        let mut attention = Vec::new();
        let mut repeats: Vec<_> = std::mem::take(&mut self.repeats).into_iter().collect();
        repeats.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (key, mut ids) in repeats {
            let mut parts = key.splitn(3, '\0');
            let (kind, cust, cat) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            let (threshold, label) = if kind == "complaint" {
                (2, "repeat_complaint")
            } else {
                (3, "repeat_repair")
            };
            if ids.len() >= threshold {
                ids.sort_unstable();
                attention.push(Attention {
                    kind: label,
                    customer_id: cust.to_string(),
                    subject: if cat.is_empty() {
                        "(no category)".into()
                    } else {
                        cat.to_string()
                    },
                    count: ids.len() as u64,
                    detail: ids.join(";"),
                });
            }
        }
        // By window end, then due id (the `\0` after it sorts below any character of an id).
        self.overdue.sort_unstable();
        let cutoff = period.end.min(self.as_of);
        attention.extend(self.overdue.into_iter().map(|(end, both)| {
            let (due_id, customer_id) = both.split_once('\0').unwrap_or((&both, ""));
            Attention {
                kind: "overdue_at_period_end",
                customer_id: customer_id.to_string(),
                subject: due_id.to_string(),
                count: (cutoff - end).num_days().unsigned_abs(),
                detail: format!("window ended {end}"),
            }
        }));

        Report {
            period: label.to_string(),
            from: period.start,
            to: period.end,
            as_of: self.as_of,
            rule_files: rules.sets.iter().map(|s| format!("{} {}", s.id, s.version)).collect(),
            by: format!("{by:?}").to_lowercase(),
            rows,
            channel_mix,
            shares,
            attention,
            failed,
        }
    }
}

/// Computes the report over `items` (those anchored in the period) and `visits`.
pub fn compute(
    items: &[Evaluated],
    visits: &KeptVisits,
    rules: &Rules,
    period: &Period,
    label: &str,
    as_of: NaiveDate,
    by: GroupBy,
) -> Report {
    let mut acc = Accumulator::new(rules, *period, as_of, by);
    for e in items {
        acc.add(e);
    }
    acc.finish(visits, label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::values::Channel;
    use crate::model::Reach;
    use crate::rules::load::{load_one, Overrides};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn rules() -> Rules {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let set = load_one(&dir.join("rules/property.toml"), &Overrides::default()).unwrap();
        Rules { sets: vec![set] }
    }

    /// A complaint item anchored on `anchor` with a window of 3 days.
    fn item(anchor: &str) -> Evaluated {
        let a = d(anchor);
        Evaluated {
            due_id: format!("property.complaint/{anchor}/1").into(),
            rule: "property.complaint",
            version: "t",
            step: "1".into(),
            customer: Some(0),
            customer_id: "C1".into(),
            order_id: format!("O-{anchor}").into(),
            order_line: 2,
            kind: "complaint".into(),
            department: Default::default(),
            staff: Default::default(),
            category: Default::default(),
            anchor: a.and_hms_opt(9, 0, 0).unwrap(),
            window_start: a,
            window_end: a + chrono::Duration::days(3),
            shifted: false,
            channel: Channel::Phone,
            assignee: "clerk".into(),
            excluded: None,
            sample: None,
            resolution: Resolution::Open,
            attempts: 0,
            reach: None,
            flags: vec![],
        }
    }

    fn reached(mut e: Evaluated, on: &str, score: Option<f64>) -> Evaluated {
        let at = d(on).and_hms_opt(10, 0, 0).unwrap();
        e.attempts += 1;
        e.resolution = Resolution::Reached { on: d(on) };
        e.reach = Some(Box::new(Reach {
            at,
            channel: Channel::Phone,
            score,
            signed: false,
            visitor: "张".into(),
        }));
        e
    }

    fn row(items: &[Evaluated], as_of: &str) -> Metrics {
        let r = rules();
        let p = Period::parse("2026-10").unwrap();
        let rep = compute(
            items,
            &KeptVisits::default(),
            &r,
            &p,
            "2026-10",
            d(as_of),
            GroupBy::Rule,
        );
        rep.rows.into_iter().next().unwrap_or_default()
    }

    /// Leaving the attention list out (the CSV rendering) changes no other number.
    #[test]
    fn without_attention_only_the_attention_list_is_left_out() {
        let r = rules();
        let p = Period::parse("2026-10").unwrap();
        let mut again = item("2026-10-05");
        again.order_id = "O-other".into();
        let items = [
            item("2026-10-05"),
            again,
            reached(item("2026-10-06"), "2026-10-07", Some(9.0)),
        ];
        let fold = |acc: Accumulator<'_>| {
            let mut acc = acc;
            for e in &items {
                acc.add(e);
            }
            acc.finish(&KeptVisits::default(), "2026-10")
        };
        let full = fold(Accumulator::new(&r, p, d("2026-11-23"), GroupBy::Rule));
        let lean = fold(Accumulator::new(&r, p, d("2026-11-23"), GroupBy::Rule).without_attention());
        assert!(full.attention.len() >= 2, "a repeat complaint and an overdue item");
        assert!(lean.attention.is_empty());
        assert_eq!(
            serde_json::to_value(&lean.rows).unwrap(),
            serde_json::to_value(&full.rows).unwrap()
        );
        assert_eq!(lean.failed, full.failed);
    }

    /// Unselected sampled items given as a count (the engine's tally) make the same rows
    /// as the items themselves.
    #[test]
    fn unrequired_items_counted_equal_the_items_added() {
        let r = rules();
        let p = Period::parse("2026-10").unwrap();
        let unselected = |anchor: &str| {
            let mut e = item(anchor);
            e.rule = "property.repair";
            e.step = "1".into();
            e.sample = Some(Box::new(crate::engine::SampleInfo {
                period: "2026-10".into(),
                population: 5,
                required: 2,
                selected: false,
                topup: false,
                blocked: false,
                over: 0,
                closed: true,
            }));
            e
        };
        let mut selected = unselected("2026-10-08");
        if let Some(s) = selected.sample.as_mut() {
            s.selected = true;
        }
        let shared = [item("2026-10-05"), selected];
        let lean = || Accumulator::new(&r, p, d("2026-11-23"), GroupBy::Rule).without_attention();
        let mut one_by_one = lean();
        let mut counted = lean();
        assert!(counted.counts_unrequired());
        for e in &shared {
            one_by_one.add(e);
            counted.add(e);
        }
        for day in ["2026-10-01", "2026-10-02", "2026-10-31"] {
            one_by_one.add(&unselected(day));
        }
        counted.add_unrequired("property.repair", "t", "1", 3);
        // A group only unselected items fill is made by the count alone.
        for day in ["2026-10-03", "2026-10-04"] {
            let mut e = unselected(day);
            e.step = "2".into();
            one_by_one.add(&e);
        }
        counted.add_unrequired("property.repair", "t", "2", 2);
        let (a, b) = (
            one_by_one.finish(&KeptVisits::default(), "2026-10"),
            counted.finish(&KeptVisits::default(), "2026-10"),
        );
        assert_eq!(a.rows.len(), 3);
        assert_eq!(a.rows[1].population, 4);
        assert_eq!(a.rows[1].required, 1);
        assert_eq!(serde_json::to_value(&a).unwrap(), serde_json::to_value(&b).unwrap());
        // With the attention list, repeat complaints and repairs must come one by one;
        // grouped otherwise, every item must.
        let full = Accumulator::new(&r, p, d("2026-11-23"), GroupBy::Rule);
        assert!(full.counts_unrequired());
        assert_eq!(full.unrequired_built_kinds(), ["complaint", "repair"]);
        assert!(lean().unrequired_built_kinds().is_empty());
        let by_dept = Accumulator::new(&r, p, d("2026-11-23"), GroupBy::Department).without_attention();
        assert!(!by_dept.counts_unrequired());
    }

    #[test]
    fn zero_population_gives_undefined_rates_and_no_failure() {
        let r = rules();
        let p = Period::parse("2026-10").unwrap();
        let rep = compute(
            &[],
            &KeptVisits::default(),
            &r,
            &p,
            "2026-10",
            d("2026-11-23"),
            GroupBy::Rule,
        );
        assert!(rep.rows.is_empty());
        assert!(!rep.failed);
    }

    #[test]
    fn no_visits_means_zero_visit_rate_and_undefined_success() {
        let m = row(&[item("2026-10-05"), item("2026-10-06")], "2026-11-23");
        assert_eq!((m.population, m.required, m.visited, m.missed, m.open), (2, 2, 0, 2, 0));
        assert_eq!(m.visit_rate, Some(0.0));
        assert_eq!(m.success_rate, None);
        assert_eq!(m.targets[0].result, "fail");
        assert_eq!(m.targets[1].result, "n/a");
    }

    #[test]
    fn all_excluded_owes_nothing() {
        let mut a = item("2026-10-05");
        a.excluded = Some("anonymous complaint".into());
        let m = row(&[a], "2026-11-23");
        assert_eq!((m.population, m.excluded, m.required), (1, 1, 0));
        assert_eq!(m.visit_rate, None);
        assert!(m.targets.iter().all(|t| t.result == "n/a"));
    }

    #[test]
    fn on_time_late_and_open_at_the_window_edges() {
        let on_end = reached(item("2026-10-05"), "2026-10-08", Some(9.0)); // last day of window
        let late = reached(item("2026-10-05"), "2026-10-09", Some(5.0)); // a day after
        let open = item("2026-10-30"); // window ends 11-02, after the as-of date
        let m = row(&[on_end, late, open], "2026-11-01");
        assert_eq!((m.reached, m.on_time, m.late, m.open, m.missed), (2, 1, 1, 1, 0));
        assert_eq!(m.on_time_rate, Some(1.0 / 3.0));
        // satisfied_at is 8 in property.toml: 9 is satisfied, 5 is not.
        assert_eq!((m.score_avg, m.satisfied_rate), (Some(7.0), Some(0.5)));
    }

    #[test]
    fn missing_scores_are_left_out_of_the_mean() {
        let m = row(
            &[
                reached(item("2026-10-05"), "2026-10-06", None),
                reached(item("2026-10-05"), "2026-10-06", Some(10.0)),
            ],
            "2026-11-23",
        );
        assert_eq!((m.scored, m.score_avg), (1, Some(10.0)));
    }

    #[test]
    fn refused_and_unreachable_are_parts_of_missed() {
        let mut a = item("2026-10-05");
        a.attempts = 1;
        a.resolution = Resolution::Refused;
        let mut b = item("2026-10-05");
        b.attempts = 3;
        b.resolution = Resolution::Unreachable;
        let m = row(&[a, b], "2026-10-06");
        assert_eq!((m.missed, m.refused, m.unreachable, m.open, m.visited), (2, 1, 1, 0, 2));
        assert_eq!(m.success_rate, Some(0.0));
    }

    #[test]
    fn items_anchored_outside_the_period_do_not_count() {
        // An October report ignores a November complaint, even with a visit in October.
        let m = row(
            &[item("2026-10-31"), reached(item("2026-11-01"), "2026-11-02", Some(9.0))],
            "2026-11-23",
        );
        assert_eq!(m.population, 1);
    }
}
