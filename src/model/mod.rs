//! The records huifang reads: customers, orders (work orders, discharges, sales,
//! projects) and the visit log, and the due items it produces.

pub mod attempt_log;
pub mod customers;
pub mod due;
pub mod frozen;
pub mod values;

use chrono::NaiveDateTime;
use rustc_hash::FxHashMap as HashMap;
use values::Channel;

pub use customers::{Customer, Customers};

/// The text of an item's cells (ids, names, departments): ids and names up to 24 bytes
/// are held inline, so building an item does not allocate once per cell (a yearly report
/// builds some six million items of about ten cells each).
pub type Text = compact_str::CompactString;

/// A name every item of a rule shares (the rule's id, its file's version), interned for
/// the life of the process so that an item copies a pointer. A shared `Arc<str>` cost an
/// atomic count on every item built and every item dropped (perf: half of building an
/// item's base, most of dropping one), and the cores laying out cadences contended for it.
pub type Name = &'static str;

/// `s` as a [`Name`]: leaked the first time it is seen (rule ids and versions, a few dozen
/// short strings a run), found again after that.
pub fn intern(s: &str) -> Name {
    static NAMES: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<Name>>> = std::sync::OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(&n) = names.get(s) {
        return n;
    }
    let n: Name = Box::leak(s.into());
    names.insert(n);
    n
}

/// The columns of `orders.csv` after the rule file's column mapping.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// Canonical column names in file order.
    pub headers: Vec<String>,
    index: HashMap<String, usize>,
}

impl Schema {
    /// Builds a schema from canonical header names.
    pub fn new(headers: Vec<String>) -> Self {
        let index = headers.iter().enumerate().map(|(i, h)| (h.clone(), i)).collect();
        Schema { headers, index }
    }

    /// The position of a column, if present.
    pub fn get(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

/// Orders handed over together, each with its customer's position in [`Customers`].
pub type OrderBatch = [(Order, usize)];

/// One order: its fields in schema order, packed in one buffer (two allocations per
/// order instead of one per field), and the line it came from.
#[derive(Debug, Clone, Default)]
pub struct Order {
    /// 1-based line in `orders.csv` (for messages).
    pub line: u64,
    /// Byte offset where the CSV reader began the record in the file as read (decoded
    /// for GBK files): unique and in file order, so it names the order when it is read
    /// again, even in files whose line numbers repeat (old Mac CR-only line ends).
    pub offset: u64,
    buf: String,
    ends: Vec<u32>,
    /// Bytes between fields in `buf`: 0, or 1 when it holds a row's line as read (a
    /// comma between fields).
    sep: u32,
    /// Date columns parsed once by the reader (every rule reads them again): the filled
    /// ones only, by column. An order has a few, and every cache line of a reused order
    /// that the reading core writes must first be taken from the core that read it last.
    dates: Vec<(u32, NaiveDateTime)>,
}

impl Order {
    /// An order from its (trimmed) field values.
    pub fn new<'s>(line: u64, fields: impl IntoIterator<Item = &'s str>) -> Self {
        let mut o = Order {
            line,
            ..Order::default()
        };
        o.refill(line, fields);
        o
    }

    /// Replaces the fields in place, reusing the buffers (no allocation once grown).
    pub fn refill<'s>(&mut self, line: u64, fields: impl IntoIterator<Item = &'s str>) {
        self.line = line;
        self.buf.clear();
        self.ends.clear();
        self.dates.clear();
        self.sep = 0;
        for f in fields {
            self.buf.push_str(crate::io::record::trim(f));
            self.ends.push(u32::try_from(self.buf.len()).unwrap_or(u32::MAX));
        }
    }

    /// Replaces the fields with `rec`'s. A row read as a line whose fields have no white
    /// space to trim (nearly every row) is taken whole without a copy: its buffers are
    /// exchanged with this order's (see [`Record::exchange_line`]), which leaves `rec`
    /// empty, and true is returned; [`Self::give_back`] returns them. Other rows are
    /// copied field by field, trimmed, and `rec` keeps them (false).
    ///
    /// (Copying every line once more took ~2% of a due list's CPU time.)
    ///
    /// [`Record::exchange_line`]: crate::io::record::Record::exchange_line
    pub fn take_from(&mut self, line: u64, rec: &mut crate::io::record::Record) -> bool {
        let whole = rec
            .as_line()
            .is_some_and(|(text, ends)| crate::io::record::no_field_to_trim(text, ends));
        if !whole {
            self.refill(line, rec.iter());
            return false;
        }
        self.line = line;
        self.dates.clear();
        self.sep = 1;
        rec.exchange_line(&mut self.buf, &mut self.ends);
        // (What it holds now is this order's last row.)
        rec.clear();
        true
    }

    /// Gives `rec` back the line [`Self::take_from`] took from it; the order is left
    /// empty, to be filled again.
    pub fn give_back(&mut self, rec: &mut crate::io::record::Record) {
        rec.exchange_line(&mut self.buf, &mut self.ends);
        self.dates.clear();
    }

