//! Raw rule file → [`RuleSet`], collecting every problem rather than stopping at the first.

use super::raw::{self, RawAssignee, RawCallPolicy, RawRule, RawRuleFile};
use super::{
    Assignee, Band, Cadence, CadenceTarget, CallPolicy, ChannelMix, Condition, Exclusion, Grade, Offset, Rate, Require,
    Rule, RuleSet, SampleUnit, Sampling, Schedule, Share, Step, Targets, Variant,
};
use crate::calendar::hours::{parse_month_day, CallHours, Season, TimeRange};
use crate::calendar::period::PeriodKind;
use crate::calendar::{file as calfile, Calendar, CallOn};
use crate::diag::{line_col, Diagnostic};
use crate::model::values::Channel;
use std::path::Path;
use std::sync::Arc;
use toml::Spanned;

/// Collects diagnostics for one file.
struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn line<T>(&self, s: &Spanned<T>) -> u64 {
        line_col(self.text, s.span().start).0
    }
    fn err(&mut self, line: u64, column: &str, msg: impl Into<String>) {
        self.diags.push(Diagnostic::new(self.path, line, column, msg));
    }
    fn offset(&mut self, s: &Spanned<String>, key: &str) -> Offset {
        Offset::parse(s.get_ref()).unwrap_or_else(|| {
            let line = self.line(s);
            self.err(
                line,
                key,
                format!("expected {}, found {:?}", Offset::EXPECTED, s.get_ref()),
            );
            Offset::ZERO
        })
    }
    fn channel(&mut self, s: &str, line: u64) -> Channel {
        s.parse().unwrap_or_else(|()| {
            self.err(
                line,
                "channel",
                format!("expected one of {}, found {s:?}", Channel::expected()),
            );
            Channel::Phone
        })
    }
    fn rate(&mut self, r: f64, line: u64, key: &str) -> u32 {
        if !(0.0..=1.0).contains(&r) || r.is_nan() {
            self.err(
                line,
                key,
                format!("expected a rate between 0 and 1 (0.3 for 30%), found {r}"),
            );
            return 10_000;
        }
        // Basis points keep the selection arithmetic in integers (no float drift).
        (r * 10_000.0).round() as u32
    }
}

/// Validates a parsed rule file. `text` is the file's text, for line numbers.
pub fn validate(path: &Path, text: &str, raw: RawRuleFile) -> Result<RuleSet, Vec<Diagnostic>> {
    let mut cx = Ctx {
        path,
        text,
        diags: Vec::new(),
    };
    let set_id = raw.id.clone().unwrap_or_else(|| {
        path.file_stem()
            .map_or("rules".into(), |s| s.to_string_lossy().into_owned())
    });
    if set_id.is_empty() || set_id.contains(['/', ' ']) {
        cx.err(
            1,
            "id",
            format!("rule file id {set_id:?} must be non-empty, without spaces or `/`"),
        );
    }
    let version = raw.version.get_ref().trim().to_string();
    if version.is_empty() {
        let l = cx.line(&raw.version);
        cx.err(
            l,
            "version",
            "expected a version string like \"2026.1\", found an empty string",
        );
    }

    let file_calls = call_policy(&mut cx, raw.calendar.as_ref(), None);
    let defaults = &raw.defaults;
    let mut rules = Vec::new();
    let mut seen = std::collections::BTreeMap::<String, u64>::new();
    for r in &raw.rules {
        let line = cx.line(&r.id);
        let short = r.id.get_ref().clone();
        if let Some(first) = seen.insert(short.clone(), line) {
            cx.err(
                line,
                "id",
                format!("duplicate rule id `{short}` (first defined on line {first})"),
            );
        }
        if short.is_empty() || short.contains(['/', ' ', '.']) {
            cx.err(
                line,
                "id",
                format!("rule id {short:?} must be non-empty, without spaces, `.` or `/`"),
            );
        }
        if let Some(rule) = rule(&mut cx, &set_id, &file_calls, defaults, r, line) {
            rules.push(rule);
        }
    }

    let channel_mix = raw
        .channel_mix
        .iter()
        .map(|m| ChannelMix {
            name: m.name.clone(),
            channels: m.channels.iter().map(|c| cx.channel(c, 0)).collect(),
            signed: m.signed,
            min: m.min,
            max: m.max,
            source: m.source.clone().unwrap_or_default(),
        })
        .collect();
    let shares = raw
        .shares
        .iter()
        .map(|s| Share {
            name: s.name.clone(),
            rules: s.rules.iter().map(|r| qualify(&set_id, r)).collect(),
            visitors: s.visitors.clone(),
            visitor_prefixes: s.visitor_prefixes.clone(),
            min: s.min,
            source: s.source.clone().unwrap_or_default(),
        })
        .collect();
    let bands = raw
        .bands
        .iter()
        .map(|b| Band {
            metric: b.metric.clone(),
            above: b.above,
            below: b.below,
            step: b.step,
            result: b.result.clone(),
            source: b.source.clone().unwrap_or_default(),
        })
        .collect();
    let variants = raw
        .variants
        .iter()
        .map(|v| Variant {
            name: v.name.clone(),
            description: v.description.clone(),
            source: v.source.clone().unwrap_or_default(),
            set: v.set.iter().map(|(k, val)| (k.clone(), val.to_string())).collect(),
        })
        .collect();

    if !cx.diags.is_empty() {
        return Err(cx.diags);
    }
    Ok(RuleSet {
        id: set_id,
        path: path.to_path_buf(),
        version,
        industry: raw.industry.unwrap_or_default(),
        title: raw.title.unwrap_or_default(),
        title_zh: raw.title_zh.unwrap_or_default(),
        description: raw.description.unwrap_or_default(),
        description_zh: raw.description_zh.unwrap_or_default(),
        sources: raw.sources,
        calls: file_calls,
        columns: raw.columns,
        kinds: raw.kinds,
        rules,
        variants,
        applied: Vec::new(),
        channel_mix,
        shares,
        bands,
    })
}

