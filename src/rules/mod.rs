//! Validated rules: the typed form of a rule file that the engine works on.
//!
//! `raw` mirrors the TOML; `validate` checks it and builds these types; `load` reads
//! files, applies variants and `--set` overrides, and merges several files.
//!
//! Rule kinds, and where they live:
//! - event windows and multi-step sequences: [`Step`] (timing in `engine::window`);
//! - sampling rates and rate tables: [`Sampling`] (selection in `sampling`);
//! - recurring cadences: [`Cadence`] (expansion in `sampling::cadence`);
//! - exclusions: [`Exclusion`] (`engine::exclude`); assignees: [`Assignee`] (`engine::assign`);
//! - targets and grade bands: [`Targets`], [`Grade`] (`report::targets`).

pub mod load;
pub mod raw;
pub mod validate;

use crate::calendar::hours::CallHours;
use crate::calendar::period::PeriodKind;
use crate::calendar::{Calendar, CallOn};
use crate::model::values::Channel;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// True when `raw` equals `folded` (already lower-cased) ignoring case, without allocating:
/// conditions run once per order and rule, millions of times.
pub fn eq_folded(folded: &str, raw: &str) -> bool {
    if raw.is_ascii() {
        return folded.len() == raw.len() && folded.eq_ignore_ascii_case(raw);
    }
    folded.chars().eq(raw.chars().flat_map(char::to_lowercase))
}

/// Unit of an offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Clock hours from the anchor's time.
    Hours,
    /// Calendar days.
    Days,
    /// Working days (weekends and holidays skipped, make-up days counted).
    WorkingDays,
    /// Weeks of 7 calendar days.
    Weeks,
    /// Calendar months, clamped to the month's last day (Jan 31 + 1m = Feb 28/29).
    Months,
    /// Three calendar months.
    Quarters,
    /// Twelve calendar months (Feb 29 + 1y = Feb 28).
    Years,
}

/// An offset from an anchor: `24h`, `3d`, `10wd`, `1w`, `2m`, `1q`, `1y`.
///
/// ## Edge cases
/// Month arithmetic clamps to the last day of the target month, so a repair finished on
/// January 31 is due one month later on February 28 (29 in a leap year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Offset {
    /// How many units.
    pub n: u32,
    /// Which unit.
    pub unit: Unit,
    /// Counted backwards from the anchor (`-7d`: a week before a milestone).
    pub before: bool,
}

impl Offset {
    /// Zero days.
    pub const ZERO: Offset = Offset {
        n: 0,
        unit: Unit::Days,
        before: false,
    };

    /// What `parse` accepts.
    pub const EXPECTED: &'static str = "a duration like 24h, 3d, 10wd (working days), 1w, 2m (months), 1q or 1y";

    /// Parses `3d` and friends.
    pub fn parse(s: &str) -> Option<Offset> {
        let s = s.trim();
        let (before, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let split = s.find(|c: char| !c.is_ascii_digit())?;
        let n: u32 = s[..split].parse().ok()?;
        let unit = match &s[split..] {
            "h" => Unit::Hours,
            "d" => Unit::Days,
            "wd" => Unit::WorkingDays,
            "w" => Unit::Weeks,
            "m" => Unit::Months,
            "q" => Unit::Quarters,
            "y" => Unit::Years,
            _ => return None,
        };
        Some(Offset {
            n,
            unit,
            before: before && n > 0,
        })
    }

    /// A rough length in days, to order offsets and size look-backs.
    pub fn approx_days(self) -> i64 {
        let n = i64::from(self.n);
        let days = match self.unit {
            Unit::Hours => n.div_euclid(24) + 1,
            Unit::Days => n,
            // Long holidays can stretch working days to nearly twice their count.
            Unit::WorkingDays => n * 2 + 9,
            Unit::Weeks => n * 7,
            Unit::Months => n * 31,
            Unit::Quarters => n * 92,
            Unit::Years => n * 366,
        };
        if self.before {
            -days
        } else {
            days
        }
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = match self.unit {
            Unit::Hours => "h",
            Unit::Days => "d",
            Unit::WorkingDays => "wd",
            Unit::Weeks => "w",
            Unit::Months => "m",
            Unit::Quarters => "q",
            Unit::Years => "y",
        };
        write!(f, "{}{}{u}", if self.before { "-" } else { "" }, self.n)
    }
}

/// Who makes the contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignee {
    /// A fixed role, e.g. `clerk`.
    Role(String),
    /// The value of an order column, e.g. the treating doctor in `staff`.
    Column(String),
    /// A role chosen by an order column's value (major complaint → manager).
    By {
        /// The column.
        column: String,
        /// Value → role.
        map: BTreeMap<String, String>,
        /// Role when the value is not in the map.
        default: String,
    },
}

