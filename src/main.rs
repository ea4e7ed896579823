//! The `huifang` binary: parse the command line, run, and turn the outcome into an exit code.
//! All the work lives in the library (`huifang::cli::run`).

use std::process::ExitCode;

// The engine makes many small allocations (one item's strings at a time); mimalloc's
// per-thread free lists cut their cost by about a third against glibc's malloc (bench/).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    huifang::cli::main()
}
