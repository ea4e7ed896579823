//! huifang (回访): turns a company's customer follow-up policy into daily due lists and
//! compliance reports.
//!
//! The crate is layered so that a reader can find each concept by its folder:
//! - [`cli`] parses arguments and is the only place that reads the clock;
//! - [`io`] reads the CSV inputs and writes outputs (atomically);
//! - [`rules`] parses and validates TOML rule files into typed rules;
//! - [`calendar`] holds holidays, make-up working days and calling hours;
//! - [`engine`] is pure: records + rules + calendar + date → due items;
//! - [`sampling`] selects sampled items and expands cadences;
//! - [`report`] computes compliance metrics over a period.

pub mod calendar;
pub mod cli;
pub mod diag;
pub mod engine;
pub mod error;
pub mod io;
pub mod model;
pub mod report;
pub mod rules;
pub mod sampling;