/// An order condition that removes an item.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The column's value is one of these (compared trimmed, case-insensitive).
    In {
        /// Column.
        column: String,
        /// Values.
        values: Vec<String>,
    },
    /// The column is empty (`empty = true`) or not (`empty = false`).
    Empty {
        /// Column.
        column: String,
        /// Whether empty triggers.
        empty: bool,
    },
    /// The time from `from` to `to` is shorter than the offset (stays under 24 hours).
    ShorterThan {
        /// Start column.
        from: String,
        /// End column.
        to: String,
        /// Limit.
        limit: Offset,
    },
}

/// An exclusion with the reason shown by `explain` and counted by `report`.
#[derive(Debug, Clone, PartialEq)]
pub struct Exclusion {
    /// Why.
    pub reason: String,
    /// When.
    pub condition: Condition,
}

/// When calls may be made and in which hours.
#[derive(Debug, Clone, PartialEq)]
pub struct CallPolicy {
    /// Holidays and make-up days.
    pub calendar: Arc<Calendar>,
    /// Path the calendar came from (empty: none selected, weekends only).
    pub calendar_path: Option<PathBuf>,
    /// Days calls are allowed.
    pub call_on: CallOn,
    /// Hours calls are allowed.
    pub hours: CallHours,
}

/// One call of a sequence (a single-call rule has one step).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Step name: shown in the due list and used in `due_id`.
    pub name: String,
    /// Anchor column.
    pub anchor: String,
    /// Alternative anchors, each a column shifted by an offset (`"menses_end_at + 3d"`):
    /// the earliest date among `anchor` and these counts (gynecology: 3 days after
    /// menstruation ends, or when the pre-operative tests are complete).
    pub alt_anchors: Vec<(String, Offset)>,
    /// The window opens this long after the anchor.
    pub after: Offset,
    /// The window closes this long after the anchor.
    pub within: Offset,
    /// Channel for this step.
    pub channel: Channel,
    /// Assignee for this step.
    pub assignee: Assignee,
}

/// Rate of a sampled rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Rate {
    /// One rate, in basis points (30% = 3000).
    Fixed(u32),
    /// A rate table keyed by the period's population: (min population, basis points),
    /// sorted by min population; the highest row whose minimum is reached applies.
    Tiered(Vec<(u32, u32)>),
}

impl Rate {
    /// Basis points for a population of `n`.
    pub fn basis_points(&self, n: u64) -> u32 {
        match self {
            Rate::Fixed(bp) => *bp,
            Rate::Tiered(rows) => rows
                .iter()
                .rev()
                .find(|(min, _)| n >= u64::from(*min))
                .or(rows.first())
                .map_or(10_000, |r| r.1),
        }
    }
}

/// What is sampled: orders, or customers (households) with an event in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleUnit {
    /// Each order is a unit.
    Order,
    /// Each customer with at least one order in the period is a unit.
    Customer,
}

/// A sampled rule: rate per period, minimum and maximum counts, seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampling {
    /// Rate or rate table.
    pub rate: Rate,
    /// Sampling period.
    pub per: PeriodKind,
    /// Unit.
    pub unit: SampleUnit,
    /// Minimum count per period (capped at the population).
    pub min: u32,
    /// Maximum count per period, if the policy caps it (2–3 checks a week).
    pub max: Option<u32>,
    /// Seed mixed into the selection hash.
    pub seed: String,
}

/// A required number of contacts through a group of channels in each cadence slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Require {
    /// Channels that count.
    pub channels: Vec<Channel>,
    /// How many.
    pub count: u32,
}

impl Require {
    /// `onsite` or `phone+wechat`.
    pub fn label(&self) -> String {
        self.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>().join("+")
    }
}

/// What a cadence recurs for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CadenceTarget {
    /// Customers in these segments or with these flags (empty lists: every customer).
    Customers {
        /// Segments.
        segments: Vec<String>,
        /// Flags.
        flags: Vec<String>,
    },
    /// Orders matching the rule (kind/match), from the rule's anchor column.
    Orders,
}

/// How slots are laid out.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// Aligned to calendar periods; `months` restricts to fixed months (January, July).
    Aligned {
        /// Period kind.
        every: PeriodKind,
        /// Only these months (1–12), when given.
        months: Vec<u32>,
    },
    /// Relative to the anchor with phases: (until offset or open, period offset).
    Phased(Vec<(Option<Offset>, Offset)>),
}

/// A recurring cadence rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Cadence {
    /// Who.
    pub target: CadenceTarget,
    /// When.
    pub schedule: Schedule,
    /// Stop after this long from the anchor (phased) ...
    pub until: Option<Offset>,
    /// ... or at the date in this order column (warranty expiry).
    pub until_column: Option<String>,
    /// Customer cadences start no earlier than this date.
    pub start: Option<NaiveDate>,
    /// Contacts per slot by channel (empty: one contact through the rule's channel).
    pub require: Vec<Require>,
}

