//! The pure engine: records + rules + calendar + date → evaluated follow-up items.
//!
//! No file system, no clock, no environment. Orders are fed one at a time (so the CLI can
//! stream millions of rows); sampled rules are decided in [`Engine::finish`], once each
//! period's population is known. `due`, `report` and `explain` all read the same
//! [`Evaluated`] items, so they can never disagree.
//!
//! Evaluation order for each order and rule: select (kind, `match`, in force on the
//! anchor date) → exclusions → windows → calendar shift → sampling → attempts → status.

pub mod assign;
pub mod attempts;
pub mod exclude;
pub mod households;
pub mod listed;
mod pools;
pub mod route;
pub mod trace;
pub mod window;

use crate::calendar::period::{Period, Periods};
use crate::diag::Diagnostic;
use crate::model::attempt_log::{Attempt, AttemptLog};
use crate::model::due::{Resolution, Status};
use crate::model::values::Channel;
use crate::model::{Customers, Name, Order, Reach, Schema, Text};
use crate::rules::{CadenceTarget, Rule, RuleSet, Rules, SampleUnit, Unit};
use crate::sampling::cooldown::{Contacts, Cooldowns};
use crate::sampling::{self, cadence};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use listed::Listed;
use route::{OrderColumns, Prefetcher, Router};
use std::path::PathBuf;

/// A rule with its column references resolved against the orders' schema.
#[derive(Debug)]
pub struct Compiled<'r> {
    /// Its file.
    pub set: &'r RuleSet,
    /// The rule.
    pub rule: &'r Rule,
    match_cols: Vec<(Option<usize>, &'r [String])>,
    step_cols: Vec<Option<usize>>,
    step_alt_cols: Vec<Vec<(Option<usize>, crate::rules::Offset)>>,
    /// Column positions of each exclusion (first, second).
    pub exclusion_cols: Vec<(Option<usize>, Option<usize>)>,
    until_col: Option<usize>,
    /// Labels of the cadence's requirements (`onsite`, `phone+wechat`), made once: every
    /// slot of every customer names them.
    require_labels: Vec<String>,
    /// The rule's id and its file's version, shared by every item it makes.
    id: Name,
    version: Name,
}

impl Compiled<'_> {
    /// Whether this rule applies to `order`, an order of one of its kinds (see
    /// [`Router`]): its `match` columns, its first anchor, and its dates in force. Returns
    /// the first step's anchor.
    // The reasons borrow: most orders are skipped by most rules, and nothing is kept.
    pub(crate) fn applies_routed<'s>(&'s self, order: &'s Order) -> Result<NaiveDateTime, Skip<'s>> {
        for ((col, values), (name, _)) in self.match_cols.iter().zip(&self.rule.matches) {
            let v = col.map_or("", |i| order.field(i));
            if !values.iter().any(|x| crate::rules::eq_folded(x, v)) {
                return Err(Skip::Match(name, v));
            }
        }
        let step = &self.rule.steps[0];
        let raw = self.step_cols[0].map_or("", |i| order.field(i));
        if raw.is_empty() {
            return Err(Skip::NoAnchor(&step.anchor));
        }
        let anchor = self.step_cols[0]
            .and_then(|i| order.datetime(i))
            .ok_or(Skip::BadAnchor(&step.anchor, raw))?;
        if !self.rule.in_force(anchor.date()) {
            return Err(Skip::NotInForce(anchor.date()));
        }
        Ok(anchor)
    }
}

/// Sampling facts attached to an item of a sampled rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SampleInfo {
    /// Period label.
    pub period: Text,
    /// Eligible units in the period (so far).
    pub population: u64,
    /// Required count.
    pub required: u64,
    /// Selected?
    pub selected: bool,
    /// Selected by the close-of-period top-up?
    pub topup: bool,
    /// Skipped because the customer is in cool-down?
    pub blocked: bool,
    /// Selected beyond the requirement in this period.
    pub over: u64,
    /// The period is over as of the run's date.
    pub closed: bool,
}

/// One follow-up item the rules generate, with everything known about it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evaluated {
    /// Stable id.
    pub due_id: Text,
    /// Full rule id.
    pub rule: Name,
    /// Rule-file version.
    pub version: Name,
    /// Step name.
    pub step: Text,
    /// Customer position (None never happens after validation, kept for safety).
    #[serde(skip)]
    pub customer: Option<usize>,
    /// Customer id.
    pub customer_id: Text,
    /// Order id ("" for customer cadences).
    pub order_id: Text,
    /// Order line in the orders file (0 for customer cadences).
    pub order_line: u64,
    /// Order kind.
    pub kind: Text,
    /// Department column of the order.
    pub department: Text,
    /// Staff column of the order.
    pub staff: Text,
    /// `category` column of the order (the issue or repair type), for attention lists.
    pub category: Text,
    /// Anchor.
    pub anchor: NaiveDateTime,
    /// Window start.
    pub window_start: NaiveDate,
    /// Window end (after the holiday shift).
    pub window_end: NaiveDate,
    /// True when the window end was moved past non-callable days.
    pub shifted: bool,
    /// Channel.
    pub channel: Channel,
    /// Assignee.
    pub assignee: Text,
    /// Excluded, and why.
    pub excluded: Option<Text>,
    /// Sampling facts (sampled rules only; boxed, as most items have none and a due
    /// list can hold a million items).
    pub sample: Option<Box<SampleInfo>>,
    /// Attempt state.
    pub resolution: Resolution,
    /// Attempts so far.
    pub attempts: u32,
    /// First reached visit.
    #[serde(skip)]
    pub reach: Option<Box<Reach>>,
    /// Warnings.
    pub flags: Vec<String>,
}

impl Evaluated {
    /// True when the rule requires this item (not excluded, and selected if sampled).
    pub fn required(&self) -> bool {
        self.excluded.is_none() && self.sample.as_ref().is_none_or(|s| s.selected)
    }

    /// The status as of `as_of`, or `None` when the item is not listed
    /// (completed, closed, excluded, not sampled, or opening beyond the horizon).
    pub fn status(&self, as_of: NaiveDate, horizon: i64, rule: &Rule) -> Option<Status> {
        if !self.required() || self.resolution != Resolution::Open {
            return None;
        }
        open_status(self.window_start, self.window_end, as_of, horizon, rule)
    }
}

impl Deadline for Evaluated {
    fn deadline(&self) -> (NaiveDate, &str) {
        (self.window_end, &self.due_id)
    }
}

/// The status as of `as_of` of a required, open item with this window (`None`: opening
/// beyond the horizon).
fn open_status(
    window_start: NaiveDate,
    window_end: NaiveDate,
    as_of: NaiveDate,
    horizon: i64,
    rule: &Rule,
) -> Option<Status> {
    if as_of < window_start {
        return ((window_start - as_of).num_days() <= horizon).then_some(Status::Upcoming);
    }
    if as_of <= window_end {
        let cal = &rule.calls.calendar;
        if !cal.any_callable(as_of, window_end, rule.calls.call_on) {
            return Some(Status::AtRisk);
        }
        return Some(Status::Due);
    }
    Some(Status::Overdue)
}

/// Reserves address space in `items` for about one item per order (the orders file's
/// size over ~110 bytes a row): pages are only taken as items fill them, and a list of
/// hundreds of megabytes is never copied to grow. Without the space, it grows as usual.
pub fn reserve_for_orders<T>(items: &mut Vec<T>, orders: &std::path::Path) {
    let rows = std::fs::metadata(orders).map_or(0, |m| m.len() / 110);
    let _ = items.try_reserve(usize::try_from(rows).unwrap_or(0));
}

/// What the engine is asked for: the inputs besides the orders.
pub struct Inputs<'a> {
    /// Rules.
    pub rules: &'a Rules,
    /// Customers.
    pub customers: &'a Customers,
    /// Attempts per due id.
    pub attempts: &'a AttemptLog,
    /// Orders' columns.
    pub schema: &'a Schema,
    /// Path of the orders file (for messages).
    pub orders_path: PathBuf,
    /// The evaluation date ("today").
    pub as_of: NaiveDate,
    /// Upcoming horizon in days (items opening later are not needed).
    pub horizon: i64,
    /// Build the items of sampled units that were not selected too (reports, explain).
    pub keep_unselected: bool,
}

/// A unit of a sampling pool: 24 bytes, as there is one per historical order of a
/// sampled rule (5.7M in the 5M benchmark's due list).
#[derive(Debug, Clone, Copy)]
struct PoolUnit {
    /// Seeded [`sampling::unit_hash`] of the order or customer id (also its identity in
    /// the pool: 64 bits instead of a string per historical unit).
    hash: u64,
    /// Where its order starts in the file as read (see [`Order::offset`]; the low 48
    /// bits), its identity when the order is read again and its place in arrival order,
    /// and which of its items could be kept (the high 16 bits, see [`PoolUnit::kept`]).
    offset_kept: u64,
    /// The anchor as seconds from its pool's period start (a period is at most a year).
    into_period: u32,
    customer: u32,
}

/// Which of a unit's items the keep filter wants: bit `s` for step `s` (the first 15),
/// and the top bit for any other (a later step, or a `min_visits` extra).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Kept(u16);

impl Kept {
    const OTHER: u16 = 1 << 15;

    fn step(&mut self, si: usize) {
        self.0 |= if si < 15 { 1 << si } else { Self::OTHER };
    }

    fn other(&mut self) {
        self.0 |= Self::OTHER;
    }

    fn any(self) -> bool {
        self.0 != 0
    }

    /// The steps kept, as a mask, when each is one of the first 15 steps.
    fn plain(self) -> Option<u16> {
        (self.0 & Self::OTHER == 0).then_some(self.0)
    }
}

const _: () = assert!(std::mem::size_of::<PoolUnit>() == 24);

impl PoolUnit {
    /// Offsets from 2^48 on (a 256 TiB orders file) do not fit beside [`Kept`].
    const OFFSET_BITS: u32 = 48;

    /// The unit, or `None` when its offset does not fit.
    fn new(hash: u64, offset: u64, kept: Kept, into_period: u32, customer: u32) -> Option<Self> {
        (offset >> Self::OFFSET_BITS == 0).then_some(PoolUnit {
            hash,
            offset_kept: offset | u64::from(kept.0) << Self::OFFSET_BITS,
            into_period,
            customer,
        })
    }

    fn offset(&self) -> u64 {
        self.offset_kept & ((1 << Self::OFFSET_BITS) - 1)
    }

    /// Which of its items could be kept: `finish` reads the order again and builds the
    /// items of the units that need them (selected ones, or all for reports; or only
    /// counts them, see [`Engine::with_tally`]). Orders are not held meanwhile: millions
    /// of unselected units would cost more memory than the input.
    fn kept(&self) -> Kept {
        Kept((self.offset_kept >> Self::OFFSET_BITS) as u16)
    }

    /// The anchor's day, counted from the period's first (whole days order as the dates
    /// do, and need no date built).
    fn day(&self) -> u32 {
        self.into_period / 86_400
    }

