//! The due list's items: what a row of the list is made of, kept from each evaluated item
//! as the orders stream by.
//!
//! An [`Evaluated`] item carries what every command needs of it (a report's department
//! and staff, an explanation's exclusion and first reach). The due list keeps hundreds of
//! thousands of items until the last is found, then sorts and writes them: each is kept
//! as a [`Listed`] (200 bytes, not 376): at 5M orders, 639k items, ~33k fewer page faults
//! and ~68 MB less at the peak.

use super::{deadline_order_of_runs, open_status, Deadline, Evaluated};
use crate::model::due::{DueItem, Resolution, Status};
use crate::model::values::Channel;
use crate::model::{Name, Text};
use crate::rules::{Rule, Rules};
use chrono::NaiveDate;
use rustc_hash::FxHashMap as HashMap;

/// A due-list item: the fields of [`Evaluated`] a row is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    /// Stable id.
    pub due_id: Text,
    /// Step name.
    pub step: Text,
    /// Customer id.
    pub customer_id: Text,
    /// Order id ("" for customer cadences).
    pub order_id: Text,
    /// Order kind.
    pub kind: Text,
    /// Assignee.
    pub assignee: Text,
    /// Full rule id (its file's version is looked up by it when the row is made).
    pub rule: Name,
    /// Warnings (most items have none: one word, not a list's three).
    pub flags: Option<Box<Vec<String>>>,
    /// Customer position.
    pub customer: Option<u32>,
    /// The anchor's day.
    pub anchor: NaiveDate,
    /// Window start.
    pub window_start: NaiveDate,
    /// Window end (after the holiday shift).
    pub window_end: NaiveDate,
    /// Attempts so far.
    pub attempts: u32,
    /// Channel.
    pub channel: Channel,
    /// Required by its rule and still open (else it is never listed).
    pub open: bool,
}

impl Listed {
    /// The item's row fields, taken out of `e` (its strings are moved, not copied).
    pub fn take(e: &mut Evaluated) -> Self {
        let take = std::mem::take::<Text>;
        Listed {
            open: e.required() && e.resolution == Resolution::Open,
            due_id: take(&mut e.due_id),
            step: take(&mut e.step),
            customer_id: take(&mut e.customer_id),
            order_id: take(&mut e.order_id),
            kind: take(&mut e.kind),
            assignee: take(&mut e.assignee),
            rule: e.rule,
            flags: (!e.flags.is_empty()).then(|| Box::new(std::mem::take(&mut e.flags))),
            // A customer table holds fewer than 2^32 customers (positions are u32 in
            // its index too).
            customer: e.customer.and_then(|c| u32::try_from(c).ok()),
            anchor: e.anchor.date(),
            window_start: e.window_start,
            window_end: e.window_end,
            attempts: e.attempts,
            channel: e.channel,
        }
    }

    /// As [`Evaluated::status`].
    pub fn status(&self, as_of: NaiveDate, horizon: i64, rule: &Rule) -> Option<Status> {
        if !self.open {
            return None;
        }
        open_status(self.window_start, self.window_end, as_of, horizon, rule)
    }
}

impl Deadline for Listed {
    fn deadline(&self) -> (NaiveDate, &str) {
        (self.window_end, &self.due_id)
    }
}

