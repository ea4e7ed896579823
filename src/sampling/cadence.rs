//! Recurring cadences: slots aligned to calendar periods (key accounts weekly, routine
//! accounts monthly, surveys every January and July) or relative to an anchor in phases
//! (renovation warranty: quarterly in year one, half-yearly in year two, then yearly).

use crate::calendar::period::Period;
use crate::calendar::Calendar;
use crate::engine::window::add_offset;
use crate::model::values::Channel;
use crate::rules::{Cadence, Require, Schedule};
use chrono::{Datelike, NaiveDate, NaiveDateTime};

/// One cadence slot: the window a contact must fall in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// Label used in due ids: `2026-11`, `2026-W47`, or `s3` (third anchored slot).
    pub label: String,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
}

/// Aligned slots whose period starts within `[from, to]`.
pub fn aligned_slots(c: &Cadence, from: NaiveDate, to: NaiveDate) -> Vec<Slot> {
    let Schedule::Aligned { every, months } = &c.schedule else {
        return Vec::new();
    };
    let mut p = Period::containing(*every, from);
    let mut out = Vec::new();
    while p.start <= to && out.len() < 10_000 {
        if months.is_empty() || months.contains(&p.start.month()) {
            out.push(Slot {
                label: p.to_string(),
                start: p.start,
                end: p.end,
            });
        }
        p = p.next();
    }
    out
}

/// Anchored slots from `anchor` up to the cadence's end (`until`, or `end_date`),
/// generating no slot that starts after `horizon`.
pub fn phased_slots(
    c: &Cadence,
    anchor: NaiveDateTime,
    end_date: Option<NaiveDate>,
    horizon: NaiveDate,
    cal: &Calendar,
) -> Vec<Slot> {
    let Schedule::Phased(phases) = &c.schedule else {
        return Vec::new();
    };
    let stop = match (c.until.map(|u| add_offset(anchor, u, cal)), end_date) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let mut out = Vec::new();
    let mut phase_start = anchor;
    let mut prev_end = anchor.date();
    for (until, every) in phases {
        let phase_end = until.map(|u| add_offset(anchor, u, cal));
        let mut k = 1;
        loop {
            let step = crate::rules::Offset {
                n: every.n * k,
                unit: every.unit,
                before: false,
            };
            let end = add_offset(phase_start, step, cal);
            if phase_end.is_some_and(|pe| end > pe)
                || stop.is_some_and(|s| end > s)
                || prev_end > horizon
                || out.len() >= 1000
            {
                break;
            }
            out.push(Slot {
                label: format!("s{}", out.len() + 1),
                start: prev_end.succ_opt().unwrap_or(prev_end),
                end,
            });
            prev_end = end;
            k += 1;
        }
        match phase_end {
            Some(pe) => phase_start = pe.and_time(anchor.time()),
            None => break,
        }
        if stop.is_some_and(|s| phase_start.date() >= s) {
            break;
        }
    }
    out
}

/// How a requirement of a slot is filled: its position in the cadence's `require`, the
/// reached visits that fill it (indices into the slot's), and how many it needs.
pub type Fill = (usize, Vec<usize>, u32);

/// For each requirement (one contact through any channel when there are none), into
/// `out`: its [`Fill`]. Each visit fills at most one requirement, the first group that
/// lists its channel; visits are taken in time order. `out` is the caller's, reused from
/// slot to slot: a yearly report asks for millions of slots, most with no visit, and a
/// list made for each cost ~6% of laying them out.
pub fn missing(require: &[Require], reached: &[(NaiveDateTime, Channel)], out: &mut Vec<Fill>) {
    out.clear();
    let mut order: Vec<usize> = (0..reached.len()).collect();
    order.sort_by_key(|&i| reached[i].0);
    let mut used = vec![false; reached.len()];
    let mut fill = |count: u32, ok: &dyn Fn(Channel) -> bool| {
        let mut got = Vec::new();
        for &i in &order {
            if (got.len() as u32) < count && !used[i] && ok(reached[i].1) {
                used[i] = true;
                got.push(i);
            }
        }
        got
    };
    if require.is_empty() {
        // An unspecified requirement accepts any channel.
        out.push((0, fill(1, &|_| true), 1));
        return;
    }
    out.extend(
        require
            .iter()
            .enumerate()
            .map(|(at, q)| (at, fill(q.count, &|c| q.channels.contains(&c)), q.count)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{CadenceTarget, Offset};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn renovation_warranty_slots_over_three_years() {
        let o = |s| Offset::parse(s).unwrap();
        let c = Cadence {
            target: CadenceTarget::Orders,
            schedule: Schedule::Phased(vec![
                (Some(o("1y")), o("3m")),
                (Some(o("2y")), o("6m")),
                (None, o("1y")),
            ]),
            until: Some(o("3y")),
            until_column: None,
            start: None,
            require: vec![],
        };
        let a = d("2024-01-31").and_hms_opt(0, 0, 0).unwrap();
        let slots = phased_slots(&c, a, None, d("2030-01-01"), &Calendar::default());
        let ends: Vec<String> = slots.iter().map(|s| s.end.to_string()).collect();
        assert_eq!(
            ends,
            [
                "2024-04-30",
                "2024-07-31",
                "2024-10-31",
                "2025-01-31",
                "2025-07-31",
                "2026-01-31",
                "2027-01-31"
            ]
        );
        assert_eq!(slots[0].start, d("2024-02-01"));
        assert_eq!(slots[4].start, d("2025-02-01"));
    }

    #[test]
    fn a_maker_with_one_onsite_and_one_call_still_owes_one_call() {
        let reach = |c| (d("2026-11-05").and_hms_opt(10, 0, 0).unwrap(), c);
        let req = vec![
            Require {
                channels: vec![Channel::Onsite],
                count: 1,
            },
            Require {
                channels: vec![Channel::Phone, Channel::Wechat],
                count: 2,
            },
        ];
        let (a, b) = (reach(Channel::Onsite), reach(Channel::Phone));
        let mut m = Vec::new();
        missing(&req, &[a, b], &mut m);
        assert_eq!(m, vec![(0, vec![0], 1), (1, vec![1], 2)]);
        // Without requirements, one contact through any channel fills the slot.
        missing(&[], &[b, a], &mut m);
        assert_eq!(m, vec![(0, vec![0], 1)], "the list of an earlier slot is replaced");
        missing(&req, &[], &mut m);
        assert_eq!(
            m,
            vec![(0, vec![], 1), (1, vec![], 2)],
            "nothing reached: every requirement wants its count"
        );
    }

    #[test]
    fn fixed_months_pick_january_and_july() {
        let c = Cadence {
            target: CadenceTarget::Customers {
                segments: vec![],
                flags: vec![],
            },
            schedule: Schedule::Aligned {
                every: crate::calendar::period::PeriodKind::Month,
                months: vec![1, 7],
            },
            until: None,
            until_column: None,
            start: None,
            require: vec![],
        };
        let s = aligned_slots(&c, d("2026-01-15"), d("2026-12-31"));
        assert_eq!(
            s.iter().map(|x| x.label.as_str()).collect::<Vec<_>>(),
            ["2026-01", "2026-07"]
        );
    }
}