    /// The anchor of a unit `into_period` seconds into a period starting on `start`.
    fn anchor_at(start: NaiveDate, into_period: u32) -> NaiveDateTime {
        start.and_time(NaiveTime::MIN) + chrono::Duration::seconds(i64::from(into_period))
    }
}

/// A pooled unit whose items `finish` builds when the orders are read again (24 bytes:
/// a yearly report rebuilds millions; what its period shares is in [`PoolFacts`]).
struct Rebuild {
    offset: u64,
    /// The anchor, as [`PoolUnit::into_period`].
    into_period: u32,
    pool: u32,
    customer: u32,
    selected: bool,
    topup: bool,
    blocked: bool,
}

/// What the units of one sampled rule and period share.
struct PoolFacts {
    rule: usize,
    period: Period,
    household: bool,
    /// Sampling facts with the per-unit fields unset.
    sample: SampleInfo,
    /// Per step, the kept items of unselected units counted instead of built (see
    /// [`Engine::with_tally`]; empty without one).
    unselected: Vec<u64>,
}

/// Reads the orders again, calling back with batches of the orders at the given (sorted)
/// byte offsets ([`Order::offset`]), each with its customer's position.
pub type Reread<'r> = dyn FnMut(&[u64], &mut dyn FnMut(&crate::model::OrderBatch)) + 'r;

/// What the keep filter sees of an item before the item is built, so that the millions
/// of items nobody needs (completed long ago, outside a report's period) cost no
/// allocation.
#[derive(Debug, Clone, Copy)]
pub struct Probe<'p> {
    /// Due id.
    pub due_id: DueId<'p>,
    /// Anchor.
    pub anchor: NaiveDateTime,
    /// Window start.
    pub window_start: NaiveDate,
    /// Window end.
    pub window_end: NaiveDate,
    /// Attempt state.
    pub resolution: &'p Resolution,
    /// Excluded?
    pub excluded: bool,
}

/// A due id as the keep filter sees it: whole, or as its parts `rule/unit/step`, which
/// are joined only for an item that is built (most of the millions of steps asked about
/// are not, and only `explain` and `record` read the id).
#[derive(Debug, Clone, Copy)]
pub enum DueId<'p> {
    /// The id itself.
    Whole(&'p str),
    /// Rule id, unit id and step name.
    Parts(&'p str, &'p str, &'p str),
}

impl DueId<'_> {
    /// The id's pieces, in order (joined, they are the id).
    fn pieces(&self) -> [&str; 5] {
        match *self {
            DueId::Whole(id) => [id, "", "", "", ""],
            DueId::Parts(rule, unit, step) => [rule, "/", unit, "/", step],
        }
    }

    /// What is left of `s` after this id's pieces, if `s` begins with all of them.
    fn rest_after<'s>(&self, s: &'s str) -> Option<&'s str> {
        self.pieces().iter().try_fold(s, |rest, p| rest.strip_prefix(p))
    }

    /// True when this is the id `id`.
    pub fn is(&self, id: &str) -> bool {
        self.rest_after(id) == Some("")
    }

    /// True when the id begins with `prefix`.
    pub fn starts_with(&self, prefix: &str) -> bool {
        let mut rest = prefix;
        for p in self.pieces() {
            if rest.len() <= p.len() {
                return p.starts_with(rest);
            }
            match rest.strip_prefix(p) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest.is_empty()
    }
}

impl std::fmt::Display for DueId<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.pieces().iter().try_for_each(|p| f.write_str(p))
    }
}

/// Which items of an order to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Build {
    /// Only those the keep filter accepts.
    Kept,
    /// As `Kept`, for a sampled unit probed as its order streamed by: the contacts its
    /// reached visits give were recorded then (recording them again only made the sealed
    /// contacts be sorted again: ~0.03 s of a 5M `due`).
    Again,
    /// None: only say whether any would be kept.
    Probe,
}

/// Where kept items go: collected (explain, record), or folded as they come into a report
/// or the due list's compact items (which may take the item's strings).
pub type Fold<'a> = Box<dyn FnMut(&mut Evaluated) + 'a>;

/// Where the kept items of sampled units that were not selected are counted instead of
/// built (see [`Engine::with_tally`]).
pub struct Tally<'a> {
    /// A unit whose order has an id and is of one of these (canonical) kinds is still
    /// built: whoever reads the items wants more of it than their number (a report's
    /// repeat complaints and repairs).
    pub built_kinds: &'a [&'a str],
    /// Takes a rule id, its file's version, a step name, and how many such items.
    pub count: Count<'a>,
}

/// See [`Tally::count`].
pub type Count<'a> = Box<dyn FnMut(Name, Name, &str, u64) + 'a>;

/// A sampled rule's units in one period, in arrival order, with a key index.
/// The index holds each household's unit position and anchor (seconds): the anchor is
/// what decides, and reading it from the unit would cost a second cache miss.
type Pool = (Vec<PoolUnit>, households::Households);

/// How many anchor days' windows each step remembers (a day's slot is its day number
/// modulo this).
const WINDOW_DAYS: i32 = 64;

/// One step's windows by anchor day (a day's slot is its day number modulo the length).
type DayWindows = [Option<(NaiveDate, window::Window)>; WINDOW_DAYS as usize];

/// Which items to keep: asked of every item before it is built (see [`Probe`]). Shared
/// by the threads that lay out customer cadences, and by the engines that evaluate the
/// parts of a large orders file (see [`Engine::absorb`]).
pub type Keep<'a> = std::sync::Arc<dyn Fn(&Probe<'_>) -> bool + Send + Sync + 'a>;

/// What building an item reads and never changes: the engine's part that the threads
/// laying out customer cadences share.
struct Shared<'a> {
    inp: Inputs<'a>,
    /// Shared with the reading thread, which decides which rules apply (see [`route`]).
    compiled: std::sync::Arc<[Compiled<'a>]>,
    router: Router<'a>,
    id_col: Option<usize>,
    cust_col: Option<usize>,
    dept_col: Option<usize>,
    staff_col: Option<usize>,
    category_col: Option<usize>,
    keep: Keep<'a>,
}

/// One thread's buffers for laying out customer cadences.
#[derive(Default)]
struct CadenceWork {
    slot: SlotWork,
    keys: Vec<(u64, u64)>,
    found: Vec<Option<u32>>,
}

/// Buffers for one slot's items, reused from slot to slot: its due ids and how its
/// requirements are filled (see [`cadence::missing`]).
#[derive(Default)]
struct SlotWork {
    ids: Vec<String>,
    fills: Vec<cadence::Fill>,
}

/// The streaming evaluator.
pub struct Engine<'a> {
    sh: Shared<'a>,
    kept: Keeper<'a>,
    /// Due-list items other engines listed (see [`Self::absorb`]): kept where they were
    /// made, not copied after this engine's.
    listed_runs: Vec<Vec<Listed>>,
    tally: Option<Tally<'a>>,
    id_buf: String,
    /// Reused by [`Shared::cadence_items`] for each slot of an order cadence.
    slot_buf: SlotWork,
    unit_buf: String,
    /// Per pool (by position): the start its units' hashes share (see
    /// [`sampling::unit_hash_in`]).
    unit_prefixes: Vec<Vec<u8>>,
    warnings: Vec<String>,
    /// Per rule and step: windows by anchor day, for the last [`WINDOW_DAYS`] days asked
    /// (orders come roughly in date order, so their anchors fall in a few weeks at a
    /// time, and the orders of a day share their windows).
    windows: Vec<Vec<DayWindows>>,
    /// Sampling pools by rule and period (put in order once, when they are drawn).
    pools: pools::Pools,
    /// Units another engine found for order-sampled pools this one has units of too (see
    /// [`Self::absorb`]), in file order: drawn with them, never copied into them.
    later_units: rustc_hash::FxHashMap<(usize, Period), Vec<PoolUnit>>,
    /// The periods of sampled orders' anchors, remembered (see [`Periods`]).
    periods: Periods,
    contacts: Contacts,
    problems: Vec<Diagnostic>,
}

/// What an engine found streaming part of the orders (see [`Engine::into_streamed`]).
pub struct Streamed {
    pools: pools::Pools,
    contacts: Contacts,
    kept: Collected,
    problems: Vec<Diagnostic>,
}

/// The items an engine kept (see [`Keeper`]), but whole ones.
enum Collected {
    Folded,
    Listed(Vec<Listed>),
}

/// What [`Engine::finish`] returns.
pub struct Finished {
    /// The items kept whole (none when a fold took them or they were listed).
    pub items: Vec<Evaluated>,
    /// The items kept as due-list items (see [`Engine::listing`]), in runs: this engine's,
    /// then those of the engines it absorbed.
    pub listed: Vec<Vec<Listed>>,
    /// Every data problem met, sorted.
    pub problems: Vec<Diagnostic>,
}

/// `out`, with room for an item per order the first time (see [`reserve_for_orders`]).
fn with_room<'v, T>(out: &'v mut Vec<T>, sh: &Shared<'_>) -> &'v mut Vec<T> {
    if out.capacity() == 0 {
        reserve_for_orders(out, &sh.inp.orders_path);
    }
    out
}

/// Where kept items go.
enum Keeper<'a> {
    /// Folded as they come (reports over a year need not hold a year of items).
    Fold(Fold<'a>),
    /// Kept as the due list's compact items.
    Listed(Vec<Listed>),
    /// Kept whole.
    Whole(Vec<Evaluated>),
}

impl Keeper<'_> {
    /// Keeps item `i` if `sh`'s keep filter wants it.
    fn keep(&mut self, sh: &Shared<'_>, mut i: Evaluated) {
        if !(sh.keep)(&Engine::probe_of(&i)) {
            return;
        }
        match self {
            Keeper::Fold(f) => f(&mut i),
            Keeper::Listed(out) => with_room(out, sh).push(Listed::take(&mut i)),
            Keeper::Whole(out) => with_room(out, sh).push(i),
        }
    }

    /// [`Self::keep`] for each of `items`; folded and listed ones are read in place, not
    /// moved out one by one (a yearly report folds millions of cadence slots).
    fn keep_all(&mut self, sh: &Shared<'_>, mut items: Vec<Evaluated>) {
        let wanted = |i: &&mut Evaluated| (sh.keep)(&Engine::probe_of(i));
        match self {
            Keeper::Fold(f) => items.iter_mut().filter(wanted).for_each(f),
            Keeper::Listed(out) => with_room(out, sh).extend(items.iter_mut().filter(wanted).map(Listed::take)),
            Keeper::Whole(_) => items.into_iter().for_each(|i| self.keep(sh, i)),
        }
    }
}

