//! Deterministic, seeded sampling ("维修服务回访率30%", tiered household rates), with
//! recurring cadences and contact cool-downs beside it.
//!
//! ## Method: systematic sampling with a seeded start, topped up at period close
//! Units of a period are taken in arrival order (anchor date, then file position, so
//! rows appended by tomorrow's export come last). Let `bp(i)` be the rate in basis points
//! for a population of `i` (a rate table is read at the population so far) and `u` a
//! seeded start in `[0, 10000)`. Unit `i` (1-based) is selected when
//! `floor((bp(i) · i + u) / 10000)` exceeds the number selected before it, unless its
//! customer is in cool-down (the debt then passes to the next unit).
//! Every unit of a fixed-rate period thus has the same inclusion probability over
//! seeds, the choice never depends on later rows (stable for cron: tomorrow's run
//! keeps today's selection), and at any moment the count is within one of the rate.
//! Once the period is over the count is made exact: `required = max(ceil(rate × N),
//! min)` (capped by `max` and `N`); a shortfall is topped up with the unselected units
//! of smallest hash; an excess forced by stability (a tier that dropped during the
//! period) is kept and reported as over-selection.
//! Hashes are XXH3-64 of `seed/rule/period[/unit]`, specified and stable across
//! platforms and Rust releases.

pub mod cadence;
pub mod cooldown;

use crate::calendar::period::Period;
use crate::rules::Sampling;
use xxhash_rust::xxh3::xxh3_64;

/// One unit of a period's population, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitMeta {
    /// [`unit_hash`] of the unit (order id or customer id): orders top-ups.
    pub hash: u64,
    /// True when the customer was reached within the cool-down before this unit.
    pub blocked: bool,
}

/// The outcome of a selection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selection {
    /// Per unit: selected?
    pub selected: Vec<bool>,
    /// Per unit: selected by the close-of-period top-up?
    pub topup: Vec<bool>,
    /// Required count (so far, for an open period).
    pub required: u64,
    /// Selected beyond the requirement because stability forced it.
    pub over: u64,
}

/// The seeded hash of a unit, used to order top-ups: XXH3-64 of `seed/rule/period/key`,
/// hashed at once from a stack buffer (every sampled order asks; setting up the streaming
/// hasher cost more than hashing), streamed when the parts are longer than the buffer.
pub fn unit_hash(seed: &str, rule: &str, period: &str, key: &str) -> u64 {
    let parts = [seed, rule, period, key];
    let mut buf = [0u8; 200];
    if parts.iter().map(|p| p.len() + 1).sum::<usize>() <= buf.len() {
        let mut at = 0;
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                buf[at] = b'/';
                at += 1;
            }
            buf[at..at + part.len()].copy_from_slice(part.as_bytes());
            at += part.len();
        }
        return xxhash_rust::xxh3::xxh3_64(&buf[..at]);
    }
    unit_hash_streamed(&parts)
}

/// [`unit_hash`] of units that share `seed/rule/period/`, which `prefix` holds (written
/// the first time, when it is empty): a pool's units only add their key.
pub fn unit_hash_in(prefix: &mut Vec<u8>, seed: &str, rule: &str, period: &str, key: &str) -> u64 {
    if prefix.is_empty() {
        for part in [seed, rule, period] {
            prefix.extend_from_slice(part.as_bytes());
            prefix.push(b'/');
        }
    }
    let shared = prefix.len();
    prefix.extend_from_slice(key.as_bytes());
    let hash = xxhash_rust::xxh3::xxh3_64(prefix);
    prefix.truncate(shared);
    hash
}

fn unit_hash_streamed(parts: &[&str; 4]) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h.update(b"/");
        }
        h.update(part.as_bytes());
    }
    h.digest()
}

