//! Serde mirror of a rule file, exactly as written. Unknown keys are errors
//! (`deny_unknown_fields`) so a typo such as `withn` never silently loosens a policy.
//! Nothing here is interpreted: `validate` turns it into [`super::RuleSet`].

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// A value that may be written as one item or as a list.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// `key = "a"`
    One(T),
    /// `key = ["a", "b"]`
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    /// The items as a list.
    pub fn to_vec(&self) -> Vec<T> {
        match self {
            OneOrMany::One(t) => vec![t.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRuleFile {
    pub id: Option<String>,
    pub version: Spanned<String>,
    pub industry: Option<String>,
    pub title: Option<String>,
    pub title_zh: Option<String>,
    pub description: Option<String>,
    pub description_zh: Option<String>,
    #[serde(default)]
    pub sources: Vec<String>,
    pub calendar: Option<RawCallPolicy>,
    #[serde(default)]
    pub defaults: RawDefaults,
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    #[serde(default)]
    pub kinds: BTreeMap<String, String>,
    #[serde(default, rename = "variant")]
    pub variants: Vec<RawVariant>,
    #[serde(default, rename = "channel_mix")]
    pub channel_mix: Vec<RawMix>,
    #[serde(default, rename = "share")]
    pub shares: Vec<RawShare>,
    #[serde(default, rename = "band")]
    pub bands: Vec<RawBand>,
    #[serde(default, rename = "rule")]
    pub rules: Vec<RawRule>,
}

/// `[calendar]` at file level, or `calendar = {…}` in a rule.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCallPolicy {
    pub file: Option<Spanned<String>>,
    pub call_on: Option<Spanned<String>>,
    pub call_hours: Option<Vec<Spanned<String>>>,
    #[serde(default, rename = "season")]
    pub seasons: Vec<RawSeason>,
}

/// A season with its own calling hours.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSeason {
    pub name: String,
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    pub call_hours: Vec<Spanned<String>>,
}

/// `[defaults]`: values every rule inherits unless it sets its own.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefaults {
    pub max_attempts: Option<u32>,
    pub exclude_flags: Option<Vec<String>>,
    pub channel: Option<OneOrMany<String>>,
    pub assignee: Option<RawAssignee>,
    pub cooldown: Option<Spanned<String>>,
    pub score_scale: Option<[f64; 2]>,
    pub satisfied_at: Option<f64>,
}

/// `[[variant]]`: a named, documented set of overrides.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVariant {
    pub name: String,
    pub description: String,
    pub source: Option<String>,
    pub set: BTreeMap<String, toml::Value>,
}

/// `[[channel_mix]]`: a share of all visits in the period by channel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMix {
    pub name: String,
    pub channels: Vec<String>,
    #[serde(default)]
    pub signed: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub source: Option<String>,
}

/// `[[share]]`: a role must carry a share of a rule's population.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShare {
    pub name: String,
    pub rules: Vec<String>,
    /// Visits whose `visitor` is listed here count for the role.
    #[serde(default)]
    pub visitors: Vec<String>,
    /// Or visits whose visitor starts with one of these prefixes (e.g. `回访办`).
    #[serde(default)]
    pub visitor_prefixes: Vec<String>,
    pub min: f64,
    pub source: Option<String>,
}

/// `[[band]]`: staff or department consequence bands on a metric.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBand {
    pub metric: String,
    pub above: Option<f64>,
    pub below: Option<f64>,
    /// With `below`: the result applies once per started `step` below (each 5% → 1 point).
    pub step: Option<f64>,
    pub result: String,
    pub source: Option<String>,
}

/// Who makes the contact.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawAssignee {
    /// A fixed role.
    Role(String),
    /// A column of the order (e.g. the treating doctor).
    Column { column: String },
    /// A role chosen by the value of a column (e.g. severity).
    By {
        by: String,
        map: BTreeMap<String, String>,
        default: Option<String>,
    },
}