    /// A copy without the parsed-date cache, for orders kept while their period's sample
    /// is drawn: the few that are rebuilt parse their dates again, the many kept copies stay
    /// small.
    pub fn compact_clone(&self) -> Order {
        Order {
            line: self.line,
            offset: self.offset,
            buf: self.buf.clone(),
            ends: self.ends.clone(),
            sep: self.sep,
            dates: Vec::new(),
        }
    }

    /// Records the parsed date of field `i` (the reader validates date columns anyway).
    pub fn set_date(&mut self, i: usize, d: NaiveDateTime) {
        let i = u32::try_from(i).unwrap_or(u32::MAX);
        match self.dates.iter_mut().find(|(c, _)| *c == i) {
            Some(slot) => slot.1 = d,
            None => self.dates.push((i, d)),
        }
    }

    /// Field `i` as a date or datetime: the reader's parse when it made one, else parsed now.
    pub fn datetime(&self, i: usize) -> Option<NaiveDateTime> {
        match self.dates.iter().find(|(c, _)| *c as usize == i) {
            Some((_, d)) => Some(*d),
            None => crate::io::dates::parse_datetime(self.field(i)),
        }
    }

    /// Reads the first word of each of the order's buffers and returns them mixed: an
    /// order filled on another core is not in this core's cache, and reading many orders'
    /// buffers in one tight loop lets those misses overlap instead of stalling one by one.
    pub fn touch(&self) -> u64 {
        let ends = self.ends.first().map_or(0, |&e| u64::from(e));
        let text = self.buf.as_bytes().first().map_or(0, |&b| u64::from(b));
        let last = self.buf.as_bytes().last().map_or(0, |&b| u64::from(b));
        let dates = self.dates.last().map_or(0, |d| u64::from(d.0));
        ends ^ text ^ last ^ dates
    }

    /// The fields, in order.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len()).map(|i| self.field(i))
    }

    /// The length of all fields together, in bytes.
    pub fn text_len(&self) -> usize {
        self.buf.len() - self.sep as usize * self.ends.len().saturating_sub(1)
    }

    /// The value of field `i` ("" when absent), trimmed when the order was filled.
    pub fn field(&self, i: usize) -> &str {
        let Some(&end) = self.ends.get(i) else { return "" };
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1] as usize + self.sep as usize
        };
        self.buf.get(start..end as usize).unwrap_or("")
    }
}

/// A visit kept for a report's channel mix: only what the mix reads. A year of visits
/// is millions of rows, so no strings: the rule is an index into [`KeptVisits::rules`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visit {
    /// The rule the visit was for (its due id's part before the first `/`).
    pub rule: u32,
    /// The day of the visit.
    pub on: chrono::NaiveDate,
    /// How.
    pub channel: Channel,
    /// Customer signature on an on-site record.
    pub signed: bool,
}

/// The visits kept for a report, with the rule ids they name.
#[derive(Debug, Clone, Default)]
pub struct KeptVisits {
    /// Rule ids, as the visits' due ids spell them.
    pub rules: Vec<String>,
    /// The visits, in file order.
    pub visits: Vec<Visit>,
    index: rustc_hash::FxHashMap<Box<str>, u32>,
}

impl KeptVisits {
    /// Keeps a visit on item `due_id`.
    pub fn push(&mut self, due_id: &str, on: chrono::NaiveDate, channel: Channel, signed: bool) {
        let rule_id = due_id.split('/').next().unwrap_or("");
        let rule = match self.index.get(rule_id) {
            Some(&r) => r,
            None => {
                let r = u32::try_from(self.rules.len()).unwrap_or(u32::MAX);
                self.rules.push(rule_id.to_string());
                self.index.insert(rule_id.into(), r);
                r
            }
        };
        self.visits.push(Visit {
            rule,
            on,
            channel,
            signed,
        });
    }

    /// Appends the visits of `other` (read from a later part of the same file), their
    /// rules renumbered here in `other`'s order, as reading the parts in one go would have.
    pub fn append(&mut self, other: KeptVisits) {
        let rules: Vec<u32> = other
            .rules
            .iter()
            .map(|r| match self.index.get(r.as_str()) {
                Some(&n) => n,
                None => {
                    let n = u32::try_from(self.rules.len()).unwrap_or(u32::MAX);
                    self.rules.push(r.clone());
                    self.index.insert(r.as_str().into(), n);
                    n
                }
            })
            .collect();
        self.visits.extend(other.visits.into_iter().map(|v| Visit {
            rule: rules.get(v.rule as usize).copied().unwrap_or(v.rule),
            ..v
        }));
    }

    /// The rule id of a kept visit.
    pub fn rule_of(&self, v: &Visit) -> &str {
        self.rules.get(v.rule as usize).map_or("", String::as_str)
    }
}

/// A reached visit, remembered per due item.
#[derive(Debug, Clone, PartialEq)]
pub struct Reach {
    /// When.
    pub at: NaiveDateTime,
    /// How.
    pub channel: Channel,
    /// Score, when given.
    pub score: Option<f64>,
    /// Signed on-site record.
    pub signed: bool,
    /// Who.
    pub visitor: std::sync::Arc<str>,
}
