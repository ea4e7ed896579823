//! The `huifang` binary: parse the command line, run, and turn the outcome into an exit code.
//! All the work lives in the library (`huifang::cli::run`).

use std::process::ExitCode;

fn main() -> ExitCode {
    huifang::cli::main()
}