/// Why a rule does not apply to an order (for `explain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip<'s> {
    /// The order's kind is not one of the rule's.
    Kind(&'s str),
    /// A `match` column has another value.
    Match(&'s str, &'s str),
    /// The anchor column is empty: the event has not happened yet.
    NoAnchor(&'s str),
    /// The anchor column does not hold a date.
    BadAnchor(&'s str, &'s str),
    /// The rule is not in force on the anchor date.
    NotInForce(NaiveDate),
}

impl std::fmt::Display for Skip<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::Kind(k) => write!(f, "the order's kind `{k}` is not one this rule applies to"),
            Skip::Match(c, v) => write!(f, "column `{c}` is {v:?}, which the rule's `match` does not accept"),
            Skip::NoAnchor(c) => write!(f, "the anchor column `{c}` is empty: the event has not happened yet"),
            Skip::BadAnchor(c, v) => write!(f, "the anchor column `{c}` holds {v:?}, not a date"),
            Skip::NotInForce(d) => write!(f, "the rule is not in force on the anchor date {d}"),
        }
    }
}

impl<'a> Shared<'a> {
    /// The canonical kind of an order.
    fn kind_of<'o>(&'o self, order: &'o Order) -> &'o str {
        self.router.kind_of(order)
    }

    fn base_item(&self, ci: usize, cust: usize, order: Option<&Order>, anchor: NaiveDateTime) -> Evaluated {
        let c = &self.compiled[ci];
        let customer = self.inp.customers.get(cust);
        let field = |col: Option<usize>| order.map_or(Text::default(), |o| col.map_or("", |i| o.field(i)).into());
        Evaluated {
            due_id: Text::default(),
            rule: c.id,
            version: c.version,
            step: Text::default(),
            customer: Some(cust),
            // The order's own copy of the id (in cache; the customer table's is a miss).
            customer_id: match (order, self.cust_col) {
                (Some(o), Some(i)) => o.field(i).into(),
                _ => customer.id().into(),
            },
            order_id: field(self.id_col),
            order_line: order.map_or(0, |o| o.line),
            kind: order.map_or_else(|| Text::const_new("cadence"), |o| self.kind_of(o).into()),
            department: field(self.dept_col),
            staff: field(self.staff_col),
            category: field(self.category_col),
            anchor,
            window_start: anchor.date(),
            window_end: anchor.date(),
            shifted: false,
            channel: c.rule.channels.first().copied().unwrap_or(Channel::Phone),
            assignee: Text::default(),
            excluded: None,
            sample: None,
            resolution: Resolution::Open,
            attempts: 0,
            reach: None,
            flags: Vec::new(),
        }
    }

    /// Every due id of a cadence slot of unit `key` (a customer or an order): the bare
    /// slot id first, then one per required contact.
    ///
    /// The strings already in `ids` are written over (a million customers each ask for
    /// every slot's ids: allocating them again each time was a tenth of a yearly report).
    fn slot_ids(c: &Compiled<'_>, key: &str, slot: &cadence::Slot, ids: &mut Vec<String>) {
        let rule = c.rule;
        let require = rule.cadence.as_ref().map_or(&[][..], |c| c.require.as_slice());
        let n = 1 + require.iter().map(|q| q.count as usize).sum::<usize>();
        ids.resize_with(n, String::new);
        let (base, rest) = ids.split_at_mut(1);
        let base = &mut base[0];
        // Pieces pushed, not `write!`: formatting was most of this, for every slot of
        // every customer.
        base.clear();
        for part in [rule.id.as_str(), "/", key, "/", slot.label.as_str()] {
            base.push_str(part);
        }
        let mut next = rest.iter_mut();
        for (q, label) in require.iter().zip(&c.require_labels) {
            for k in 1..=q.count {
                if let Some(id) = next.next() {
                    id.clear();
                    for part in [base.as_str(), "/", label.as_str(), "-", itoa::Buffer::new().format(k)] {
                        id.push_str(part);
                    }
                }
            }
        }
    }

    /// The items of cadence `ci` for one customer (order `None`) or one order, in `slots`,
    /// pushed onto `out`; `heads`, when looked up already, are the visit-log heads of every
    /// slot's due ids ([`Self::slot_ids`]) one slot after another.
    #[allow(clippy::too_many_arguments)]
    fn cadence_items(
        &self,
        ci: usize,
        cust: usize,
        order: Option<&Order>,
        key: &str,
        slots: &[cadence::Slot],
        heads: Option<&[Option<u32>]>,
        excluded: Option<String>,
        work: &mut SlotWork,
        contacts: &mut Contacts,
        out: &mut Vec<Evaluated>,
    ) {
        let SlotWork { ids, fills } = work;
        let Some(cad) = self.compiled[ci].rule.cadence.as_ref() else {
            return;
        };
        for (si, slot) in slots.iter().enumerate() {
            let c = &self.compiled[ci];
            Shared::slot_ids(c, key, slot, ids);
            let n = ids.len();
            let heads = heads.and_then(|h| h.get(si * n..(si + 1) * n));
            let reqs = if cad.require.is_empty() {
                None
            } else {
                Some(&cad.require)
            };
            let as_of = self.inp.as_of;
            // Still in the log: a visit becomes an owned `Reach` only for an item built.
            let reached: Vec<Attempt<'_>> = ids
                .iter()
                .enumerate()
                .filter_map(|(j, id)| self.inp.attempts.of(heads.map(|h| h[j]), id))
                .flatten()
                .filter(|a| a.outcome() == crate::model::values::Outcome::Reached && a.at().date() <= as_of)
                .collect();
            let times: Vec<_> = reached.iter().map(|a| (a.at(), a.channel())).collect();
            cadence::missing(&cad.require, &times, fills);
            // A slot is judged in the period it falls in, so its anchor is its own start,
            // not the cadence's (or the order's hand-over) date.
            let anchor = slot.start.and_time(chrono::NaiveTime::MIN);
            // `missing` lists the requirements in the order `slot_ids` named their ids: the
            // bare slot id alone, or one id per required contact after it.
            let mut next_id = usize::from(reqs.is_some());
            for &(req, ref filled, need) in fills.iter() {
                for k in 1..=need {
                    let j = next_id;
                    next_id += 1;
                    let due = ids.get(j).map_or("", String::as_str);
                    let head = heads.and_then(|h| h.get(j).copied());
                    let max = self.compiled[ci].rule.max_attempts;
                    let st = attempts::classify(self.inp.attempts.of(head, due), as_of, max);
                    if let Some(r) = &st.reach {
                        contacts.add(cust, r.at().date());
                    }
                    // Filled by the k-th reached visit through this channel group; a reached
                    // visit logged on this id but through another channel does not fill it.
                    let fill = filled.get((k - 1) as usize).map(|&i| &reached[i]);
                    let (resolution, other_channel) = match (fill, st.resolution) {
                        (Some(r), _) => (Resolution::Reached { on: r.at().date() }, false),
                        (None, Resolution::Reached { .. }) => (Resolution::Open, true),
                        (None, other) => (other, false),
                    };
                    // Decided before the item is built: a report's slots outside its
                    // period (half of a year's survey slots) are never kept.
                    let probe = Probe {
                        due_id: DueId::Whole(due),
                        anchor,
                        window_start: slot.start,
                        window_end: slot.end,
                        resolution: &resolution,
                        excluded: excluded.is_some(),
                    };
                    if !(self.keep)(&probe) {
                        continue;
                    }
                    let c = &self.compiled[ci];
                    let mut item = self.base_item(ci, cust, order, anchor);
                    item.due_id = due.into();
                    item.step = if reqs.is_some() {
                        compact_str::format_compact!(
                            "{}/{}-{k}",
                            slot.label,
                            c.require_labels.get(req).map_or("", String::as_str)
                        )
                    } else {
                        slot.label.as_str().into()
                    };
                    item.window_start = slot.start;
                    item.window_end = slot.end;
                    // A requirement's first channel (the rule's when there are none).
                    item.channel = reqs
                        .and_then(|r| r.get(req)?.channels.first().copied())
                        .unwrap_or(c.rule.channels[0]);
                    item.assignee = assign::resolve_assignee(&c.rule.steps[0].assignee, self.inp.schema, order);
                    item.excluded = excluded.as_deref().map(Text::from);
                    item.resolution = resolution;
                    item.attempts = st.attempts;
                    item.reach = st.reach.map(|a| Box::new(a.reach()));
                    if let Some(r) = fill {
                        item.reach = Some(Box::new(r.reach()));
                        item.attempts = item.attempts.max(1);
                    } else if other_channel {
                        item.flags.push("visit_channel_does_not_count".into());
                    }
                    out.push(item);
                }
            }
            for r in &reached {
                contacts.add(cust, r.at().date());
            }
        }
    }

    /// The items of customer cadence `ci` for a chunk of customers (positions): their
    /// visit-log entries are looked up together first (see [`route`]).
    fn customer_chunk(
        &self,
        ci: usize,
        chunk: &[usize],
        slots: &[cadence::Slot],
        work: &mut CadenceWork,
        contacts: &mut Contacts,
    ) -> Vec<Evaluated> {
        let customers = self.inp.customers;
        let CadenceWork {
            slot: scratch,
            keys,
            found,
        } = work;
        keys.clear();
        for &cust in chunk {
            for slot in slots {
                Shared::slot_ids(&self.compiled[ci], customers.get(cust).id(), slot, &mut scratch.ids);
                keys.extend(scratch.ids.iter().map(|id| crate::model::attempt_log::due_key(id)));
            }
        }
        self.inp.attempts.heads_of(keys, found);
        // Every customer asks for the same number of ids.
        let per = found.len() / chunk.len().max(1);
        let mut items = Vec::new();
        for (j, &cust) in chunk.iter().enumerate() {
            let cu = customers.get(cust);
            let excluded = exclude::exclusion_reason(&self.compiled[ci], cu, None);
            let heads = found.get(j * per..(j + 1) * per);
            // Built in place (an item is a few hundred bytes: no list per customer).
            self.cadence_items(
                ci,
                cust,
                None,
                cu.id(),
                slots,
                heads,
                excluded,
                scratch,
                contacts,
                &mut items,
            );
        }
        items
    }
}

