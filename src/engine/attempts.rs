//! Visits → the state of one item: reached, refused, unreachable after N failed
//! attempts (the hospital policy's "three unanswered calls = unsuccessful"), or open.

use crate::model::attempt_log::{Attempt, Attempts};
use crate::model::due::Resolution;
use crate::model::values::Outcome;
use chrono::NaiveDate;

/// What the log says about an item as of a date (later visits are ignored, so a list
/// for a past date is what it was on that date).
#[derive(Debug, Clone)]
pub struct AttemptState<'a> {
    /// How it stands.
    pub resolution: Resolution,
    /// Attempts counted.
    pub attempts: u32,
    /// The first reached visit, still in the log: it becomes an item's owned `Reach` only
    /// when the item is built (most items asked about are not, and making one shares the
    /// visitor's name).
    pub reach: Option<Attempt<'a>>,
}

/// Classifies the attempts on an item as of `as_of` with a limit of `max_failed`.
pub fn classify(log: Option<Attempts<'_>>, as_of: NaiveDate, max_failed: u32) -> AttemptState<'_> {
    let (mut reach, mut failed, mut refused, mut reached) = (None::<Attempt<'_>>, 0u32, false, 0u32);
    for a in log.into_iter().flatten() {
        // Later visits are ignored, so a list for a past date is what it was then.
        if a.at().date() > as_of {
            continue;
        }
        match a.outcome() {
            Outcome::Reached => {
                reached += 1;
                if reach.is_none_or(|r| a.at() < r.at()) {
                    reach = Some(a);
                }
            }
            Outcome::Refused => refused = true,
            Outcome::NoAnswer | Outcome::Busy | Outcome::WrongNumber => failed += 1,
        }
    }
    let attempts = failed + u32::from(refused) + reached;
    let resolution = if let Some(r) = &reach {
        Resolution::Reached { on: r.at().date() }
    } else if refused {
        Resolution::Refused
    } else if max_failed > 0 && failed >= max_failed {
        Resolution::Unreachable
    } else {
        Resolution::Open
    };
    AttemptState {
        resolution,
        attempts,
        reach,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::attempt_log::AttemptLog;
    use crate::model::values::Channel;

    /// A frozen log of attempts on item `x`, in this order.
    fn log_of(attempts: &[(&str, Outcome)]) -> AttemptLog {
        let mut log = AttemptLog::default();
        for &(at, outcome) in attempts {
            let at = crate::io::dates::parse_datetime(at).unwrap();
            log.record("x", at, Channel::Phone, outcome, None, false, "张");
        }
        log.freeze();
        log
    }
    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn three_unanswered_calls_close_the_item_as_unreachable() {
        let two = [
            ("2026-11-20 10:00", Outcome::NoAnswer),
            ("2026-11-21 10:00", Outcome::Busy),
        ];
        let log = log_of(&two);
        assert_eq!(classify(log.get("x"), d("2026-11-23"), 3).resolution, Resolution::Open);
        let log = log_of(&[two[0], two[1], ("2026-11-22 10:00", Outcome::WrongNumber)]);
        let s = classify(log.get("x"), d("2026-11-23"), 3);
        assert_eq!((s.resolution, s.attempts), (Resolution::Unreachable, 3));
        // As of the 21st only two attempts had been made.
        assert_eq!(classify(log.get("x"), d("2026-11-21"), 3).resolution, Resolution::Open);
    }

    #[test]
    fn reached_wins_over_failures_and_refusal_closes() {
        let log = log_of(&[
            ("2026-11-20 10:00", Outcome::NoAnswer),
            ("2026-11-21 10:00", Outcome::Reached),
        ]);
        assert_eq!(
            classify(log.get("x"), d("2026-11-23"), 1).resolution,
            Resolution::Reached { on: d("2026-11-21") }
        );
        let log = log_of(&[("2026-11-20 10:00", Outcome::Refused)]);
        assert_eq!(
            classify(log.get("x"), d("2026-11-23"), 3).resolution,
            Resolution::Refused
        );
        assert_eq!(classify(None, d("2026-11-23"), 3).attempts, 0);
    }
}
