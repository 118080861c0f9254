//! The `claimbench` command (its code is the `claimbench_cli` library, which the Python package runs too).

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(claimbench_cli::run_from_args(std::env::args_os()))
}