impl<'a> Engine<'a> {
    /// Compiles the rules against the schema. Returns every column the rules need that the
    /// orders lack.
    pub fn new(inp: Inputs<'a>, keep: Keep<'a>) -> Result<Self, Vec<Diagnostic>> {
        let schema = inp.schema;
        let mut diags = Vec::new();
        let mut warnings = Vec::new();
        let mut compiled = Vec::new();
        for set in &inp.rules.sets {
            for (col, rule, required) in set.referenced_columns() {
                if schema.get(&col).is_none() && !required {
                    warnings.push(format!(
                        "{}: rule `{}` reads the optional column `{col}`, which {} lacks: the exclusion or step that needs it never applies",
                        set.path.display(),
                        rule.short_id,
                        inp.orders_path.display()
                    ));
                } else if schema.get(&col).is_none() {
                    diags.push(
                        Diagnostic::new(
                            &set.path,
                            rule.line,
                            "",
                            format!(
                                "rule `{}` reads column `{col}`, which {} lacks (its columns: {})",
                                rule.short_id,
                                inp.orders_path.display(),
                                schema.headers.join(", ")
                            ),
                        )
                        .with_hint("map the company's column name under [columns] in the rule file, add the column to the export, or delete the rule from your copy of the file if the company has no such orders"),
                    );
                }
            }
            for rule in &set.rules {
                compiled.push(Compiled {
                    set,
                    rule,
                    match_cols: rule
                        .matches
                        .iter()
                        .map(|(c, v)| (schema.get(c), v.as_slice()))
                        .collect(),
                    step_cols: rule.steps.iter().map(|s| schema.get(&s.anchor)).collect(),
                    step_alt_cols: rule
                        .steps
                        .iter()
                        .map(|s| s.alt_anchors.iter().map(|(a, off)| (schema.get(a), *off)).collect())
                        .collect(),
                    exclusion_cols: rule
                        .exclusions
                        .iter()
                        .map(|e| match &e.condition {
                            crate::rules::Condition::In { column, .. }
                            | crate::rules::Condition::Empty { column, .. } => (schema.get(column), None),
                            crate::rules::Condition::ShorterThan { from, to, .. } => (schema.get(from), schema.get(to)),
                        })
                        .collect(),
                    until_col: rule
                        .cadence
                        .as_ref()
                        .and_then(|c| c.until_column.as_ref())
                        .and_then(|c| schema.get(c)),
                    require_labels: rule
                        .cadence
                        .as_ref()
                        .map(|c| c.require.iter().map(crate::rules::Require::label).collect())
                        .unwrap_or_default(),
                    id: crate::model::intern(&rule.id),
                    version: crate::model::intern(&set.version),
                });
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        let rules: Vec<&Rule> = compiled.iter().map(|c| c.rule).collect();
        let cols = OrderColumns {
            kind: schema.get("kind"),
            id: schema.get("order_id"),
            customer: schema.get("customer_id"),
        };
        let router = Router::new(&rules, inp.rules.kind_map(), cols, inp.attempts);
        let windows = compiled
            .iter()
            .map(|c| vec![[None; WINDOW_DAYS as usize]; c.rule.steps.len()])
            .collect();
        let visits = inp.attempts.visits();
        Ok(Engine {
            windows,
            sh: Shared {
                router,
                id_col: schema.get("order_id"),
                cust_col: schema.get("customer_id"),
                dept_col: schema.get("department"),
                staff_col: schema.get("staff"),
                category_col: schema.get("category"),
                inp,
                compiled: compiled.into(),
                keep,
            },
            kept: Keeper::Whole(Vec::new()),
            listed_runs: Vec::new(),
            tally: None,
            id_buf: String::new(),
            slot_buf: SlotWork::default(),
            unit_buf: String::new(),
            unit_prefixes: Vec::new(),
            warnings,
            pools: pools::Pools::default(),
            later_units: rustc_hash::FxHashMap::default(),
            periods: Periods::default(),
            contacts: Contacts::with_room(visits),
            problems: Vec::new(),
        })
    }

    /// The look-ahead that routes and looks up the batches this engine is fed (see
    /// [`route`] and [`Self::feed_looked_up`]).
    pub fn prefetcher(&self) -> Prefetcher<'a> {
        Prefetcher::new(self.sh.router.clone(), std::sync::Arc::clone(&self.sh.compiled))
    }

    /// Checks whether rule `c` applies to `order`; returns the first step's anchor.
    pub fn applies<'s>(&'s self, c: &'s Compiled<'_>, order: &'s Order) -> Result<NaiveDateTime, Skip<'s>> {
        let kind = self.sh.kind_of(order);
        if !c.rule.kinds.is_empty() && !c.rule.kinds.iter().any(|k| k.eq_ignore_ascii_case(kind)) {
            return Err(Skip::Kind(kind));
        }
        c.applies_routed(order)
    }

    /// Folds kept items into `fold` as they come instead of collecting them (reports over
    /// a year need not hold a year of items).
    #[must_use]
    pub fn with_fold(mut self, fold: Fold<'a>) -> Self {
        self.kept = Keeper::Fold(fold);
        self
    }

    /// Readies this engine to be fed part of the orders, for [`Self::absorb`] by another.
    #[must_use]
    pub fn of_part(mut self) -> Self {
        self.pools = pools::Pools::of_part();
        self
    }

    /// Keeps items as the due list's compact [`Listed`] items instead of whole.
    #[must_use]
    pub fn listing(mut self) -> Self {
        self.kept = Keeper::Listed(Vec::new());
        self
    }

    /// Counts the kept items of unselected sampled units into `tally` instead of building
    /// them. These items are not excluded (excluded units are never pooled) and not
    /// required, so a report grouped by rule reads little else of them; their orders are
    /// then not read again (most of a yearly report's sampled units). A unit of one of
    /// the tally's `built_kinds`, or with an item beyond its first 15 steps (or a
    /// `min_visits` extra), is still built.
    #[must_use]
    pub fn with_tally(mut self, tally: Tally<'a>) -> Self {
        self.tally = Some(tally);
        self
    }

    /// Evaluates every rule against each order of a batch that [`Self::prefetcher`] has
    /// routed and looked up.
    pub fn feed_looked_up(&mut self, batch: &crate::model::OrderBatch, ahead: &Prefetcher<'_>) {
        self.sh.inp.customers.warm_flags(batch.iter().map(|(_, c)| *c));
        self.warm_households(batch, ahead);
        for (k, (order, cust)) in batch.iter().enumerate() {
            let (kind, candidates, verdicts, heads) = ahead.order(k);
            self.feed_routed(order, *cust, kind, candidates, verdicts, heads);
        }
    }

    /// Reads each order's entry in the household index of its sampling pools ahead of
    /// evaluation: a pool's index spans its million customers, and one independent read
    /// per order lets the cache misses overlap instead of stalling evaluation one by one.
    fn warm_households(&self, batch: &crate::model::OrderBatch, ahead: &Prefetcher<'_>) {
        // Where to read first, then the reads in a tight loop: the CPU only overlaps the
        // misses of reads that are a few instructions apart.
        let mut targets = Vec::new();
        for (k, (_, cust)) in batch.iter().enumerate() {
            let (_, candidates, verdicts, _) = ahead.order(k);
            for (&ci, v) in candidates.iter().zip(verdicts) {
                let c = &self.sh.compiled[ci];
                let Some(s) = c.rule.sample.as_ref().filter(|s| s.unit == SampleUnit::Customer) else {
                    continue;
                };
                let route::Verdict::Applies(anchor) = v else {
                    continue;
                };
                let date = anchor.date();
                if let Some(pool) = self.pools.find(ci, date, || Period::containing(s.per, date)) {
                    targets.push((&pool.1, u32::try_from(*cust).unwrap_or(u32::MAX)));
                }
            }
        }
        let mut seen = 0u64;
        for (households, cust) in targets {
            seen ^= households.get(cust).map_or(0, |(at, _)| u64::from(at));
        }
        std::hint::black_box(seen);
    }

    /// Evaluates the rules that apply to one order whose customer the reader has found,
    /// given its canonical kind (as routed), the rules with their [`route::Verdict`]s, and
    /// the visit-log heads of their plain steps in [`route`]'s order.
    fn feed_routed(
        &mut self,
        order: &Order,
        cust: usize,
        kind: &str,
        candidates: &[usize],
        verdicts: &[route::Verdict],
        heads: &[Option<u32>],
    ) {
        let mut next_head = 0;
        for (&ci, verdict) in candidates.iter().zip(verdicts) {
            // This rule's slice of `heads` (its steps', when its due ids are plain).
            let n = self.sh.router.plain_step_count(ci);
            let heads = Some(heads)
                .filter(|_| n > 0)
                .and_then(|h| h.get(next_head..next_head + n));
            next_head += n;
            let c = &self.sh.compiled[ci];
            let anchor = match *verdict {
                route::Verdict::Applies(anchor) => anchor,
                route::Verdict::BadAnchor => {
                    if let Err(Skip::BadAnchor(col, v)) = c.applies_routed(order) {
                        let i = self.sh.inp.schema.get(col).unwrap_or(0);
                        self.problems.push(Diagnostic::new(
                            &self.sh.inp.orders_path,
                            order.line,
                            format!("column `{col}` (field {})", i + 1),
                            format!("expected {}, found {v:?}", crate::io::dates::EXPECTED),
                        ));
                    }
                    continue;
                }
            };
            let excluded = exclude::exclusion_reason(c, self.sh.inp.customers.get(cust), Some(order));
            let order_id = self.sh.id_col.map_or("", |i| order.field(i));
            if c.rule.cadence.is_some() {
                let order_id = order_id.to_string();
                let slots = self.cadence_slots(ci, Some(order), anchor);
                let mut items = Vec::new();
                self.sh.cadence_items(
                    ci,
                    cust,
                    Some(order),
                    &order_id,
                    &slots,
                    None,
                    excluded,
                    &mut self.slot_buf,
                    &mut self.contacts,
                    &mut items,
                );
                self.emit(items);
                continue;
            }
            let Some(s) = &c.rule.sample else {
                let (items, _) =
                    self.step_items(ci, cust, order, None, heads, anchor, excluded.as_deref(), Build::Kept);
                self.emit(items);
                continue;
            };
            let household = s.unit == SampleUnit::Customer;
            if excluded.is_some() {
                // Excluded units are shown but are not part of the sampled population (and
                // are named by the order: the heads looked up are the household's).
                let heads = heads.filter(|_| !household);
                let (items, _) =
                    self.step_items(ci, cust, order, None, heads, anchor, excluded.as_deref(), Build::Kept);
                self.emit(items);
                continue;
            }
            if anchor.date() > self.sh.inp.as_of {
                // Not yet part of the population as of the run's date.
                continue;
            }
            let (period, label) = self.periods.containing(s.per, anchor.date());
            let at_pool = self.pools.index(ci, period);
            let pool = self.pools.get_mut(at_pool);
            let anchor_s = anchor.and_utc().timestamp();
            // Seconds into the period (the anchor falls in it, and a period is at most a
            // year), as the household index keeps anchors.
            let into_period = u32::try_from(anchor_s - period.start.and_time(NaiveTime::MIN).and_utc().timestamp())
                .unwrap_or(u32::MAX);
            let cust32 = u32::try_from(cust).unwrap_or(u32::MAX);
            let replace = match pool.1.get(cust32).filter(|_| household) {
                // One unit per household and period, anchored on its earliest order (most
                // orders of a yearly household sample stop here, before any hashing).
                Some((_, first)) if first <= into_period => continue,
                Some((at, _)) => Some(at as usize),
                None => None,
            };
            // The order's own copy of the customer id (the reader matched it exactly) is in
            // cache; the customer table's is not.
            let cust_id = self
                .sh
                .cust_col
                .map_or_else(|| self.sh.inp.customers.get(cust).id(), |i| order.field(i));
            let key = if household { cust_id } else { order_id };
            if self.unit_prefixes.len() <= at_pool {
                self.unit_prefixes.resize_with(at_pool + 1, Vec::new);
            }
            let hash = sampling::unit_hash_in(&mut self.unit_prefixes[at_pool], &s.seed, &c.rule.id, label, key);
            // A household's unit id, written into a reused buffer (this runs for most
            // orders of a household-sampled rule).
            let mut unit_id = std::mem::take(&mut self.unit_buf);
            unit_id.clear();
            if household {
                unit_id.push_str(cust_id);
                unit_id.push('@');
                unit_id.push_str(label);
            }
            let unit = household.then_some(unit_id.as_str());
            let (_, mut kept) = self.step_items(ci, cust, order, unit, heads, anchor, None, Build::Probe);
            if let Some(t) = self
                .tally
                .as_ref()
                .filter(|t| !t.built_kinds.is_empty() && !order_id.is_empty())
            {
                if kept.any() && t.built_kinds.contains(&kind) {
                    // Read again and built even if not selected (see `Tally::built_kinds`).
                    kept.other();
                }
            }
            self.unit_buf = unit_id;
            let Some(unit) = PoolUnit::new(hash, order.offset, kept, into_period, cust32) else {
                self.problems.push(Diagnostic::file(
                    &self.sh.inp.orders_path,
                    "orders beyond the file's first 256 TiB cannot be sampled",
                ));
                continue;
            };
            let pool = self.pools.get_mut(at_pool);
            match replace {
                Some(at) => {
                    pool.1.set(cust32, at as u32, into_period, self.sh.inp.customers.len());
                    pool.0[at] = unit;
                }
                None => {
                    // Order ids are unique (the reader checks), so only households need
                    // an index to find their unit again.
                    if household {
                        let at = u32::try_from(pool.0.len()).unwrap_or(u32::MAX);
                        pool.1.set(cust32, at, into_period, self.sh.inp.customers.len());
                    }
                    pool.0.push(unit);
                }
            }
        }
    }

    fn emit(&mut self, items: Vec<Evaluated>) {
        self.kept.keep_all(&self.sh, items);
    }

    fn emit_one(&mut self, i: Evaluated) {
        self.kept.keep(&self.sh, i);
    }

    fn probe_of<'p>(e: &'p Evaluated) -> Probe<'p> {
        Probe {
            due_id: DueId::Whole(&e.due_id),
            anchor: e.anchor,
            window_start: e.window_start,
            window_end: e.window_end,
            resolution: &e.resolution,
            excluded: e.excluded.is_some(),
        }
    }

    /// The items of one order under rule `ci` (one per step whose anchor is known):
    /// windows and attempt states are worked out on the cheap first, and an item is built
    /// only when the keep filter wants it. Returns the items and which were wanted.
    #[allow(clippy::too_many_arguments)]
    fn step_items(
        &mut self,
        ci: usize,
        cust: usize,
        order: &Order,
        unit_id: Option<&str>,
        heads: Option<&[Option<u32>]>,
        first_anchor: NaiveDateTime,
        excluded: Option<&str>,
        build: Build,
    ) -> (Vec<Evaluated>, Kept) {
        let mut out = Vec::new();
        let mut kept = Kept::default();
        let n_steps = self.sh.compiled[ci].rule.steps.len();
        let mut id = std::mem::take(&mut self.id_buf);
        // For `min_visits`: steps generated, the last window's end, and steps still able to
        // count (reached, or open).
        let (mut generated, mut last_end, mut live) = (0usize, None::<NaiveDate>, 0u32);
        for si in 0..n_steps {
            let c = &self.sh.compiled[ci];
            let step = &c.rule.steps[si];
            let anchor = if si == 0 {
                first_anchor
            } else {
                // The step's anchor, or the earliest of its alternatives that has happened.
                let cal = &c.rule.calls.calendar;
                let alt = c.step_alt_cols[si]
                    .iter()
                    .filter_map(|(col, off)| {
                        let i = col.filter(|&i| !order.field(i).is_empty())?;
                        let d = order.datetime(i)?;
                        Some(window::add_offset(d, *off, cal).and_time(d.time()))
                    })
                    .min();
                let raw = c.step_cols[si].map_or("", |i| order.field(i));
                if raw.is_empty() {
                    match alt {
                        Some(a) => a,
                        // A later anchor (stopping medication) that has not happened yet.
                        None => continue,
                    }
                } else {
                    match c.step_cols[si].and_then(|i| order.datetime(i)) {
                        Some(a) => alt.map_or(a, |b| a.min(b)),
                        None => {
                            let i = c.step_cols[si].unwrap_or(0);
                            self.problems.push(Diagnostic::new(
                                &self.sh.inp.orders_path,
                                order.line,
                                format!("column `{}` (field {})", step.anchor, i + 1),
                                format!("expected {}, found {raw:?}", crate::io::dates::EXPECTED),
                            ));
                            continue;
                        }
                    }
                }
            };
            // Offsets in days or longer give every anchor of a day the same window.
            let by_day = step.after.unit != Unit::Hours && step.within.unit != Unit::Hours;
            let day = anchor.date();
            let memo =
                &mut self.windows[ci][si][chrono::Datelike::num_days_from_ce(&day).rem_euclid(WINDOW_DAYS) as usize];
            let w = match *memo {
                Some((d, w)) if by_day && d == day => w,
                _ => {
                    let w = window::window(
                        anchor,
                        step.after,
                        step.within,
                        &c.rule.calls.calendar,
                        c.rule.calls.call_on,
                    );
                    *memo = by_day.then_some((day, w));
                    w
                }
            };
            let unit = unit_id.unwrap_or_else(|| self.sh.id_col.map_or("", |i| order.field(i)));
            // The id is joined only when it is looked up here or an item is built.
            let mut joined = false;
            let found = match heads.and_then(|h| h.get(si)).copied() {
                Some(head) => self.sh.inp.attempts.chain(head),
                None => {
                    step_due_id(&mut id, &c.rule.id, unit, &step.name);
                    joined = true;
                    self.sh.inp.attempts.get(&id)
                }
            };
            let st = attempts::classify(found, self.sh.inp.as_of, c.rule.max_attempts);
            if let Some(r) = st.reach.as_ref().filter(|_| build != Build::Again) {
                self.contacts.add(cust, r.at().date());
            }
            generated += 1;
            last_end = last_end.max(Some(w.end));
            match st.resolution {
                Resolution::Reached { .. } => live += 1,
                Resolution::Open => live += 1,
                _ => {}
            }
            let probe = Probe {
                due_id: DueId::Parts(&c.rule.id, unit, &step.name),
                anchor,
                window_start: w.start,
                window_end: w.end,
                resolution: &st.resolution,
                excluded: excluded.is_some(),
            };
            if !(self.sh.keep)(&probe) {
                continue;
            }
            kept.step(si);
            if build == Build::Probe {
                continue;
            }
            if !joined {
                step_due_id(&mut id, &c.rule.id, unit, &step.name);
            }
            let mut item = self.sh.base_item(ci, cust, Some(order), anchor);
            let c = &self.sh.compiled[ci];
            let step = &c.rule.steps[si];
            item.due_id = id.as_str().into();
            item.step = step.name.as_str().into();
            item.window_start = w.start;
            item.window_end = w.end;
            item.shifted = w.shifted;
            item.channel = step.channel;
            item.assignee = assign::resolve_assignee(&step.assignee, self.sh.inp.schema, Some(order));
            item.excluded = excluded.map(Text::from);
            if w.shifted {
                item.flags.push("window_end_moved_past_holidays".into());
            }
            item.resolution = st.resolution;
            item.attempts = st.attempts;
            item.reach = st.reach.map(|a| Box::new(a.reach()));
            out.push(item);
        }
        self.id_buf = id;
        // renovation: at least 3 visits per project. Once every step exists, each step
        // closed without a reach (refused, unreachable) is made up by an `extra-N` item in
        // the month after the last window.
        let min = self.sh.compiled[ci].rule.min_visits.unwrap_or(0);
        if let (true, Some(end)) = (generated == n_steps && live < min, last_end) {
            let mut k = 1;
            while live < min && k <= min {
                let c = &self.sh.compiled[ci];
                let due_id = format!(
                    "{}/{}/extra-{k}",
                    c.rule.id,
                    unit_id.unwrap_or_else(|| self.sh.id_col.map_or("", |i| order.field(i)))
                );
                let st = attempts::classify(
                    self.sh.inp.attempts.get(due_id.as_str()),
                    self.sh.inp.as_of,
                    c.rule.max_attempts,
                );
                if matches!(st.resolution, Resolution::Reached { .. } | Resolution::Open) {
                    live += 1;
                }
                let start = end.succ_opt().unwrap_or(end);
                let w_end = start.checked_add_months(chrono::Months::new(1)).unwrap_or(start);
                let probe = Probe {
                    due_id: DueId::Whole(&due_id),
                    anchor: end.and_time(chrono::NaiveTime::MIN),
                    window_start: start,
                    window_end: w_end,
                    resolution: &st.resolution,
                    excluded: excluded.is_some(),
                };
                if (self.sh.keep)(&probe) {
                    kept.other();
                    if build != Build::Probe {
                        let mut item = self
                            .sh
                            .base_item(ci, cust, Some(order), end.and_time(chrono::NaiveTime::MIN));
                        item.due_id = due_id.into();
                        item.step = compact_str::format_compact!("extra-{k}");
                        item.window_start = start;
                        item.window_end = w_end;
                        item.assignee = assign::resolve_assignee(
                            &self.sh.compiled[ci].rule.steps[0].assignee,
                            self.sh.inp.schema,
                            Some(order),
                        );
                        item.excluded = excluded.map(Text::from);
                        item.flags.push(format!("min_visits:{min}"));
                        item.resolution = st.resolution;
                        item.attempts = st.attempts;
                        item.reach = st.reach.map(|a| Box::new(a.reach()));
                        out.push(item);
                    }
                }
                k += 1;
            }
        }
        (out, kept)
    }

    /// Slots of a cadence for one customer (order `None`) or one order.
    fn cadence_slots(&self, ci: usize, order: Option<&Order>, anchor: NaiveDateTime) -> Vec<cadence::Slot> {
        let c = &self.sh.compiled[ci];
        let Some(cad) = c.rule.cadence.as_ref() else {
            return Vec::new();
        };
        let horizon_end = self.sh.inp.as_of + chrono::Duration::days(self.sh.inp.horizon.max(0));
        match order {
            Some(o) => {
                let end = c.until_col.and_then(|i| crate::io::dates::parse_date(o.field(i)));
                match &cad.schedule {
                    crate::rules::Schedule::Phased(_) => {
                        cadence::phased_slots(cad, anchor, end, horizon_end, &c.rule.calls.calendar)
                    }
                    // Calendar-aligned slots per order (a buyer every half month until
                    // hand-over): from the anchor's period to the end column or the horizon.
                    crate::rules::Schedule::Aligned { .. } => {
                        let last = end.map_or(horizon_end, |e| e.min(horizon_end));
                        cadence::aligned_slots(cad, anchor.date(), last)
                    }
                }
            }
            // A customer cadence is in force per slot: a retired one stops producing slots.
            None => {
                let mut v = cadence::aligned_slots(cad, anchor.date(), horizon_end);
                v.retain(|s| c.rule.effective_until.is_none_or(|u| s.start <= u));
                v
            }
        }
    }

    /// Customer cadences, sampling decisions and cool-down flags; returns the items kept
    /// (unless a fold took them) and every data problem met. `reread`
    /// reads the orders of the sampled units that need items built (the engine does not
    /// keep them: see `PoolUnit::kept`).
    pub fn finish(mut self, first_slot_from: impl Fn(&Rule) -> NaiveDate, reread: &mut Reread<'_>) -> Finished {
        // Customer cadences.
        for ci in 0..self.sh.compiled.len() {
            let c = &self.sh.compiled[ci];
            let Some(cad) = &c.rule.cadence else { continue };
            let CadenceTarget::Customers { segments, flags } = &cad.target else {
                continue;
            };
            let mut from = first_slot_from(c.rule);
            if let Some(s) = cad.start {
                from = from.max(s);
            }
            if let Some(s) = c.rule.effective_from {
                from = from.max(s);
            }
            let segments = segments.clone();
            let flags = flags.clone();
            // Every customer gets the same slots; their visit-log entries are warmed a
            // chunk of customers at a time (see `route`).
            let slots = self.cadence_slots(ci, None, from.and_time(chrono::NaiveTime::MIN));
            let customers = self.sh.inp.customers;
            let eligible: Vec<usize> = (0..customers.len())
                .filter(|&cust| {
                    let cu = customers.get(cust);
                    let in_segment =
                        segments.is_empty() || segments.iter().any(|s| s.eq_ignore_ascii_case(cu.segment()));
                    in_segment && (flags.is_empty() || flags.iter().any(|f| cu.has_flag(f)))
                })
                .collect();
            // Chunks of customers are laid out on two cores, the odd ones on the other;
            // their items are kept in chunk order, as if laid out on one.
            const CHUNK: usize = 256;
            let sh = &self.sh;
            let (kept, contacts) = (&mut self.kept, &mut self.contacts);
            let theirs = std::thread::scope(|scope| {
                let (tx, rx) = std::sync::mpsc::sync_channel(4);
                let slots = &slots;
                let eligible = &eligible;
                let other = scope.spawn(move || {
                    let (mut work, mut contacts) = (CadenceWork::default(), Contacts::default());
                    for chunk in eligible.chunks(CHUNK).skip(1).step_by(2) {
                        if tx
                            .send(sh.customer_chunk(ci, chunk, slots, &mut work, &mut contacts))
                            .is_err()
                        {
                            break;
                        }
                    }
                    contacts
                });
                let mut work = CadenceWork::default();
                for chunk in eligible.chunks(CHUNK).step_by(2) {
                    kept.keep_all(sh, sh.customer_chunk(ci, chunk, slots, &mut work, contacts));
                    // The other core's next chunk (none after the last).
                    if let Ok(theirs) = rx.recv() {
                        kept.keep_all(sh, theirs);
                    }
                }
                drop(rx);
                other.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
            });
            // The other core's contacts (this one's went straight into the engine's).
            self.contacts.absorb(theirs);
        }

        crate::debug_rss("finish: cadences laid out");
        // Sampling decisions, period by period.
        // A draw only decides which of a pool's units get items: a pool none of whose
        // units has an item to keep (a report's periods before or after its own) is not
        // drawn at all.
        let mut later = std::mem::take(&mut self.later_units);
        let mut pools: Vec<_> = std::mem::take(&mut self.pools)
            .into_list()
            .into_iter()
            .map(|(key, (units, _))| (key, (units, later.remove(&key).unwrap_or_default())))
            .filter(|(_, (units, more))| units.iter().chain(more).any(|u| u.kept().any()))
            .collect();
        pools.sort_unstable_by_key(|(key, _)| *key);
        self.contacts.seal();
        // Pools are drawn independently (cool-downs only read the sealed contacts), on two
        // cores; the results are taken in pool order.
        let (compiled, contacts) = (&self.sh.compiled, &self.contacts);
        let as_of = self.sh.inp.as_of;
        let unselected = match (&self.tally, self.sh.inp.keep_unselected) {
            (Some(_), _) => Unselected::Count,
            (None, true) => Unselected::Build,
            (None, false) => Unselected::Skip,
        };
        let drawn: Vec<(PoolFacts, Vec<Rebuild>)> = in_order_on_two_cores(
            pools,
            |(_, (units, _))| units.len(),
            |((ci, period), (units, more))| draw(&compiled[ci], ci, period, (units, more), contacts, as_of, unselected),
        )
        .into_iter()
        .flatten()
        .collect();
        let mut rebuild = Vec::new();
        let mut facts: Vec<PoolFacts> = Vec::with_capacity(drawn.len());
        for (f, units) in drawn {
            if let Some(tally) = &mut self.tally {
                let c = &self.sh.compiled[f.rule];
                for (step, &n) in c.rule.steps.iter().zip(&f.unselected).filter(|(_, &n)| n > 0) {
                    (tally.count)(c.id, c.version, &step.name, n);
                }
            }
            let pool = u32::try_from(facts.len()).unwrap_or(u32::MAX);
            facts.push(f);
            rebuild.extend(units.into_iter().map(|r| Rebuild { pool, ..r }));
        }
        crate::debug_rss("finish: samples drawn");
        // The orders of those units, read again in file order.
        // By offset, then pool: a unit's order is in a pool once, so the key is unique and
        // this is the order a stable sort by offset gives (pools were appended in order).
        rebuild.sort_unstable_by_key(|r| (r.offset, r.pool));
        if !rebuild.is_empty() {
            let mut offsets: Vec<u64> = rebuild.iter().map(|r| r.offset).collect();
            offsets.dedup();
            let mut next = 0;
            let (mut id, mut keys, mut found) = (String::new(), Vec::new(), Vec::new());
            // A unit's id, appended to `names` (the batch's unit ids, one buffer).
            let unit_of = |engine: &Self, r: &Rebuild, order: &Order, names: &mut String| {
                let f = &facts[r.pool as usize];
                if f.household {
                    // The order's own copy of the customer id (the reader matched it
                    // exactly) is in cache; the customer table's is not.
                    let id = engine.sh.cust_col.map_or_else(
                        || engine.sh.inp.customers.get(r.customer as usize).id(),
                        |i| order.field(i),
                    );
                    names.push_str(id);
                    names.push('@');
                    f.period.push_label(names);
                } else {
                    names.push_str(engine.sh.id_col.map_or("", |i| order.field(i)));
                }
            };
            // Per unit of a batch: its place in `rebuild`, its order's in the batch, where
            // its steps' keys start, and where its unit id is in `names`.
            let mut units: Vec<(usize, usize, usize, std::ops::Range<usize>)> = Vec::new();
            let mut names = String::new();
            reread(&offsets, &mut |batch| {
                // The batch's units, and the visit-log heads of their steps looked up
                // together (see `route`).
                keys.clear();
                units.clear();
                names.clear();
                for (b, (order, _)) in batch.iter().enumerate() {
                    while next < rebuild.len() && rebuild[next].offset < order.offset {
                        next += 1;
                    }
                    while next < rebuild.len() && rebuild[next].offset == order.offset {
                        let rule = self.sh.compiled[facts[rebuild[next].pool as usize].rule].rule;
                        let from = names.len();
                        unit_of(&self, &rebuild[next], order, &mut names);
                        let unit = &names[from..];
                        let start = keys.len();
                        for step in &rule.steps {
                            step_due_id(&mut id, &rule.id, unit, &step.name);
                            keys.push(crate::model::attempt_log::due_key(&id));
                        }
                        units.push((next, b, start, from..names.len()));
                        next += 1;
                    }
                }
                self.sh.inp.attempts.heads_of(&keys, &mut found);
                for (ri, b, start, unit) in &units {
                    let r = &rebuild[*ri];
                    let f = &facts[r.pool as usize];
                    let n = self.sh.compiled[f.rule].rule.steps.len();
                    let (items, _) = self.step_items(
                        f.rule,
                        r.customer as usize,
                        &batch[*b].0,
                        f.household.then_some(&names[unit.clone()]),
                        found.get(*start..start + n),
                        PoolUnit::anchor_at(f.period.start, r.into_period),
                        None,
                        Build::Again,
                    );
                    for mut item in items {
                        let mut sample = f.sample.clone();
                        (sample.selected, sample.topup, sample.blocked) = (r.selected, r.topup, r.blocked);
                        item.sample = Some(Box::new(sample));
                        if r.topup {
                            item.flags.push("sampled_at_period_close".into());
                        }
                        self.emit_one(item);
                    }
                }
            });
        }

        crate::debug_rss("finish: sampled orders read again");
        // Mandatory items that break a cool-down are flagged, never suppressed.
        // (Items a fold took are not flagged: reports do not show flags.)
        let cooldowns = Cooldowns::new(std::mem::take(&mut self.contacts), self.sh.inp.as_of, self.sh.inp.rules);
        let (mut items, mut listed) = (Vec::new(), Vec::new());
        match &mut self.kept {
            Keeper::Whole(out) => {
                for item in out.iter_mut() {
                    if let Some(flag) = cooldowns.flag(item.rule, item.customer, item.resolution == Resolution::Open) {
                        item.flags.push(flag);
                    }
                }
                items = std::mem::take(out);
            }
            Keeper::Listed(out) => {
                listed = std::mem::take(&mut self.listed_runs);
                listed.insert(0, std::mem::take(out));
                for e in listed.iter_mut().flatten() {
                    if let Some(flag) = cooldowns.flag(e.rule, e.customer.map(|c| c as usize), e.open) {
                        e.flags.get_or_insert_with(Box::default).push(flag);
                    }
                }
            }
            Keeper::Fold(_) => {}
        }
        self.problems.sort();
        // An order read twice reports a bad later anchor twice.
        self.problems.dedup();
        Finished {
            items,
            listed,
            problems: self.problems,
        }
    }

    /// What this engine found in the orders it was fed, for [`Self::absorb`] by the engine
    /// that finishes the run (the items a fold took stay with the fold). `None` when it
    /// keeps items whole: they carry their order's line, which a part of the file does
    /// not know.
    pub fn into_streamed(self) -> Option<Streamed> {
        let kept = match self.kept {
            Keeper::Fold(_) => Collected::Folded,
            Keeper::Listed(v) => Collected::Listed(v),
            Keeper::Whole(_) => return None,
        };
        Some(Streamed {
            pools: self.pools,
            contacts: self.contacts,
            kept,
            problems: self.problems,
        })
    }

    /// Takes over what another engine found in other orders of the file, as if this
    /// engine had been fed them too, in file order: its sampled units join the pools (a
    /// household keeps its earliest-anchored unit, the one earlier in the file on a tie),
    /// its contacts join these, and its listed items these (the due list is put in order
    /// later). A fold's part is merged by its owner.
    pub fn absorb(&mut self, other: Streamed) {
        let Streamed {
            pools,
            contacts,
            kept,
            problems,
        } = other;
        self.problems.extend(problems);
        self.contacts.absorb(contacts);
        let customers = self.sh.inp.customers.len();
        for ((ci, period), (units, theirs)) in pools.into_list() {
            let at = self.pools.index(ci, period);
            let (mine, households) = self.pools.get_mut(at);
            if mine.is_empty() {
                (*mine, *households) = (units, theirs);
                continue;
            }
            let household = self.sh.compiled[ci]
                .rule
                .sample
                .as_ref()
                .is_some_and(|s| s.unit == SampleUnit::Customer);
            if !household {
                // Kept apart and put in arrival order with these when drawn: a merge here
                // would write them all into fresh pages once more.
                match self.later_units.entry((ci, period)) {
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(units);
                    }
                    std::collections::hash_map::Entry::Occupied(mut e) => merge_by_offset(e.get_mut(), &units),
                }
                continue;
            }
            // (A household has one unit among `units`: its earliest in those orders.)
            for u in units {
                match households.get(u.customer) {
                    Some((at, first)) if (first, mine[at as usize].offset()) <= (u.into_period, u.offset()) => {}
                    Some((at, _)) => {
                        households.set(u.customer, at, u.into_period, customers);
                        mine[at as usize] = u;
                    }
                    None => {
                        let at = u32::try_from(mine.len()).unwrap_or(u32::MAX);
                        households.set(u.customer, at, u.into_period, customers);
                        mine.push(u);
                    }
                }
            }
        }
        match (kept, &mut self.kept) {
            (Collected::Listed(theirs), Keeper::Listed(mine)) if mine.is_empty() => *mine = theirs,
            (Collected::Listed(theirs), Keeper::Listed(_)) => self.listed_runs.push(theirs),
            // (A fold's part is merged by its owner.)
            (Collected::Folded, _) => {}
            (Collected::Listed(theirs), _) => {
                // (Not made so: the engines of a run keep items alike.)
                for item in theirs {
                    self.problems.push(Diagnostic::file(
                        &self.sh.inp.orders_path,
                        format!("internal: item {} was listed by one engine of a run only", item.due_id),
                    ));
                }
            }
        }
    }

    /// Things worth saying that do not stop the run (optional columns the data lacks).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The compiled rules (for `explain`).
    pub fn compiled(&self) -> &[Compiled<'a>] {
        &self.sh.compiled
    }
}

