//! The `huifang` binary: parse the command line, run, and turn the outcome into an exit code.
//! All the work lives in the library (`huifang::cli::run`).

use std::process::ExitCode;

// Many small, short-lived allocations (one item's strings at a time): jemalloc, configured
// in .cargo/config.toml to keep freed pages, spends far less time in the kernel than glibc
// or mimalloc did on the 1M-order bench (bench/README.md).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    huifang::cli::main()
}
