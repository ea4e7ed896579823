//! Exclusions: customer flags (deceased, dispute, privacy, do_not_contact) and order
//! conditions (stays under 24 hours, anonymous complaints).

use super::Compiled;
use crate::model::{Customer, Order};
use crate::rules::Condition;

/// The reason the item is excluded, or `None`.
pub fn exclusion_reason(c: &Compiled, customer: Customer<'_>, order: Option<&Order>) -> Option<String> {
    let flags = customer.flags();
    if let Some(f) = c.rule.exclude_flags.iter().find(|f| flags.iter().any(|x| **x == ***f)) {
        return Some(format!("customer flag {f}"));
    }
    let order = order?;
    for (e, cols) in c.rule.exclusions.iter().zip(&c.exclusion_cols) {
        let hit = match (&e.condition, cols) {
            (Condition::In { values, .. }, (Some(i), _)) => {
                let v = order.field(*i);
                values.iter().any(|x| crate::rules::eq_folded(x, v))
            }
            (Condition::Empty { empty, .. }, (Some(i), _)) => order.field(*i).is_empty() == *empty,
            (Condition::ShorterThan { limit, .. }, (Some(a), Some(b))) => {
                match (order.datetime(*a), order.datetime(*b)) {
                    (Some(from), Some(to)) => {
                        let limit_end = crate::engine::window::add_offset(from, *limit, &c.rule.calls.calendar);
                        match limit.unit {
                            // Sub-day limits compare clock time; others compare dates.
                            crate::rules::Unit::Hours => (to - from).num_minutes() < i64::from(limit.n) * 60,
                            _ => to.date() < limit_end,
                        }
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if hit {
            return Some(e.reason.clone());
        }
    }
    None
}