/// The due id of a step: `rule/unit/step` (the unit is the order id, or a household's).
pub(crate) fn step_due_id(out: &mut String, rule: &str, unit: &str, step: &str) {
    out.clear();
    out.push_str(rule);
    out.push('/');
    out.push_str(unit);
    out.push('/');
    out.push_str(step);
}

/// Draws the sample of one pool (rule `ci`, `period`): the pool's facts, and the units
/// whose orders are read again (their `pool` left 0 for the caller to set).
fn draw(
    c: &Compiled<'_>,
    ci: usize,
    period: Period,
    units: (Vec<PoolUnit>, Vec<PoolUnit>),
    contacts: &Contacts,
    as_of: NaiveDate,
    unselected: Unselected,
) -> Option<(PoolFacts, Vec<Rebuild>)> {
    // Arrival order: anchor date, then file position. Tomorrow's export adds rows with
    // later anchor dates (or later in the file), so today's order is a prefix of it.
    let units = in_arrival_order(units.0, &units.1);
    let s = c.rule.sample.as_ref()?;
    let cooldown = c.rule.cooldown;
    // Every unit's cool-down answered up front, a chunk at a time with the chunk's
    // contacts read first: asked one by one as the draw went, each question waited on
    // two cache misses (a customer's start, then their dates), most of a due list's draw.
    let mut blocked = vec![false; units.len()];
    if let Some(days) = cooldown {
        // The period's first day, counted from 1970-01-01.
        let first_day = period.start.and_time(NaiveTime::MIN).and_utc().timestamp() / 86_400;
        for (chunk, answers) in units.chunks(256).zip(blocked.chunks_mut(256)) {
            contacts.warm(chunk.iter().map(|u| u.customer as usize));
            for (u, b) in chunk.iter().zip(answers) {
                *b = contacts.recently_reached_on(u.customer as usize, first_day + i64::from(u.day()), days);
            }
        }
    }
    let closed = as_of > period.end;
    let sel = sampling::select_by(
        units.len(),
        |i| units[i].hash,
        |i| blocked[i],
        s,
        &c.rule.id,
        &period,
        closed,
    );
    let mut facts = PoolFacts {
        unselected: if unselected == Unselected::Count {
            vec![0; c.rule.steps.len()]
        } else {
            Vec::new()
        },
        rule: ci,
        period,
        household: s.unit == SampleUnit::Customer,
        sample: SampleInfo {
            period: compact_str::format_compact!("{period}"),
            population: units.len() as u64,
            required: sel.required,
            selected: false,
            topup: false,
            blocked: false,
            over: sel.over,
            closed,
        },
    };
    let mut rebuild = Vec::new();
    for (i, unit) in units.iter().enumerate() {
        if !unit.kept().any() {
            continue;
        }
        if !sel.selected[i] {
            match (unselected, unit.kept().plain()) {
                (Unselected::Skip, _) => continue,
                (Unselected::Count, Some(mut steps)) => {
                    while steps != 0 {
                        facts.unselected[steps.trailing_zeros() as usize] += 1;
                        steps &= steps - 1;
                    }
                    continue;
                }
                _ => {}
            }
        }
        rebuild.push(Rebuild {
            offset: unit.offset(),
            into_period: unit.into_period,
            pool: 0,
            customer: unit.customer,
            selected: sel.selected[i],
            topup: sel.topup[i],
            blocked: blocked[i],
        });
    }
    Some((facts, rebuild))
}