fn qualify(set: &str, rule: &str) -> String {
    if rule.contains('.') {
        rule.to_string()
    } else {
        format!("{set}.{rule}")
    }
}

/// Builds a call policy, inheriting from `base` what `raw` does not set.
fn call_policy(cx: &mut Ctx<'_>, raw: Option<&RawCallPolicy>, base: Option<&CallPolicy>) -> CallPolicy {
    let mut p = base.cloned().unwrap_or(CallPolicy {
        calendar: Arc::new(Calendar::default()),
        calendar_path: None,
        call_on: CallOn::Any,
        hours: CallHours::default(),
    });
    let Some(raw) = raw else { return p };
    if let Some(f) = &raw.file {
        let cal_path = calfile::resolve(cx.path, f.get_ref());
        match calfile::load(&cal_path) {
            Ok(c) => {
                p.calendar = Arc::new(c);
                p.calendar_path = Some(cal_path);
            }
            Err(ds) => {
                let l = cx.line(f);
                cx.err(
                    l,
                    "calendar.file",
                    format!("calendar {} is invalid:", cal_path.display()),
                );
                cx.diags.extend(ds);
            }
        }
    }
    if let Some(c) = &raw.call_on {
        match CallOn::parse(c.get_ref()) {
            Some(v) => p.call_on = v,
            None => {
                let l = cx.line(c);
                cx.err(
                    l,
                    "call_on",
                    format!("expected any, no_holidays or workdays, found {:?}", c.get_ref()),
                );
            }
        }
    }
    if let Some(h) = &raw.call_hours {
        p.hours.default = ranges(cx, h);
    }
    if !raw.seasons.is_empty() {
        p.hours.seasons = raw
            .seasons
            .iter()
            .filter_map(|s| {
                let from = month_day(cx, &s.from);
                let to = month_day(cx, &s.to);
                let hours = ranges(cx, &s.call_hours);
                Some(Season {
                    name: s.name.clone(),
                    from: from?,
                    to: to?,
                    hours,
                })
            })
            .collect();
    }
    p
}

fn month_day(cx: &mut Ctx<'_>, s: &Spanned<String>) -> Option<(u32, u32)> {
    let r = parse_month_day(s.get_ref());
    if r.is_none() {
        let l = cx.line(s);
        cx.err(
            l,
            "season",
            format!("expected a month-day like 05-01, found {:?}", s.get_ref()),
        );
    }
    r
}

fn ranges(cx: &mut Ctx<'_>, list: &[Spanned<String>]) -> Vec<TimeRange> {
    list.iter()
        .filter_map(|s| match TimeRange::parse(s.get_ref()) {
            Ok(r) => Some(r),
            Err(e) => {
                let l = cx.line(s);
                cx.err(l, "call_hours", e);
                None
            }
        })
        .collect()
}

