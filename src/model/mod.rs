//! The records huifang reads: customers, orders (work orders, discharges, sales,
//! projects) and the visit log, and the due items it produces.

pub mod due;
pub mod values;

use chrono::NaiveDateTime;
use std::collections::HashMap;
use values::{Channel, Outcome};

/// One customer (one row of `customers.csv`).
#[derive(Debug, Clone, Default)]
pub struct Customer {
    /// `customer_id`, unique.
    pub id: String,
    /// `name`.
    pub name: String,
    /// `phone`.
    pub phone: String,
    /// `segment`, e.g. normal, key, vip.
    pub segment: String,
    /// `flags`, split on `;`, lower-cased.
    pub flags: Vec<String>,
}

impl Customer {
    /// True when the customer carries `flag`.
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
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

/// One order: its fields in schema order and the line it came from.
#[derive(Debug, Clone, Default)]
pub struct Order {
    /// 1-based line in `orders.csv` (for messages).
    pub line: u64,
    /// Field values, trimmed, in schema order.
    pub fields: Vec<String>,
}

impl Order {
    /// The value of field `i` ("" when absent).
    pub fn field(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", String::as_str)
    }
}

/// One row of `visits.csv`.
#[derive(Debug, Clone)]
pub struct Visit {
    /// The due item this attempt was for.
    pub due_id: String,
    /// When.
    pub visited_at: NaiveDateTime,
    /// How.
    pub channel: Channel,
    /// Who made it.
    pub visitor: String,
    /// What happened.
    pub outcome: Outcome,
    /// Satisfaction score, when given.
    pub score: Option<f64>,
    /// Customer signature on an on-site record.
    pub signed: bool,
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
    pub visitor: String,
}

/// Everything the visit log says about one due item, aggregated while reading.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttemptLog {
    /// Number of attempts of any outcome.
    pub attempts: u32,
    /// Failed attempts (no answer, busy, wrong number).
    pub failed: u32,
    /// When the last failed attempt was (the exhausting one, once `failed` hits the limit).
    pub failed_times: Vec<NaiveDateTime>,
    /// Reached visits, in log order.
    pub reached: Vec<Reach>,
    /// When the customer refused, if they did.
    pub refused_at: Option<NaiveDateTime>,
    /// Earliest attempt.
    pub first_at: Option<NaiveDateTime>,
}

impl AttemptLog {
    /// Adds one visit.
    pub fn add(&mut self, v: &Visit) {
        self.attempts += 1;
        self.first_at = Some(self.first_at.map_or(v.visited_at, |f| f.min(v.visited_at)));
        match v.outcome {
            Outcome::Reached => self.reached.push(Reach {
                at: v.visited_at,
                channel: v.channel,
                score: v.score,
                signed: v.signed,
                visitor: v.visitor.clone(),
            }),
            Outcome::Refused => {
                self.refused_at = Some(self.refused_at.map_or(v.visited_at, |r| r.min(v.visited_at)));
            }
            Outcome::NoAnswer | Outcome::Busy | Outcome::WrongNumber => {
                self.failed += 1;
                self.failed_times.push(v.visited_at);
            }
        }
    }

    /// The first reached visit.
    pub fn first_reach(&self) -> Option<&Reach> {
        self.reached.iter().min_by_key(|r| r.at)
    }
}

/// All inputs, in memory: what the pure engine works on.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// Customers in file order.
    pub customers: Vec<Customer>,
    /// `customer_id` → position in `customers`.
    pub customer_index: HashMap<String, usize>,
    /// Columns of the orders.
    pub schema: Schema,
    /// Orders in file order.
    pub orders: Vec<Order>,
    /// Attempts per due_id.
    pub attempts: HashMap<String, AttemptLog>,
    /// Every visit, for channel-mix statistics.
    pub visits: Vec<Visit>,
}

impl Dataset {
    /// Looks a customer up by id.
    pub fn customer(&self, id: &str) -> Option<&Customer> {
        self.customer_index.get(id).map(|&i| &self.customers[i])
    }
}
