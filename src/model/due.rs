//! Due items: one follow-up that a rule requires, with its window and status.

use chrono::NaiveDate;
use std::fmt;

use super::Text;

/// Where an item stands as of the list's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The window opens within the horizon.
    Upcoming,
    /// The window is open.
    Due,
    /// The window is open but no callable day is left in it (every remaining day is a
    /// holiday, a banned day, or blocked): act today or lose it.
    AtRisk,
    /// The window has ended without completion.
    Overdue,
}

impl Status {
    /// The spelling used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Upcoming => "upcoming",
            Status::Due => "due",
            Status::AtRisk => "at_risk",
            Status::Overdue => "overdue",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an item ended, or that it has not.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Resolution {
    /// Not completed and not closed.
    Open,
    /// Reached on this date.
    Reached {
        /// Date of the first reached visit.
        on: NaiveDate,
    },
    /// The customer refused.
    Refused,
    /// The attempt limit was hit without reaching the customer.
    Unreachable,
}

/// One row of the due list.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DueItem {
    /// Stable id: `RULESET.RULE/UNIT/STEP`, what `visits.csv` refers to.
    pub due_id: Text,
    /// Full rule id, `RULESET.RULE`.
    pub rule: super::Name,
    /// Step name.
    pub step: Text,
    /// Customer.
    pub customer_id: Text,
    /// Customer name.
    pub customer_name: Text,
    /// Customer phone.
    pub phone: Text,
    /// Order the item comes from (empty for customer cadences).
    pub order_id: Text,
    /// Order kind (or `cadence`).
    pub kind: Text,
    /// Anchor date.
    pub anchor: NaiveDate,
    /// First day of the window.
    pub window_start: NaiveDate,
    /// Last day of the window (after any holiday shift).
    pub window_end: NaiveDate,
    /// Status as of the list's date.
    pub status: Status,
    /// `window_end - date` in days; negative when overdue.
    pub days_left: i64,
    /// Attempts logged so far.
    pub attempts: u32,
    /// Channel to use.
    pub channel: Text,
    /// Who must make the contact.
    pub assignee: Text,
    /// Warnings on the item (`;`-separated), e.g. `cooldown` or `sampled_topup`.
    pub flags: Text,
    /// Rule-file version in force.
    pub version: super::Name,
    /// Calling hours for the list's date (empty when no calls are allowed that day).
    pub call_hours: Text,
}

/// The output column order, shared by every format.
pub const COLUMNS: [&str; 19] = [
    "due_id",
    "rule",
    "step",
    "customer_id",
    "customer_name",
    "phone",
    "order_id",
    "kind",
    "anchor",
    "window_start",
    "window_end",
    "status",
    "days_left",
    "attempts",
    "channel",
    "assignee",
    "flags",
    "version",
    "call_hours",
];

impl DueItem {
    /// Hands the item's values to `f` in [`COLUMNS`] order, numbers and dates formatted
    /// on the stack: one function serves every format (CSV writes the cells as they
    /// come; the other formats collect them with [`DueItem::into_cells`]).
    pub fn each_cell(&self, f: &mut dyn FnMut(&str)) {
        let mut date = crate::io::dates::DateText::default();
        let mut num = itoa::Buffer::new();
        f(&self.due_id);
        f(self.rule);
        f(&self.step);
        f(&self.customer_id);
        f(&self.customer_name);
        f(&self.phone);
        f(&self.order_id);
        f(&self.kind);
        f(&date.format(self.anchor));
        f(&date.format(self.window_start));
        f(&date.format(self.window_end));
        f(self.status.as_str());
        f(num.format(self.days_left));
        f(num.format(self.attempts));
        f(&self.channel);
        f(&self.assignee);
        f(&self.flags);
        f(self.version);
        f(&self.call_hours);
    }

    /// The item's values as strings in [`COLUMNS`] order.
    pub fn into_cells(self) -> Vec<String> {
        let mut cells = Vec::with_capacity(COLUMNS.len());
        self.each_cell(&mut |c| cells.push(c.to_owned()));
        cells
    }
}

impl crate::io::write::Row for DueItem {
    fn each_cell(&self, f: &mut dyn FnMut(&str)) {
        DueItem::each_cell(self, f);
    }
}
