//! One module per subcommand.

pub mod compare;
pub mod embed;
pub mod eval;
pub mod gate;
pub mod gold;
pub mod merge;
pub mod models;
pub mod report;
pub mod score;
pub mod similarity;