/// `f` of each of `items`, in their order, worked out on two cores: the costliest first
/// (by `cost`), each taken by whichever core is free next. (Pools split in two halves of
/// equal units left one core idle half of the draw: a unit's cost differs by rule.)
fn in_order_on_two_cores<T: Send, R: Send>(
    items: Vec<T>,
    cost: impl Fn(&T) -> usize,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut queue: Vec<usize> = (0..items.len()).collect();
    queue.sort_by_key(|&i| std::cmp::Reverse(cost(&items[i])));
    let items: Vec<std::sync::Mutex<Option<T>>> = items.into_iter().map(|t| std::sync::Mutex::new(Some(t))).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        while let Some(&i) = queue.get(next.fetch_add(1, Ordering::Relaxed)) {
            let taken = items[i]
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            if let Some(t) = taken {
                done.push((i, f(t)));
            }
        }
        done
    };
    let mut done = std::thread::scope(|scope| {
        let other = scope.spawn(work);
        let mut done = work();
        done.extend(other.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        done
    });
    done.sort_unstable_by_key(|&(i, _)| i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// What becomes of the kept items of sampled units that were not selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unselected {
    /// Left out (the due list).
    Skip,
    /// Built like any other (explain, record, reports that read them whole).
    Build,
    /// Counted per step (see [`Engine::with_tally`]).
    Count,
}

/// A pool's units, and `more` of another engine's, by anchor day, then file position. A
/// pool spans a period of a few weeks or months, so a counting sort by day (stable: file
/// order holds within a day) does it in two passes, reading the two runs merged by
/// offset; units come in file order unless a household moved to an earlier order, and
/// then only each day's slice is sorted.
fn in_arrival_order(mut units: Vec<PoolUnit>, more: &[PoolUnit]) -> Vec<PoolUnit> {
    let (Some(lo), Some(hi)) = (
        units.iter().chain(more).map(PoolUnit::day).min(),
        units.iter().chain(more).map(PoolUnit::day).max(),
    ) else {
        return units;
    };
    let span = usize::try_from(hi - lo).unwrap_or(usize::MAX);
    let in_file_order = units.is_sorted_by_key(PoolUnit::offset) && more.is_sorted_by_key(PoolUnit::offset);
    if span >= 1 << 12 || !(more.is_empty() || in_file_order) {
        units.extend_from_slice(more);
        if span >= 1 << 12 {
            // (A pool's offsets are distinct: an unstable sort gives the one order.)
            units.sort_unstable_by_key(|u| (u.day(), u.offset()));
            return units;
        }
    }
    let merged = MergedByOffset {
        a: &units,
        b: if in_file_order { more } else { &[] },
    };
    let (mut by_day, starts) = sampling::by_bucket(merged, span + 1, 0, |u| Some((u.day() - lo) as usize));
    if !in_file_order {
        // A household's unit moved to an earlier order: each day, a small slice, is put
        // back in file order.
        for day in starts.windows(2) {
            by_day[day[0]..day[1]].sort_unstable_by_key(PoolUnit::offset);
        }
    }
    by_day
}

/// Two runs of units in file order, read as one in file order (offsets are distinct).
#[derive(Clone)]
struct MergedByOffset<'u> {
    a: &'u [PoolUnit],
    b: &'u [PoolUnit],
}