/// `[[rule]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: Spanned<String>,
    pub title: Option<String>,
    pub title_zh: Option<String>,
    pub source: Option<String>,
    pub notes: Option<String>,
    pub kind: Option<OneOrMany<String>>,
    #[serde(default, rename = "match")]
    pub matches: BTreeMap<String, OneOrMany<String>>,
    pub anchor: Option<Spanned<String>>,
    pub after: Option<Spanned<String>>,
    pub within: Option<Spanned<String>>,
    #[serde(default, rename = "step")]
    pub steps: Vec<RawStep>,
    pub channel: Option<OneOrMany<String>>,
    pub assignee: Option<RawAssignee>,
    pub max_attempts: Option<u32>,
    pub exclude_flags: Option<Vec<String>>,
    #[serde(default)]
    pub exclude: Vec<RawExclusion>,
    pub calendar: Option<RawCallPolicy>,
    pub effective_from: Option<toml::Value>,
    pub effective_until: Option<toml::Value>,
    pub sample: Option<RawSample>,
    pub cooldown: Option<Spanned<String>>,
    pub cadence: Option<RawCadence>,
    pub targets: Option<RawTargets>,
    #[serde(default, rename = "grade")]
    pub grades: Vec<RawGrade>,
    pub score_scale: Option<[f64; 2]>,
    pub satisfied_at: Option<f64>,
    pub min_visits: Option<u32>,
    /// Count `unreachable` (attempts exhausted, documented) as followed up in reports.
    pub unreachable_counts: Option<bool>,
}

/// `[[rule.step]]`: one call of a sequence.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub name: Option<String>,
    /// One column, or several: the earliest date filled in wins ("whichever comes first").
    pub anchor: Option<Spanned<OneOrMany<String>>>,
    pub after: Option<Spanned<String>>,
    pub within: Option<Spanned<String>>,
    pub channel: Option<OneOrMany<String>>,
    pub assignee: Option<RawAssignee>,
    /// The clinician sets the date by hand (个体化): the step is due from the date in this
    /// column; no column value, no item.
    pub manual: Option<bool>,
}

/// `exclude = [{…}]`: an order condition that removes the item.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExclusion {
    pub reason: String,
    pub column: Option<String>,
    #[serde(rename = "in")]
    pub values: Option<Vec<String>>,
    pub empty: Option<bool>,
    pub shorter_than: Option<Spanned<String>>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// `sample = {…}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSample {
    pub rate: Option<f64>,
    pub per: Spanned<String>,
    pub unit: Option<String>,
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub seed: Option<String>,
    #[serde(default)]
    pub tiers: Vec<RawTier>,
}

/// One row of a rate table keyed by the period's population.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTier {
    /// Applies when the population is at least this (inclusive).
    pub min_population: u32,
    pub rate: f64,
}

/// `cadence = {…}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCadence {
    pub per: String,
    #[serde(default)]
    pub segments: Vec<String>,
    #[serde(default)]
    pub flags: Vec<String>,
    pub every: Option<Spanned<String>>,
    #[serde(default)]
    pub months: Vec<u32>,
    #[serde(default)]
    pub phases: Vec<RawPhase>,
    pub until: Option<Spanned<String>>,
    pub until_column: Option<String>,
    pub start: Option<toml::Value>,
    #[serde(default)]
    pub require: Vec<RawRequire>,
}

/// A phase of an anchored cadence: every `every` until `until` after the anchor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPhase {
    pub until: Option<Spanned<String>>,
    pub every: Spanned<String>,
}

/// Contacts a cadence slot needs, by channel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequire {
    pub channels: Vec<String>,
    pub count: u32,
}

/// `targets = {…}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTargets {
    pub visit_rate: Option<f64>,
    pub success_rate: Option<f64>,
    pub on_time_rate: Option<f64>,
    pub satisfied_rate: Option<f64>,
    pub score_avg: Option<f64>,
}

/// `[[rule.grade]]`: a grade band on the mean score.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrade {
    pub min: Option<f64>,
    pub grade: String,
}
