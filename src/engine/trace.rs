//! The decision record `explain` prints, built from the same [`Evaluated`] items as the
//! due list, so the two can never disagree.

use super::Evaluated;
use crate::model::due::Resolution;
use crate::rules::Rule;
use chrono::NaiveDate;

/// Plain-language lines explaining one item as of `as_of`.
pub fn explain_item(e: &Evaluated, rule: &Rule, as_of: NaiveDate, horizon: i64) -> Vec<String> {
    let mut out = vec![
        format!("due_id:   {}", e.due_id),
        format!("rule:     {} — {} (version {})", rule.id, rule.title, e.version),
        format!("source:   {}", rule.source),
        format!(
            "customer: {}   order: {}   kind: {}",
            e.customer_id,
            if e.order_id.is_empty() { "-" } else { &e.order_id },
            e.kind
        ),
        format!("anchor:   {}", e.anchor.format("%Y-%m-%d %H:%M")),
    ];
    let step = rule.steps.iter().find(|s| s.name == e.step);
    let timing = step.map_or(String::new(), |s| {
        format!(" (from {} + {} to + {} on `{}`)", "anchor", s.after, s.within, s.anchor)
    });
    out.push(format!(
        "window:   {} .. {}{}",
        e.window_start,
        e.window_end,
        if rule.cadence.is_some() {
            " (cadence slot)".to_string()
        } else {
            timing
        }
    ));
    if e.shifted {
        out.push("          the window's every day was non-callable, so its end moved to the next callable day".into());
    }
    match &e.excluded {
        Some(r) => out.push(format!("excluded: yes — {r}")),
        None => out.push("excluded: no".into()),
    }
    match &e.sample {
        Some(s) => out.push(format!(
            "sampled:  {} — period {} has {} eligible unit(s), {} required{}{}{}{}",
            if s.selected { "selected" } else { "not selected" },
            s.period,
            s.population,
            s.required,
            if s.topup {
                "; chosen by the close-of-period top-up"
            } else {
                ""
            },
            if s.blocked {
                "; customer in cool-down when it arrived"
            } else {
                ""
            },
            if s.over > 0 {
                format!("; {} over-selected to keep earlier lists stable", s.over)
            } else {
                String::new()
            },
            if s.closed {
                ""
            } else {
                "; the period is still open: the count is made exact when it closes"
            },
        )),
        None if rule.sample.is_some() => {
            out.push("sampled:  no — excluded units are not part of the sampled population".into());
        }
        None => out.push("sampled:  no — the rule covers 100%".into()),
    }
    let state = match &e.resolution {
        Resolution::Open => "open".to_string(),
        Resolution::Reached { on } => format!("reached on {on}"),
        Resolution::Refused => "closed: the customer refused".to_string(),
        Resolution::Unreachable => format!("closed: unreachable after {} failed attempts", rule.max_attempts),
    };
    out.push(format!(
        "attempts: {} (limit {} failed) — {state}",
        e.attempts, rule.max_attempts
    ));
    let listed = e.status(as_of, horizon, rule);
    out.push(match listed {
        Some(s) => format!("on the list for {as_of}: yes, status {s}"),
        None => format!("on the list for {as_of}: no"),
    });
    if !e.flags.is_empty() {
        out.push(format!("flags:    {}", e.flags.join("; ")));
    }
    out
}