impl Iterator for MergedByOffset<'_> {
    type Item = PoolUnit;

    fn next(&mut self) -> Option<PoolUnit> {
        let (a, b) = (self.a, self.b);
        let run = match (a.first(), b.first()) {
            (Some(x), Some(y)) if y.offset() < x.offset() => &mut self.b,
            (Some(_), _) => &mut self.a,
            (None, _) => &mut self.b,
        };
        let (&first, rest) = run.split_first()?;
        *run = rest;
        Some(first)
    }
}

/// Merges `theirs` into `mine`, both in file order, in place (offsets are distinct): from
/// the back, so that no unit of `mine` is overwritten before it is moved, and no list of
/// both is made in fresh pages.
fn merge_by_offset(mine: &mut Vec<PoolUnit>, theirs: &[PoolUnit]) {
    let (n, m) = (mine.len(), theirs.len());
    let Some(&filler) = theirs.first() else { return };
    mine.resize(n + m, filler);
    let (mut i, mut j) = (n, m);
    for k in (0..n + m).rev() {
        // Take from `mine` when its unit is the later one (or `theirs` is spent).
        if j == 0 || (i > 0 && mine[i - 1].offset() > theirs[j - 1].offset()) {
            i -= 1;
            mine[k] = mine[i];
        } else {
            j -= 1;
            mine[k] = theirs[j];
        }
    }
}

/// What items are put in deadline order by: their window's end, then their due id.
pub trait Deadline {
    /// The window's end and the due id.
    fn deadline(&self) -> (NaiveDate, &str);
}

