//! Progress on stderr, drawn only when stderr is a terminal (a pipe or a CI log gets none).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar on stderr, drawn only when stderr is a terminal.
pub fn progress(len: u64, message: &str) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr_with_hz(8)
    } else {
        ProgressDrawTarget::hidden()
    };
    let pb = ProgressBar::with_draw_target(Some(len), target);
    pb.set_style(
        ProgressStyle::with_template("{msg:>14} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(message.to_string());
    pb.enable_steady_tick(Duration::from_millis(250));
    pb
}

/// A spinner on stderr for work of unknown length, drawn only when stderr is a terminal.
pub fn spinner(message: &str) -> ProgressBar {
    let pb = progress(0, message);
    pb.set_length(0);
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb
}

/// Print a note or warning on stderr (the default [`crate::Plan::notify`]).
pub fn to_stderr(line: &str) {
    eprintln!("{line}");
}
