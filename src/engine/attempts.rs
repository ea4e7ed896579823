//! Visits → the state of one item: reached, refused, unreachable after N failed
//! attempts (the hospital policy's "three unanswered calls = unsuccessful"), or open.

use crate::model::due::Resolution;
use crate::model::{AttemptLog, Reach};
use chrono::NaiveDate;

/// What the log says about an item as of a date (later visits are ignored, so a list
/// for a past date is what it was on that date).
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptState {
    /// How it stands.
    pub resolution: Resolution,
    /// Attempts counted.
    pub attempts: u32,
    /// The first reached visit.
    pub reach: Option<Reach>,
}

/// Classifies the attempts on an item as of `as_of` with a limit of `max_failed`.
pub fn classify(log: Option<&AttemptLog>, as_of: NaiveDate, max_failed: u32) -> AttemptState {
    let Some(log) = log else {
        return AttemptState {
            resolution: Resolution::Open,
            attempts: 0,
            reach: None,
        };
    };
    let upto = |d: &chrono::NaiveDateTime| d.date() <= as_of;
    let reach = log.reached.iter().filter(|r| upto(&r.at)).min_by_key(|r| r.at).cloned();
    let failed = log.failed_times.iter().filter(|t| upto(t)).count() as u32;
    let refused = log.refused_at.filter(upto);
    let attempts = failed + u32::from(refused.is_some()) + log.reached.iter().filter(|r| upto(&r.at)).count() as u32;
    let resolution = if let Some(r) = &reach {
        Resolution::Reached { on: r.at.date() }
    } else if refused.is_some() {
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
    use crate::model::values::{Channel, Outcome};
    use crate::model::Visit;

    fn visit(at: &str, outcome: Outcome) -> Visit {
        Visit {
            due_id: "x".into(),
            visited_at: crate::io::dates::parse_datetime(at).unwrap(),
            channel: Channel::Phone,
            visitor: "张".into(),
            outcome,
            score: None,
            signed: false,
        }
    }
    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn three_unanswered_calls_close_the_item_as_unreachable() {
        let mut log = AttemptLog::default();
        log.add(&visit("2026-11-20 10:00", Outcome::NoAnswer));
        log.add(&visit("2026-11-21 10:00", Outcome::Busy));
        assert_eq!(classify(Some(&log), d("2026-11-23"), 3).resolution, Resolution::Open);
        log.add(&visit("2026-11-22 10:00", Outcome::WrongNumber));
        let s = classify(Some(&log), d("2026-11-23"), 3);
        assert_eq!((s.resolution, s.attempts), (Resolution::Unreachable, 3));
        // As of the 21st only two attempts had been made.
        assert_eq!(classify(Some(&log), d("2026-11-21"), 3).resolution, Resolution::Open);
    }

    #[test]
    fn reached_wins_over_failures_and_refusal_closes() {
        let mut log = AttemptLog::default();
        log.add(&visit("2026-11-20 10:00", Outcome::NoAnswer));
        log.add(&visit("2026-11-21 10:00", Outcome::Reached));
        assert_eq!(
            classify(Some(&log), d("2026-11-23"), 1).resolution,
            Resolution::Reached { on: d("2026-11-21") }
        );
        let mut log = AttemptLog::default();
        log.add(&visit("2026-11-20 10:00", Outcome::Refused));
        assert_eq!(classify(Some(&log), d("2026-11-23"), 3).resolution, Resolution::Refused);
        assert_eq!(classify(None, d("2026-11-23"), 3).attempts, 0);
    }
}