fn assignee(a: Option<&RawAssignee>, fallback: &Assignee) -> Assignee {
    match a {
        None => fallback.clone(),
        Some(RawAssignee::Role(r)) => Assignee::Role(r.clone()),
        Some(RawAssignee::Column { column }) => Assignee::Column(column.clone()),
        Some(RawAssignee::By { by, map, default }) => Assignee::By {
            column: by.clone(),
            map: map.clone(),
            default: default.clone().unwrap_or_default(),
        },
    }
}

fn date_value(cx: &mut Ctx<'_>, v: Option<&toml::Value>, line: u64, key: &str) -> Option<chrono::NaiveDate> {
    let v = v?;
    let d = calfile::toml_date(v);
    if d.is_none() {
        cx.err(line, key, format!("expected a date like 2026-07-01, found {v}"));
    }
    d
}

#[allow(clippy::too_many_lines)]
fn rule(
    cx: &mut Ctx<'_>,
    set_id: &str,
    file_calls: &CallPolicy,
    d: &raw::RawDefaults,
    r: &RawRule,
    line: u64,
) -> Option<Rule> {
    let short = r.id.get_ref().clone();
    let id = format!("{set_id}.{short}");
    let n_before = cx.diags.len();
    if r.source.as_deref().is_none_or(|s| s.trim().is_empty()) {
        cx.err(
            line,
            "source",
            format!("rule `{short}`: every rule must cite its policy in `source` (seed file and section)"),
        );
    }
    let channels: Vec<Channel> = r
        .channel
        .as_ref()
        .or(d.channel.as_ref())
        .map(|c| c.to_vec())
        .unwrap_or_else(|| vec!["phone".into()])
        .iter()
        .map(|c| cx.channel(c, line))
        .collect();
    let default_channel = channels.first().copied().unwrap_or(Channel::Phone);
    let base_assignee = assignee(d.assignee.as_ref(), &Assignee::Role("visitor".into()));
    let rule_assignee = assignee(r.assignee.as_ref(), &base_assignee);
    let kinds: Vec<String> = r.kind.as_ref().map(|k| k.to_vec()).unwrap_or_default();

    // Steps: explicit [[rule.step]], or the rule's own anchor/after/within as one step.
    let mut steps = Vec::new();
    if r.cadence.is_none() {
        if r.anchor.is_none() && r.steps.iter().any(|s| s.anchor.is_none()) {
            cx.err(
                line,
                "anchor",
                format!("rule `{short}`: expected `anchor` (the order column the window counts from), found none"),
            );
        }
        let rule_anchor = r.anchor.as_ref().map(|a| a.get_ref().clone()).unwrap_or_default();
        if r.steps.is_empty() {
            if r.within.is_none() && r.after.is_none() {
                cx.err(
                    line,
                    "within",
                    format!("rule `{short}`: expected `within` (e.g. \"3d\") or `after`, or [[rule.step]] entries"),
                );
            }
            let after = r.after.as_ref().map_or(Offset::ZERO, |a| cx.offset(a, "after"));
            let within = r.within.as_ref().map_or(after, |w| cx.offset(w, "within"));
            steps.push(Step {
                name: "1".into(),
                anchor: rule_anchor.clone(),
                alt_anchors: Vec::new(),
                after,
                within,
                channel: default_channel,
                assignee: rule_assignee.clone(),
            });
        } else {
            if r.within.is_some() || r.after.is_some() {
                cx.err(
                    line,
                    "within",
                    format!("rule `{short}`: `after`/`within` belong in each [[rule.step]] when steps are given"),
                );
            }
            for (i, s) in r.steps.iter().enumerate() {
                let after = s.after.as_ref().map_or(Offset::ZERO, |a| cx.offset(a, "after"));
                let within = s.within.as_ref().map_or(after, |w| cx.offset(w, "within"));
                let channel = s
                    .channel
                    .as_ref()
                    .and_then(|c| c.to_vec().first().cloned())
                    .map_or(default_channel, |c| cx.channel(&c, line));
                steps.push(Step {
                    name: s.name.clone().unwrap_or_else(|| (i + 1).to_string()),
                    anchor: s
                        .anchor
                        .as_ref()
                        .and_then(|a| a.get_ref().to_vec().first().cloned())
                        .unwrap_or_else(|| rule_anchor.clone()),
                    alt_anchors: s.anchor.as_ref().map_or_else(Vec::new, |a| {
                        a.get_ref()
                            .to_vec()
                            .into_iter()
                            .skip(1)
                            .map(|spec| match spec.split_once('+') {
                                // `column + 3d`: the column's date shifted by the offset.
                                Some((col, off)) => {
                                    let o = Offset::parse(off).unwrap_or_else(|| {
                                        cx.err(
                                            line,
                                            "anchor",
                                            format!(
                                                "rule `{short}`: expected `column + {}` in {spec:?}",
                                                Offset::EXPECTED
                                            ),
                                        );
                                        Offset::ZERO
                                    });
                                    (col.trim().to_string(), o)
                                }
                                None => (spec.trim().to_string(), Offset::ZERO),
                            })
                            .collect()
                    }),
                    after,
                    within,
                    channel,
                    assignee: assignee(s.assignee.as_ref(), &rule_assignee),
                });
            }
        }
        if steps.first().is_some_and(|s| !s.alt_anchors.is_empty()) {
            cx.err(line, "anchor", format!("rule `{short}`: the first step decides whether an order is an event at all, so it takes one anchor column, not a list"));
        }
        for s in &steps {
            if s.within.approx_days() < s.after.approx_days() {
                cx.err(
                    line,
                    "within",
                    format!(
                        "rule `{short}` step `{}`: window closes ({}) before it opens ({})",
                        s.name, s.within, s.after
                    ),
                );
            }
            if s.name.contains(['/', ' ']) {
                cx.err(
                    line,
                    "step",
                    format!("rule `{short}`: step name {:?} must not contain `/` or spaces", s.name),
                );
            }
        }
        let mut names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            cx.err(line, "step", format!("rule `{short}`: step names must be unique"));
        }
        if kinds.is_empty() && r.matches.is_empty() {
            cx.err(
                line,
                "kind",
                format!("rule `{short}`: expected `kind` (the order kinds it applies to)"),
            );
        }
    }

    let exclusions = r
        .exclude
        .iter()
        .filter_map(|e| {
            let condition = if let Some(limit) = &e.shorter_than {
                let (Some(from), Some(to)) = (&e.from, &e.to) else {
                    cx.err(line, "exclude", format!("rule `{short}`: `shorter_than` needs `from` and `to` columns"));
                    return None;
                };
                Condition::ShorterThan { from: from.clone(), to: to.clone(), limit: cx.offset(limit, "shorter_than") }
            } else if let Some(column) = &e.column {
                match (&e.values, e.empty) {
                    (Some(v), None) => Condition::In { column: column.clone(), values: v.iter().map(|s| s.trim().to_lowercase()).collect() },
                    (None, Some(empty)) => Condition::Empty { column: column.clone(), empty },
                    _ => {
                        cx.err(line, "exclude", format!("rule `{short}`: an exclusion on `{column}` needs exactly one of `in = [...]` or `empty = true|false`"));
                        return None;
                    }
                }
            } else {
                cx.err(line, "exclude", format!("rule `{short}`: an exclusion needs `column` or `shorter_than`"));
                return None;
            };
            Some(Exclusion { reason: e.reason.clone(), condition })
        })
        .collect();

    let sample = r.sample.as_ref().map(|s| {
        let per = PeriodKind::parse(s.per.get_ref()).unwrap_or_else(|| {
            let l = cx.line(&s.per);
            cx.err(
                l,
                "sample.per",
                format!("expected one of {}, found {:?}", PeriodKind::EXPECTED, s.per.get_ref()),
            );
            PeriodKind::Month
        });
        let rate = if s.tiers.is_empty() {
            match s.rate {
                Some(x) => Rate::Fixed(cx.rate(x, line, "sample.rate")),
                None if s.min.is_some() => Rate::Fixed(0),
                None => {
                    cx.err(
                        line,
                        "sample",
                        format!("rule `{short}`: a sample needs `rate`, `tiers` or `min`"),
                    );
                    Rate::Fixed(10_000)
                }
            }
        } else {
            let mut rows: Vec<(u32, u32)> = s
                .tiers
                .iter()
                .map(|t| (t.min_population, cx.rate(t.rate, line, "sample.tiers")))
                .collect();
            rows.sort_unstable();
            if rows.windows(2).any(|w| w[0].0 == w[1].0) {
                cx.err(
                    line,
                    "sample.tiers",
                    format!("rule `{short}`: two tiers share a min_population"),
                );
            }
            Rate::Tiered(rows)
        };
        let unit = match s.unit.as_deref().unwrap_or("order") {
            "order" => SampleUnit::Order,
            "customer" | "household" => SampleUnit::Customer,
            other => {
                cx.err(
                    line,
                    "sample.unit",
                    format!("expected order or customer, found {other:?}"),
                );
                SampleUnit::Order
            }
        };
        Sampling {
            rate,
            per,
            unit,
            min: s.min.unwrap_or(0),
            max: s.max,
            seed: s.seed.clone().unwrap_or_default(),
        }
    });

    let cadence = r.cadence.as_ref().map(|c| {
        let target = match c.per.as_str() {
            "customer" => CadenceTarget::Customers {
                segments: c.segments.clone(),
                flags: c.flags.clone(),
            },
            "order" => {
                if r.anchor.is_none() {
                    cx.err(
                        line,
                        "anchor",
                        format!("rule `{short}`: an order cadence needs `anchor`"),
                    );
                }
                if kinds.is_empty() {
                    cx.err(line, "kind", format!("rule `{short}`: an order cadence needs `kind`"));
                }
                CadenceTarget::Orders
            }
            other => {
                cx.err(
                    line,
                    "cadence.per",
                    format!("expected customer or order, found {other:?}"),
                );
                CadenceTarget::Orders
            }
        };
        let schedule = if c.phases.is_empty() {
            let every = c.every.as_ref().map_or(PeriodKind::Month, |e| {
                PeriodKind::parse(e.get_ref()).unwrap_or_else(|| {
                    let l = cx.line(e);
                    cx.err(
                        l,
                        "cadence.every",
                        format!(
                            "expected one of {}, found {:?} (use phases = [...] for offsets from an anchor)",
                            PeriodKind::EXPECTED,
                            e.get_ref()
                        ),
                    );
                    PeriodKind::Month
                })
            });
            if c.months.iter().any(|m| !(1..=12).contains(m)) {
                cx.err(line, "cadence.months", "expected months between 1 and 12");
            }
            Schedule::Aligned {
                every,
                months: c.months.clone(),
            }
        } else {
            Schedule::Phased(
                c.phases
                    .iter()
                    .map(|p| {
                        (
                            p.until.as_ref().map(|u| cx.offset(u, "phases.until")),
                            cx.offset(&p.every, "phases.every"),
                        )
                    })
                    .collect(),
            )
        };
        if let Schedule::Phased(ph) = &schedule {
            if ph.iter().any(|(_, e)| e.n == 0) {
                cx.err(
                    line,
                    "cadence.phases",
                    format!("rule `{short}`: a phase's `every` must be more than zero"),
                );
            }
        }
        let require = c
            .require
            .iter()
            .map(|q| Require {
                channels: q.channels.iter().map(|ch| cx.channel(ch, line)).collect(),
                count: q.count,
            })
            .collect();
        Cadence {
            target,
            schedule,
            until: c.until.as_ref().map(|u| cx.offset(u, "cadence.until")),
            until_column: c.until_column.clone(),
            start: date_value(cx, c.start.as_ref(), line, "cadence.start"),
            require,
        }
    });
    if let Some(c) = &cadence {
        // A cadence has one step per slot, anchored on the rule's anchor.
        steps = vec![Step {
            name: "slot".into(),
            anchor: r.anchor.as_ref().map(|a| a.get_ref().clone()).unwrap_or_default(),
            alt_anchors: Vec::new(),
            after: Offset::ZERO,
            within: Offset::ZERO,
            channel: default_channel,
            assignee: rule_assignee.clone(),
        }];
        if matches!(c.target, CadenceTarget::Customers { .. }) && !kinds.is_empty() {
            cx.err(
                line,
                "kind",
                format!("rule `{short}`: a customer cadence does not take `kind`"),
            );
        }
    }

    let targets = r.targets.clone().unwrap_or_default();
    for (k, v) in [
        ("visit_rate", targets.visit_rate),
        ("success_rate", targets.success_rate),
        ("on_time_rate", targets.on_time_rate),
        ("satisfied_rate", targets.satisfied_rate),
    ] {
        if let Some(v) = v {
            if !(0.0..=1.0).contains(&v) {
                cx.err(
                    line,
                    "targets",
                    format!("rule `{short}`: target {k} must be between 0 and 1, found {v}"),
                );
            }
        }
    }
    let scale = r.score_scale.or(d.score_scale).unwrap_or([0.0, 10.0]);
    if scale[0] >= scale[1] {
        cx.err(
            line,
            "score_scale",
            format!(
                "rule `{short}`: score_scale [{}, {}] must run from low to high",
                scale[0], scale[1]
            ),
        );
    }
    let calls = call_policy(cx, r.calendar.as_ref(), Some(file_calls));
    let effective_from = date_value(cx, r.effective_from.as_ref(), line, "effective_from");
    let effective_until = date_value(cx, r.effective_until.as_ref(), line, "effective_until");
    if let (Some(f), Some(u)) = (effective_from, effective_until) {
        if f > u {
            cx.err(
                line,
                "effective_until",
                format!("rule `{short}`: effective_until {u} is before effective_from {f}"),
            );
        }
    }
    let cooldown = r.cooldown.as_ref().or(d.cooldown.as_ref()).map(|c| {
        let o = cx.offset(c, "cooldown");
        u32::try_from(o.approx_days()).unwrap_or(0)
    });

    if cx.diags.len() > n_before {
        return None;
    }
    Some(Rule {
        id,
        short_id: short,
        line,
        title: r.title.clone().unwrap_or_default(),
        title_zh: r.title_zh.clone().unwrap_or_default(),
        source: r.source.clone().unwrap_or_default(),
        notes: r.notes.clone().unwrap_or_default(),
        kinds,
        matches: r
            .matches
            .iter()
            .map(|(k, v)| (k.clone(), v.to_vec().iter().map(|s| s.trim().to_lowercase()).collect()))
            .collect(),
        steps,
        channels,
        max_attempts: r.max_attempts.or(d.max_attempts).unwrap_or(3),
        exclude_flags: r
            .exclude_flags
            .clone()
            .or_else(|| d.exclude_flags.clone())
            .unwrap_or_default()
            .iter()
            .map(|f| f.to_lowercase())
            .collect(),
        exclusions,
        calls,
        effective_from,
        effective_until,
        sample,
        cooldown,
        cadence,
        targets: Targets {
            visit_rate: targets.visit_rate,
            success_rate: targets.success_rate,
            on_time_rate: targets.on_time_rate,
            satisfied_rate: targets.satisfied_rate,
            score_avg: targets.score_avg,
        },
        grades: r
            .grades
            .iter()
            .map(|g| Grade {
                min: g.min,
                grade: g.grade.clone(),
            })
            .collect(),
        score_scale: (scale[0], scale[1]),
        satisfied_at: r.satisfied_at.or(d.satisfied_at).unwrap_or(scale[1] * 0.8),
        min_visits: r.min_visits,
        unreachable_counts: r.unreachable_counts.unwrap_or(false),
    })
}

