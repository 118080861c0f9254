//! Print every problem of the built-in gold set (or of a directory given as the argument) and its statistics.

use claimbench_gold::{stats, GoldSet};

fn main() {
    let report = match std::env::args_os().nth(1) {
        Some(dir) => match GoldSet::read_dir(std::path::Path::new(&dir)) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        },
        None => GoldSet::read_builtin(),
    };
    for p in &report.problems {
        println!("{p}");
    }
    match serde_json::to_string_pretty(&stats(&report.set)) {
        Ok(json) => println!("{json}"),
        Err(e) => eprintln!("{e}"),
    }
    println!("hash {}", report.set.hash());
    if report.has_errors() {
        std::process::exit(1);
    }
}
