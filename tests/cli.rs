//! The one integration-test binary: golden outputs of every command on the bundled
//! examples, the error catalogue, and end-to-end properties (concurrency, encodings).
//! Golden files live in tests/golden/; regenerate with `UPDATE_GOLDEN=1 cargo test`.

mod calendar;
mod due;
mod errors;
mod examples;
mod industries;
mod readme;
mod report;
mod robustness;
mod util;