/// The positions of `items` by deadline, then due id. A long list's two halves are keyed
/// and sorted on two cores, then merged (5M `due`, 639k items: ~0.08 s on one core,
/// with nothing else running then).
fn deadline_order<T: Deadline + Sync>(items: &[T]) -> Vec<usize> {
    deadline_order_in_halves(items, 1 << 14)
}

/// [`deadline_order`], in two halves from `min_len` items on.
fn deadline_order_in_halves<T: Deadline + Sync>(items: &[T], min_len: usize) -> Vec<usize> {
    if items.len() < min_len.max(2) {
        return deadline_order_of_runs(&[items]);
    }
    let (first, second) = items.split_at(items.len() / 2);
    deadline_order_of_runs(&[first, second])
}

/// The positions of the items of `runs`, counted through the runs one after another, by
/// deadline, then due id: each run keyed and sorted on whichever core is free, then the
/// runs merged.
pub(crate) fn deadline_order_of_runs<T: Deadline + Sync>(runs: &[&[T]]) -> Vec<usize> {
    fn sorted_keys<T: Deadline>(from: usize, part: &[T]) -> Vec<(NaiveDate, &str, usize)> {
        let mut keys: Vec<_> = part
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let (end, id) = e.deadline();
                (end, id, from + i)
            })
            .collect();
        keys.sort_unstable();
        keys
    }
    let mut from = 0;
    let parts: Vec<(usize, &[T])> = runs
        .iter()
        .map(|run| {
            from += run.len();
            (from - run.len(), *run)
        })
        .collect();
    let sorted = if parts.len() == 1 {
        vec![sorted_keys(0, parts[0].1)]
    } else {
        in_order_on_two_cores(parts, |(_, part)| part.len(), |(from, part)| sorted_keys(from, part))
    };
    // Keys are distinct (each holds its position), so merging the runs' is the whole
    // list's sort.
    let merged = sorted.into_iter().reduce(|a, b| {
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
        loop {
            let take_a = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => x < y,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            out.extend(if take_a { a.next() } else { b.next() });
        }
        out
    });
    merged.unwrap_or_default().into_iter().map(|(_, _, i)| i).collect()
}

/// Items by deadline, then due id. An item is a few hundred bytes: the sort moves small
/// keys, then the items are put in place by following the permutation's cycles (each
/// moved about once, no second copy of the list).
pub fn sorted_by_deadline(mut items: Vec<Evaluated>) -> Vec<Evaluated> {
    // from[j]: the item that belongs at position j.
    let mut from = deadline_order(&items);
    const DONE: usize = usize::MAX;
    for i in 0..from.len() {
        let mut j = i;
        while from[j] != DONE {
            let k = std::mem::replace(&mut from[j], DONE);
            if k == i {
                break;
            }
            // Position j takes item k (still in its place); item i moves on to k.
            items.swap(j, k);
            j = k;
        }
    }
    items
}

/// The first day customer cadences are laid out from for a due list: the start of the
/// period before the one containing `as_of` (one period of look-back).
pub fn due_cadence_from(rule: &Rule, as_of: NaiveDate) -> NaiveDate {
    match rule.cadence.as_ref().map(|c| &c.schedule) {
        Some(crate::rules::Schedule::Aligned { every, .. }) => Period::containing(*every, as_of).prev().start,
        _ => as_of,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(super) fn item(end: NaiveDate, id: u32) -> Evaluated {
        Evaluated {
            due_id: format!("r/O{id}/1").into(),
            rule: "r",
            version: "",
            step: "1".into(),
            customer: Some(0),
            customer_id: "C1".into(),
            order_id: format!("O{id}").into(),
            order_line: u64::from(id),
            kind: "complaint".into(),
            department: Default::default(),
            staff: Default::default(),
            category: Default::default(),
            anchor: end.and_time(chrono::NaiveTime::MIN),
            window_start: end,
            window_end: end,
            shifted: false,
            channel: Channel::Phone,
            assignee: Text::default(),
            excluded: None,
            sample: None,
            resolution: Resolution::Open,
            attempts: 0,
            reach: None,
            flags: vec![],
        }
    }

    proptest! {
        /// A unit's kept steps come back as a mask of exactly those steps while all are
        /// among the first 15 and none is an extra; otherwise the unit must be built.
        #[test]
        fn kept_steps_are_counted_only_when_all_fit_the_mask(
            steps in proptest::collection::vec(0usize..20, 0..6),
            extra in any::<bool>(),
        ) {
            let mut kept = Kept::default();
            for &s in &steps {
                kept.step(s);
            }
            if extra {
                kept.other();
            }
            prop_assert_eq!(kept.any(), extra || !steps.is_empty());
            let plain = !extra && steps.iter().all(|&s| s < 15);
            prop_assert_eq!(kept.plain().is_some(), plain);
            if let Some(mask) = kept.plain() {
                let want = steps.iter().fold(0u16, |m, &s| m | 1 << s);
                prop_assert_eq!(mask, want);
            }
        }

        /// A due id given as parts answers as the joined id would: equality, every prefix
        /// (and strings that are not prefixes) and its text.
        #[test]
        fn due_id_parts_answer_as_the_joined_id(
            rule in "[a-z./]{0,6}",
            unit in "[A-Z0-9@/]{0,6}",
            step in "[a-z0-9/]{0,4}",
            other in "[a-zA-Z0-9./@]{0,12}",
        ) {
            let joined = format!("{rule}/{unit}/{step}");
            let parts = DueId::Parts(&rule, &unit, &step);
            let whole = DueId::Whole(&joined);
            prop_assert_eq!(parts.to_string(), joined.clone());
            for id in [parts, whole] {
                prop_assert!(id.is(&joined));
                prop_assert_eq!(id.is(&other), other == joined);
                for cut in 0..=joined.len() {
                    prop_assert!(id.starts_with(&joined[..cut]));
                    let longer = format!("{}{other}", &joined[..cut]);
                    prop_assert_eq!(id.starts_with(&longer), joined.starts_with(&longer));
                }
                prop_assert_eq!(id.starts_with(&other), joined.starts_with(&other));
            }
        }

        /// Work shared by two cores, costliest first, comes back in the items' order.
        #[test]
        fn work_on_two_cores_comes_back_in_order(items in proptest::collection::vec(0usize..50, 0..100)) {
            let got = in_order_on_two_cores(items.clone(), |&n| n, |n| n * 3 + 1);
            prop_assert_eq!(got, items.iter().map(|n| n * 3 + 1).collect::<Vec<_>>());
        }

        /// A unit keeps its offset and kept steps side by side, up to the largest offset.
        #[test]
        fn pool_unit_keeps_offset_and_kept_steps(offset in 0u64..(1 << 48), kept in any::<u16>()) {
            let u = PoolUnit::new(7, offset, Kept(kept), 5, 9).unwrap();
            prop_assert_eq!((u.offset(), u.kept()), (offset, Kept(kept)));
            prop_assert!(PoolUnit::new(7, offset | 1 << 48, Kept(kept), 5, 9).is_none());
        }

        /// Two engines' units, each in file order, merge into the file's order.
        #[test]
        fn two_engines_units_merge_into_file_order(mut offsets in proptest::collection::vec(0u64..1_000_000, 0..200), cut in proptest::bool::weighted(0.5)) {
            offsets.sort_unstable();
            offsets.dedup();
            let unit = |o: u64| PoolUnit::new(o.wrapping_mul(31), o, Kept(1), 0, 0).unwrap();
            // Parts of the file alternate between two engines.
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for (i, &o) in offsets.iter().enumerate() {
                if (i / 7 % 2 == 0) == cut { a.push(unit(o)) } else { b.push(unit(o)) }
            }
            merge_by_offset(&mut a, &b);
            let merged: Vec<u64> = a.iter().map(PoolUnit::offset).collect();
            prop_assert_eq!(merged, offsets);
        }

        /// Arrival order by counting sort (orders in file order, a few weeks of days) or by
        /// comparison (out of order, or years apart) is the plain sort's.
        #[test]
        fn arrival_order_matches_a_plain_sort(
            days in proptest::collection::vec(0u32..40, 0..300),
            shuffled in any::<bool>(),
            far in any::<bool>(),
            two_runs in any::<bool>(),
        ) {
            let mut units: Vec<PoolUnit> = days
                .iter()
                .enumerate()
                .map(|(i, &d)| {
                    let into_period = (d + if far && i == 0 { 9_000 } else { 0 }) * 86_400 + 3_600 * (i as u32 % 24);
                    PoolUnit::new(i as u64, i as u64 * 100 + 40, Kept(1), into_period, 0).unwrap()
                })
                .collect();
            if shuffled {
                units.reverse();
            }
            let mut want = units.clone();
            want.sort_by_key(|u| (u.into_period / 86_400, u.offset()));
            // Or as two engines found them: every other stretch of the file each.
            let (mut first, mut more) = (Vec::new(), Vec::new());
            for (i, u) in units.into_iter().enumerate() {
                if two_runs && i / 7 % 2 == 1 { more.push(u) } else { first.push(u) }
            }
            let got = in_arrival_order(first, &more);
            prop_assert_eq!(got.iter().map(PoolUnit::offset).collect::<Vec<_>>(), want.iter().map(PoolUnit::offset).collect::<Vec<_>>());
            prop_assert!(got.iter().all(|u| u.kept() == Kept(1)));
        }

        /// The in-place reordering, the due list's order by reference, and the order found
        /// in two halves give what a plain sort gives, for any arrival order.
        #[test]
        fn sorting_by_deadline_matches_a_plain_sort(
            days in proptest::collection::vec(0u32..40, 0..200),
        ) {
            let base = NaiveDate::from_ymd_opt(2024, 2, 1).unwrap();
            let items: Vec<Evaluated> = days
                .iter()
                .enumerate()
                .map(|(i, &d)| item(base + chrono::Duration::days(i64::from(d)), i as u32))
                .collect();
            let mut want = items.clone();
            want.sort_by(|a, b| (a.window_end, &a.due_id).cmp(&(b.window_end, &b.due_id)));
            // The due list's compact items, put in order by reference, in one run or in
            // three (as engines reading parts of the file list them).
            let kept: Vec<listed::Listed> = items.iter().map(|e| listed::Listed::take(&mut e.clone())).collect();
            let want_ids: Vec<&str> = want.iter().map(|e| e.due_id.as_str()).collect();
            let (a, b) = (kept.len() / 3, kept.len() * 2 / 3);
            for mut runs in [vec![kept.clone()], vec![kept[..a].to_vec(), kept[a..b].to_vec(), kept[b..].to_vec()]] {
                let refs: Vec<&str> = listed::by_deadline(&mut runs).into_iter().map(|e| e.due_id.as_str()).collect();
                prop_assert_eq!(refs, want_ids.clone());
            }
            // Also sorted in two halves and merged (as a long list is).
            let halves: Vec<Evaluated> = deadline_order_in_halves(&items, 2).into_iter().map(|i| items[i].clone()).collect();
            prop_assert_eq!(&halves, &want);
            prop_assert_eq!(sorted_by_deadline(items), want);
        }
    }
}