impl RuleSet {
    /// Order columns the rules read, each with the rule and line that reads it.
    /// The flag says whether the column is required. Exclusion columns and later steps'
    /// anchors are optional: an export without an `anonymous` column has no anonymous
    /// complaints to exclude, one without `contract_mid` never reaches that step.
    pub fn referenced_columns(&self) -> Vec<(String, &Rule, bool)> {
        let mut out = Vec::new();
        for r in &self.rules {
            let mut push_as = |c: &str, required: bool| {
                if !c.is_empty() {
                    out.push((c.to_string(), r, required));
                }
            };
            if !r.kinds.is_empty() {
                push_as("kind", true);
            }
            for (c, _) in &r.matches {
                push_as(c, true);
            }
            for (i, s) in r.steps.iter().enumerate() {
                // The first step's anchor decides whether an order is an event at all; a later
                // step's anchor missing from the export is like one never filled in.
                push_as(&s.anchor, i == 0 || r.cadence.is_some());
                for (a, _) in &s.alt_anchors {
                    push_as(a, false);
                }
                match &s.assignee {
                    Assignee::Column(c) | Assignee::By { column: c, .. } => push_as(c, true),
                    Assignee::Role(_) => {}
                }
            }
            if let Some(c) = r.cadence.as_ref().and_then(|c| c.until_column.as_ref()) {
                push_as(c, true);
            }
            for e in &r.exclusions {
                match &e.condition {
                    Condition::In { column, .. } | Condition::Empty { column, .. } => push_as(column, false),
                    Condition::ShorterThan { from, to, .. } => {
                        push_as(from, false);
                        push_as(to, false);
                    }
                }
            }
        }
        out
    }
}
