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

/// Prints the resident memory at a phase boundary when `HUIFANG_DEBUG_RSS` is set (a
/// profiling aid for bench/, Linux only).
#[doc(hidden)]
pub fn debug_rss(what: &str) {
    if std::env::var_os("HUIFANG_DEBUG_RSS").is_some() {
        let s = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
        let pages: u64 = s.split_whitespace().nth(1).and_then(|x| x.parse().ok()).unwrap_or(0);
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        let t = START.get_or_init(std::time::Instant::now).elapsed().as_secs_f64();
        // utime and stime of all threads, in clock ticks (100 per second on Linux).
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let ticks: u64 = stat
            .rsplit(')')
            .next()
            .map(|r| {
                r.split_whitespace()
                    .skip(11)
                    .take(2)
                    .filter_map(|x| x.parse::<u64>().ok())
                    .sum()
            })
            .unwrap_or(0);
        eprintln!(
            "rss {what}: {} MB at {t:.2} s, cpu {:.2} s",
            pages * 4096 / 1_000_000,
            ticks as f64 / 100.0
        );
    }
}