/// The items by deadline, then due id, as references: for a list that is read once, in
/// order, and dropped (the due list), the items stay where they are. Moving them into
/// order took ~0.26 s of one core for a 5M-order due list (639k items); reading them
/// where they lie costs a cache miss each, taken on the cores that render them.
pub fn by_deadline(runs: &mut [Vec<Listed>]) -> Vec<&mut Listed> {
    let order = deadline_order_of_runs(&runs.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let mut slots: Vec<Option<&mut Listed>> = runs.iter_mut().flatten().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// Reads the fields a due-list row is made of, for every item, in a tight loop: items in
/// deadline order lie all over the list (see [`by_deadline`]), and reading them a few
/// hundred at a time lets their cache misses overlap instead of stalling row by row.
pub fn warm<'e>(items: impl Iterator<Item = &'e Listed>) {
    let seen = items.fold(0usize, |a, e| {
        a ^ e.due_id.len()
            ^ e.step.len()
            ^ e.customer_id.len()
            ^ e.order_id.len()
            ^ e.kind.len()
            ^ e.assignee.len()
            ^ e.flags.as_ref().map_or(0, |f| f.len())
            ^ e.rule.len()
            ^ e.customer.unwrap_or(0) as usize
            ^ e.attempts as usize
            ^ chrono::Datelike::ordinal(&e.window_end) as usize
    });
    std::hint::black_box(seen);
}

/// Turns items into due-list rows as of `as_of`, lazily, so a large list can be written
/// as it is made; each row comes with its customer's position. A row takes its cells out
/// of its item (see [`by_deadline`]): the items are spent.
pub fn due_rows<'a>(
    items: impl IntoIterator<Item = &'a mut Listed> + 'a,
    rules: &'a Rules,
    as_of: NaiveDate,
    horizon: i64,
) -> impl Iterator<Item = (Option<usize>, DueItem)> + 'a {
    // Each rule's calling hours for the day, worked out once, and its file's version.
    let by_id: HashMap<&str, (&Rule, Text, Name)> = rules
        .iter()
        .map(|(set, rule)| {
            let hours = if rule.calls.calendar.is_callable(as_of, rule.calls.call_on) {
                rule.calls.hours.render(as_of).into()
            } else {
                Text::default()
            };
            (rule.id.as_str(), (rule, hours, crate::model::intern(&set.version)))
        })
        .collect();
    let take = std::mem::take::<Text>;
    items.into_iter().filter_map(move |e| {
        let (rule, hours, version) = by_id.get(e.rule)?;
        let status = e.status(as_of, horizon, rule)?;
        Some((
            e.customer.map(|c| c as usize),
            DueItem {
                due_id: take(&mut e.due_id),
                rule: e.rule,
                step: take(&mut e.step),
                customer_id: take(&mut e.customer_id),
                customer_name: Text::default(),
                phone: Text::default(),
                order_id: take(&mut e.order_id),
                kind: take(&mut e.kind),
                anchor: e.anchor,
                window_start: e.window_start,
                window_end: e.window_end,
                status,
                days_left: (e.window_end - as_of).num_days(),
                attempts: e.attempts,
                channel: Text::const_new(e.channel.as_str()),
                assignee: take(&mut e.assignee),
                flags: e.flags.as_ref().map_or_else(Text::default, |f| f.join(";").into()),
                version,
                call_hours: hours.clone(),
            },
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SampleInfo;
    use crate::rules::load::{load_one, Overrides};
    use chrono::Duration;
    use proptest::prelude::*;

    fn rules() -> Rules {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let set = load_one(&dir.join("rules/property.toml"), &Overrides::default()).unwrap();
        Rules { sets: vec![set] }
    }

    #[test]
    fn a_listed_item_is_smaller_than_half_a_kilobyte_and_two_thirds_of_an_evaluated_one() {
        assert_eq!(std::mem::size_of::<Listed>(), 200);
        assert!(std::mem::size_of::<Listed>() * 3 <= std::mem::size_of::<Evaluated>() * 2);
    }

    proptest! {
        /// A kept item has the status its whole item has, whatever its resolution,
        /// exclusion, sampling, window and the list's date and horizon; its row fields
        /// are the whole item's.
        #[test]
        fn a_listed_item_has_its_evaluated_status_and_fields(
            start in 0i64..60,
            len in 0i64..20,
            today in 0i64..90,
            horizon in 0i64..10,
            resolution in 0u8..4,
            excluded: bool,
            sampled in 0u8..3,
            customer in proptest::option::of(0usize..1000),
            flagged: bool,
        ) {
            let rules = rules();
            let (_, rule) = rules.iter().next().unwrap();
            let base = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
            let mut e = crate::engine::tests::item(base + Duration::days(start + len), 7);
            e.window_start = base + Duration::days(start);
            e.anchor = (base + Duration::days(start)).and_hms_opt(9, 30, 0).unwrap();
            e.customer = customer;
            e.flags = if flagged { vec!["a".into(), "b".into()] } else { Vec::new() };
            e.resolution = match resolution {
                0 => Resolution::Open,
                1 => Resolution::Reached { on: base },
                2 => Resolution::Refused,
                _ => Resolution::Unreachable,
            };
            e.excluded = excluded.then(|| "closed as a duplicate".into());
            e.sample = (sampled > 0).then(|| Box::new(SampleInfo {
                period: "2026-09".into(),
                population: 10,
                required: 3,
                selected: sampled == 1,
                topup: false,
                blocked: false,
                over: 0,
                closed: false,
            }));
            let as_of = base + Duration::days(today);
            let l = Listed::take(&mut e.clone());
            prop_assert_eq!(l.status(as_of, horizon, rule), e.status(as_of, horizon, rule));
            prop_assert_eq!(
                (&l.due_id, &l.step, &l.customer_id, &l.order_id, &l.kind, &l.assignee, l.flags.as_deref().map_or(&[][..], |f| &f[..])),
                (&e.due_id, &e.step, &e.customer_id, &e.order_id, &e.kind, &e.assignee, &e.flags[..])
            );
            prop_assert_eq!((l.rule, l.anchor, l.window_start, l.window_end), (e.rule, e.anchor.date(), e.window_start, e.window_end));
            prop_assert_eq!((l.customer.map(|c| c as usize), l.attempts, l.channel), (e.customer, e.attempts, e.channel));
        }
    }
}