/// Targets a report checks (rates as fractions, score as a number).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Targets {
    /// visited / population.
    pub visit_rate: Option<f64>,
    /// reached / visited.
    pub success_rate: Option<f64>,
    /// on_time / required.
    pub on_time_rate: Option<f64>,
    /// satisfied / scored.
    pub satisfied_rate: Option<f64>,
    /// Mean score.
    pub score_avg: Option<f64>,
}

/// A grade band on the mean score: the first band whose `min` the score reaches.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Grade {
    /// Lower bound, inclusive (none: catch-all).
    pub min: Option<f64>,
    /// Grade name.
    pub grade: String,
}

/// One validated rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Full id `RULESET.RULE`.
    pub id: String,
    /// Id inside its file.
    pub short_id: String,
    /// Line of `id = …` in the rule file.
    pub line: u64,
    /// English title.
    pub title: String,
    /// Chinese title.
    pub title_zh: String,
    /// Policy cited.
    pub source: String,
    /// Free notes (alternatives, decisions).
    pub notes: String,
    /// Order kinds the rule applies to (empty with a cadence on customers).
    pub kinds: Vec<String>,
    /// Further column conditions, all must hold.
    pub matches: Vec<(String, Vec<String>)>,
    /// Steps (one item each).
    pub steps: Vec<Step>,
    /// Allowed channels (the first is the default).
    pub channels: Vec<Channel>,
    /// Failed attempts before `unreachable`.
    pub max_attempts: u32,
    /// Customer flags that exclude.
    pub exclude_flags: Vec<String>,
    /// Order conditions that exclude.
    pub exclusions: Vec<Exclusion>,
    /// Calendar and hours.
    pub calls: CallPolicy,
    /// In force from (inclusive) ...
    pub effective_from: Option<NaiveDate>,
    /// ... until (inclusive), judged on the anchor date.
    pub effective_until: Option<NaiveDate>,
    /// Sampling, when not 100%.
    pub sample: Option<Sampling>,
    /// Cool-down in days against recent reached contacts.
    pub cooldown: Option<u32>,
    /// Cadence, for recurring rules.
    pub cadence: Option<Cadence>,
    /// Targets.
    pub targets: Targets,
    /// Grade bands on the mean score.
    pub grades: Vec<Grade>,
    /// Score scale (min, max).
    pub score_scale: (f64, f64),
    /// Score at or above which a visit is satisfied.
    pub satisfied_at: f64,
    /// Minimum reached visits per order over all steps.
    pub min_visits: Option<u32>,
    /// Count documented unreachable as followed up in reports.
    pub unreachable_counts: bool,
}

impl Rule {
    /// True when the rule is in force on `date`.
    pub fn in_force(&self, date: NaiveDate) -> bool {
        self.effective_from.is_none_or(|f| date >= f) && self.effective_until.is_none_or(|u| date <= u)
    }
}

/// A channel-mix constraint over all visits in a report period.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChannelMix {
    /// Name.
    pub name: String,
    /// Channels counted.
    pub channels: Vec<Channel>,
    /// Only signed visits count.
    pub signed: bool,
    /// Minimum share.
    pub min: Option<f64>,
    /// Maximum share.
    pub max: Option<f64>,
    /// Policy cited.
    pub source: String,
}

/// A role-share constraint (hospital: the follow-up office reaches ≥70% of discharges).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Share {
    /// Name.
    pub name: String,
    /// Full rule ids whose population counts.
    pub rules: Vec<String>,
    /// Visitors of the role.
    pub visitors: Vec<String>,
    /// Or visitor prefixes.
    pub visitor_prefixes: Vec<String>,
    /// Minimum share of the population reached by the role.
    pub min: f64,
    /// Policy cited.
    pub source: String,
}

/// A consequence band for staff or departments on a metric.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Band {
    /// Metric (`satisfied_rate`, `visit_rate`).
    pub metric: String,
    /// Applies when the metric is above this.
    pub above: Option<f64>,
    /// Applies when the metric is below this.
    pub below: Option<f64>,
    /// With `below`: counted once per started step below it.
    pub step: Option<f64>,
    /// Consequence.
    pub result: String,
    /// Policy cited.
    pub source: String,
}

/// A named variant of a rule file.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Name, selected with `--variant`.
    pub name: String,
    /// What it changes.
    pub description: String,
    /// Policy cited.
    pub source: String,
    /// The overrides (`RULE.key = value`).
    pub set: Vec<(String, String)>,
}