/// `items` grouped by `key` (below `keys`; an item whose key is `None` is left out),
/// keeping their order within a group — a counting sort, for the millions of sampled
/// units and contacts put in order once — and where each group starts (`keys + 1`
/// entries, the last one the length). The grouped items have room for at least `room`.
pub(crate) fn by_bucket<T: Copy>(
    items: impl Iterator<Item = T> + Clone,
    keys: usize,
    room: usize,
    key: impl Fn(&T) -> Option<usize>,
) -> (Vec<T>, Vec<usize>) {
    let mut starts = vec![0usize; keys + 1];
    for k in items.clone().filter_map(|x| key(&x)) {
        starts[k + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let Some(first) = items.clone().next() else {
        return (Vec::new(), starts);
    };
    let mut next = starts.clone();
    let mut out = Vec::with_capacity(starts[keys].max(room));
    out.resize(starts[keys], first);
    for x in items {
        if let Some(k) = key(&x) {
            out[next[k]] = x;
            next[k] += 1;
        }
    }
    (out, starts)
}

/// Required count for `n` eligible units under `s` (rounding up, as a minimum rate).
pub fn required(s: &Sampling, n: u64) -> u64 {
    let bp = u64::from(s.rate.basis_points(n));
    let by_rate = (bp * n).div_ceil(10_000);
    let mut r = by_rate.max(u64::from(s.min));
    if let Some(m) = s.max {
        r = r.min(u64::from(m));
    }
    r.min(n)
}

/// Selects from `units` (arrival order) for `rule` in `period`; `closed` says whether the
/// period is over as of the run's date.
pub fn select(units: &[UnitMeta], s: &Sampling, rule: &str, period: &Period, closed: bool) -> Selection {
    select_by(
        units.len(),
        |i| units[i].hash,
        |i| units[i].blocked,
        s,
        rule,
        period,
        closed,
    )
}

/// [`select`] over `n` units given by position: `blocked(i)` is asked only of the units
/// the draw would take and, when a closed period is topped up, of the others (a
/// cool-down check is a look-up per unit, and most units of a 30% sample are never
/// taken). The answer is the same as [`select`]'s over the same units.
pub fn select_by(
    n: usize,
    hash: impl Fn(usize) -> u64,
    mut blocked: impl FnMut(usize) -> bool,
    s: &Sampling,
    rule: &str,
    period: &Period,
    closed: bool,
) -> Selection {
    let u = xxh3_64(format!("{}/{rule}/{period}", s.seed).as_bytes()) % 10_000;
    let mut selected = vec![false; n];
    let mut count = 0u64;
    let cap = s.max.map_or(u64::MAX, u64::from);
    for (i, taken) in selected.iter_mut().enumerate() {
        let pop = i as u64 + 1;
        let bp = u64::from(s.rate.basis_points(pop));
        let target = ((bp * pop + u) / 10_000).min(cap);
        if target > count && !blocked(i) {
            *taken = true;
            count += 1;
        }
    }
    let need = required(s, n as u64);
    let mut topup = vec![false; n];
    if closed && count < need {
        let mut rest: Vec<(bool, u64, usize)> = (0..n)
            .filter(|&i| !selected[i])
            .map(|i| (blocked(i), hash(i), i))
            .collect();
        // Units outside their cool-down first, then by hash: fair and deterministic. Only
        // which units are first matters, not their order: a partial selection, not a sort
        // (sorting a closed period's whole rest was 1.5% of a due list's instructions).
        let k = usize::try_from(need - count).unwrap_or(usize::MAX);
        if k < rest.len() {
            // (The index makes every tuple distinct: the first `k` are one set.)
            rest.select_nth_unstable(k);
            rest.truncate(k);
        }
        for (_, _, i) in rest {
            selected[i] = true;
            topup[i] = true;
            count += 1;
        }
    }
    Selection {
        selected,
        topup,
        required: need,
        over: count.saturating_sub(need),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::period::PeriodKind;
    use crate::rules::{Rate, SampleUnit};
    use proptest::prelude::*;

    fn sampling(rate: Rate, min: u32) -> Sampling {
        Sampling {
            rate,
            per: PeriodKind::Month,
            unit: SampleUnit::Order,
            min,
            max: None,
            seed: "s".into(),
        }
    }
    fn units(n: usize) -> Vec<UnitMeta> {
        (0..n)
            .map(|i| UnitMeta {
                hash: unit_hash("s", "r", "2026-10", &format!("O{i}")),
                blocked: false,
            })
            .collect()
    }
    fn period() -> Period {
        Period::parse("2026-10").unwrap()
    }
    fn tiers() -> Rate {
        // property.home_service.sampling: <100 → 30%, 100–300 → 20%, >300 → 10%.
        Rate::Tiered(vec![(0, 3000), (100, 2000), (301, 1000)])
    }

    #[test]
    fn thirty_percent_of_ten_is_three_at_close() {
        let s = sampling(Rate::Fixed(3000), 0);
        let sel = select(&units(10), &s, "property.repair", &period(), true);
        assert_eq!(sel.selected.iter().filter(|x| **x).count(), 3);
        assert_eq!(sel.required, 3);
    }

    #[test]
    fn cool_downs_are_asked_only_of_units_the_draw_would_take() {
        let s = sampling(Rate::Fixed(3000), 0);
        let metas = units(1000);
        let mut asked = 0;
        let sel = select_by(
            metas.len(),
            |i| metas[i].hash,
            |i| {
                asked += 1;
                metas[i].blocked
            },
            &s,
            "r",
            &period(),
            false,
        );
        assert_eq!(sel, select(&metas, &s, "r", &period(), false));
        // Nothing is blocked here, so every unit asked is taken: 300 asks, not 1000.
        assert_eq!(asked, sel.selected.iter().filter(|x| **x).count());
        assert_eq!(asked, 300);
    }

    #[test]
    fn tier_boundaries_at_100_and_300() {
        let s = sampling(tiers(), 0);
        assert_eq!(required(&s, 99), 30); // 29.7 → 30
        assert_eq!(required(&s, 100), 20);
        assert_eq!(required(&s, 300), 60);
        assert_eq!(required(&s, 301), 31); // 30.1 → 31
    }

    #[test]
    fn a_minimum_count_is_met_at_close() {
        let s = sampling(Rate::Fixed(0), 1);
        let open = select(&units(40), &s, "r", &period(), false);
        assert_eq!(open.selected.iter().filter(|x| **x).count(), 0);
        let closed = select(&units(40), &s, "r", &period(), true);
        assert_eq!(closed.selected.iter().filter(|x| **x).count(), 1);
    }

    proptest! {
        /// Hashing the joined parts at once gives the streamed hash (which samples depend
        /// on), whatever their lengths.
        #[test]
        fn unit_hash_at_once_equals_streamed(seed in ".{0,60}", rule in ".{0,60}", period in ".{0,12}", key in ".{0,120}") {
            prop_assert_eq!(unit_hash(&seed, &rule, &period, &key), unit_hash_streamed(&[&seed, &rule, &period, &key]));
        }

        /// A pool's units hashed with their shared prefix get [`unit_hash`], key after key.
        #[test]
        fn unit_hash_with_a_shared_prefix_equals_unit_hash(seed in ".{0,60}", rule in ".{0,60}", period in ".{0,12}", keys in proptest::collection::vec(".{0,120}", 1..4)) {
            let mut prefix = Vec::new();
            for key in &keys {
                prop_assert_eq!(unit_hash_in(&mut prefix, &seed, &rule, &period, key), unit_hash(&seed, &rule, &period, key));
            }
        }

        /// A closed period's top-up takes the units a full sort would put first: outside
        /// their cool-down first, then by hash, whatever is blocked.
        #[test]
        fn the_top_up_is_the_first_units_of_the_sorted_rest(n in 0usize..400, bp in 0u32..=10_000, min in 0u32..50, blocked in proptest::collection::vec(any::<bool>(), 400)) {
            let s = sampling(Rate::Fixed(bp), min);
            let metas = units(n);
            let sel = select_by(n, |i| metas[i].hash, |i| blocked[i], &s, "r", &period(), true);
            let drawn: Vec<bool> = (0..n).map(|i| sel.selected[i] && !sel.topup[i]).collect();
            let mut rest: Vec<(bool, u64, usize)> = (0..n).filter(|&i| !drawn[i]).map(|i| (blocked[i], metas[i].hash, i)).collect();
            rest.sort_unstable();
            let lacking = sel.required.saturating_sub(drawn.iter().filter(|x| **x).count() as u64);
            let want: Vec<usize> = {
                let mut w: Vec<usize> = rest.iter().take(lacking as usize).map(|r| r.2).collect();
                w.sort_unstable();
                w
            };
            let got: Vec<usize> = (0..n).filter(|&i| sel.topup[i]).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn exact_at_close_unless_stability_forces_more(n in 0usize..700, bp in 0u32..=10_000, tiered in any::<bool>(), seed in "[a-z]{0,6}") {
            let rate = if tiered { tiers() } else { Rate::Fixed(bp) };
            let mut s = sampling(rate, 0);
            s.seed = seed;
            let sel = select(&units(n), &s, "r", &period(), true);
            let count = sel.selected.iter().filter(|x| **x).count() as u64;
            prop_assert_eq!(count, sel.required + sel.over);
            if !tiered {
                // A fixed rate never over-selects.
                prop_assert_eq!(sel.over, 0);
            }
        }

        #[test]
        fn appending_units_never_drops_a_selected_one(n in 1usize..400, extra in 0usize..200, bp in 1u32..=10_000, tiered in any::<bool>()) {
            let rate = if tiered { tiers() } else { Rate::Fixed(bp) };
            let s = sampling(rate, 0);
            let before = select(&units(n), &s, "r", &period(), false);
            let after = select(&units(n + extra), &s, "r", &period(), false);
            for i in 0..n {
                prop_assert!(!before.selected[i] || after.selected[i], "unit {} dropped", i);
            }
        }

        #[test]
        fn same_inputs_same_selection(n in 0usize..300, bp in 0u32..=10_000) {
            let s = sampling(Rate::Fixed(bp), 0);
            prop_assert_eq!(select(&units(n), &s, "r", &period(), true), select(&units(n), &s, "r", &period(), true));
        }
    }

    #[test]
    fn every_unit_has_a_comparable_chance_over_seeds() {
        // Inclusion frequency of each position over 2000 seeds stays near the rate.
        let n = 20;
        let mut hits = vec![0u32; n];
        for seed in 0..2000 {
            let mut s = sampling(Rate::Fixed(3000), 0);
            s.seed = seed.to_string();
            for (i, x) in select(&units(n), &s, "r", &period(), false).selected.iter().enumerate() {
                hits[i] += u32::from(*x);
            }
        }
        for (i, h) in hits.iter().enumerate() {
            let f = f64::from(*h) / 2000.0;
            assert!((0.25..=0.35).contains(&f), "position {i} chosen {f}");
        }
    }
}