/// A validated rule file.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet {
    /// Prefix of rule ids and due ids.
    pub id: String,
    /// File it came from.
    pub path: PathBuf,
    /// Version string.
    pub version: String,
    /// Industry.
    pub industry: String,
    /// English title.
    pub title: String,
    /// Chinese title.
    pub title_zh: String,
    /// English description.
    pub description: String,
    /// Chinese description.
    pub description_zh: String,
    /// Sources cited by the file.
    pub sources: Vec<String>,
    /// File-level call policy (rules may override).
    pub calls: CallPolicy,
    /// Company column name → canonical column name.
    pub columns: BTreeMap<String, String>,
    /// Company kind label → canonical kind.
    pub kinds: BTreeMap<String, String>,
    /// Rules in file order.
    pub rules: Vec<Rule>,
    /// Variants offered.
    pub variants: Vec<Variant>,
    /// Variants applied when loading.
    pub applied: Vec<String>,
    /// Channel-mix constraints.
    pub channel_mix: Vec<ChannelMix>,
    /// Role shares.
    pub shares: Vec<Share>,
    /// Staff / department bands.
    pub bands: Vec<Band>,
}

/// Several rule files used together.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rules {
    /// In command-line order.
    pub sets: Vec<RuleSet>,
}

impl Band {
    /// The consequence for a value of the metric, if the band applies: `bonus`, or
    /// `3 × -1 point` for a step band 12% below its line with 5% steps.
    pub fn apply(&self, value: f64) -> Option<String> {
        if self.above.is_some_and(|a| value > a + 1e-9) {
            return Some(self.result.clone());
        }
        let below = self.below.filter(|b| value + 1e-9 < *b)?;
        match self.step.filter(|s| *s > 0.0) {
            Some(step) => {
                let n = ((below - value) / step - 1e-9).ceil().max(1.0);
                Some(format!("{n} × {}", self.result))
            }
            None => Some(self.result.clone()),
        }
    }
}

impl Rules {
    /// Every rule with its set.
    pub fn iter(&self) -> impl Iterator<Item = (&RuleSet, &Rule)> {
        self.sets.iter().flat_map(|s| s.rules.iter().map(move |r| (s, r)))
    }

    /// The rule with full id `id`.
    pub fn find(&self, id: &str) -> Option<(&RuleSet, &Rule)> {
        self.iter().find(|(_, r)| r.id == id)
    }

    /// Merged column mapping (later files win).
    pub fn column_map(&self) -> BTreeMap<String, String> {
        self.sets.iter().flat_map(|s| s.columns.clone()).collect()
    }

    /// Merged kind mapping (later files win).
    pub fn kind_map(&self) -> BTreeMap<String, String> {
        self.sets.iter().flat_map(|s| s.kinds.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_apply_above_below_and_per_step() {
        let b = |above, below, step| Band {
            metric: "visit_rate".into(),
            above,
            below,
            step,
            result: "x".into(),
            source: String::new(),
        };
        assert_eq!(b(Some(0.9), None, None).apply(0.95).as_deref(), Some("x"));
        assert_eq!(b(Some(0.9), None, None).apply(0.9), None);
        assert_eq!(b(None, Some(0.7), None).apply(0.69).as_deref(), Some("x"));
        // Each started 5% below 100% costs one point: 88% → 3 points, 95% → 1, 100% → none.
        assert_eq!(b(None, Some(1.0), Some(0.05)).apply(0.88).as_deref(), Some("3 × x"));
        assert_eq!(b(None, Some(1.0), Some(0.05)).apply(0.95).as_deref(), Some("1 × x"));
        assert_eq!(b(None, Some(1.0), Some(0.05)).apply(1.0), None);
    }

    #[test]
    fn folded_comparison_matches_lowercase_without_allocating() {
        assert!(eq_folded("major", "MAJOR"));
        assert!(eq_folded("", ""));
        assert!(!eq_folded("major", "majo"));
        assert!(eq_folded("重病", "重病"));
        assert!(eq_folded("straße", "STRAßE"));
    }

    #[test]
    fn offsets_parse_and_print() {
        for s in ["24h", "3d", "10wd", "1w", "2m", "1q", "1y", "0d", "-7d", "-2wd"] {
            assert_eq!(Offset::parse(s).unwrap().to_string(), s);
        }
        for bad in ["", "d", "3", "3days", "--1d", "1.5d", "+1d"] {
            assert!(Offset::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn tier_boundaries_are_inclusive_at_the_minimum() {
        // Housekeeping: <100 → 30%, 100–300 → 20%, ≥300 → 10% (property.home_service.sampling).
        let r = Rate::Tiered(vec![(0, 3000), (100, 2000), (300, 1000)]);
        assert_eq!(r.basis_points(99), 3000);
        assert_eq!(r.basis_points(100), 2000);
        assert_eq!(r.basis_points(299), 2000);
        assert_eq!(r.basis_points(300), 1000);
        assert_eq!(r.basis_points(0), 3000);
    }
}
