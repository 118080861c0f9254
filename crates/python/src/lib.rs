//! `claimbench._native`: the Python bindings, wrapped by the `claimbench` package (`python/claimbench`).
//!
//! Every function is a thin call of the library crates (`claimbench_cli` for the command and its option parsing,
//! `claimbench_harness` for scoring); results cross as the JSON text the command writes, errors as
//! `claimbench.Error` with the command's message. The GIL is released while anything runs.

use std::ffi::OsString;
use std::path::PathBuf;

use claimbench_cli::Failure;
use claimbench_harness::{evaluate, Plan, RunOutput, Source, SystemSpec};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

pyo3::create_exception!(
    _native,
    Error,
    PyValueError,
    "What the claimbench command prints after `error: `: bad input (with its file, line and field), bad options, a model that cannot be fetched."
);

fn to_py(f: Failure) -> PyErr {
    Error::new_err(f.0)
}

/// Run `f` with the GIL released; its failure, or a panic inside it (an internal error, never pyo3's
/// `PanicException`), as `claimbench.Error`.
fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> Result<T, Failure> + Send) -> PyResult<T> {
    py.detach(|| claimbench_cli::panic::catch(f).and_then(|r| r))
        .map_err(to_py)
}

/// Run the claimbench command on `argv` (the program name first) and give its exit code.
#[pyfunction]
fn main(py: Python<'_>, argv: Vec<OsString>) -> u8 {
    py.detach(|| claimbench_cli::run_from_args(argv))
}

/// The record `claimbench score --pred FILE --name NAME --out DIR ARGS` writes in run.json, as JSON text:
/// predictions from `path`, or JSONL `data` called `label` in errors and in the record's `source`; with `out`,
/// the run is saved there as that command saves it.
#[pyfunction]
#[pyo3(signature = (name, args, path=None, data=None, label=String::from("predictions"), out=None))]
fn score_json(
    py: Python<'_>,
    name: String,
    args: Vec<OsString>,
    path: Option<PathBuf>,
    data: Option<&[u8]>,
    label: String,
    out: Option<PathBuf>,
) -> PyResult<String> {
    let source = match (path, data) {
        (Some(p), None) => Source::File(p),
        (None, Some(d)) => Source::Bytes {
            label,
            data: d.to_vec(),
        },
        _ => {
            return Err(Error::new_err(
                "give the predictions as a path or as JSONL bytes, not both",
            ))
        }
    };
    detached(py, || score(name, args, source, out))
}

fn score(
    name: String,
    args: Vec<OsString>,
    source: Source,
    out: Option<PathBuf>,
) -> Result<String, Failure> {
    let (settings, gold_dir) = claimbench_cli::score_settings(args)?;
    claimbench_harness::systems::check_name(&name)?;
    let gold = claimbench_harness::gold::load(gold_dir.as_deref())?;
    let systems = vec![SystemSpec {
        name: Some(name.clone()),
        source,
    }];
    let plan = Plan {
        gold_dir,
        out,
        ..Plan::new(&gold, systems, settings)
    };
    let RunOutput::Run(evaluated) = evaluate(&plan)? else {
        return Err(Failure(
            "a shard's part was kept, but no shard was asked for".into(),
        ));
    };
    let record = evaluated
        .file
        .systems
        .get(&name)
        .ok_or_else(|| Failure(format!("the run has no system {name:?}")))?;
    let text = serde_json::to_string(record).map_err(|e| Failure(e.to_string()))?;
    if evaluated.out().is_some() {
        evaluated.save()?;
    }
    Ok(text)
}

/// The rows of `claimbench report RUN --jsonl` (one per system, document, and gold claim or false alarm), as a
/// JSON array.
#[pyfunction]
fn run_rows_json(py: Python<'_>, run: PathBuf) -> PyResult<String> {
    detached(py, || {
        let loaded = claimbench_harness::run::load(&run)?;
        let gold = loaded.gold_set()?;
        let rows = claimbench_harness::claims::rows(&loaded, &gold)?;
        serde_json::to_string(&rows).map_err(|e| Failure(e.to_string()))
    })
}

/// The decision of `claimbench similarity ARGS -- A B --json`, as JSON text.
#[pyfunction]
fn similarity_json(py: Python<'_>, a: String, b: String, args: Vec<OsString>) -> PyResult<String> {
    detached(py, || {
        let d = claimbench_cli::similarity(&a, &b, args)?;
        serde_json::to_string(&d).map_err(|e| Failure(e.to_string()))
    })
}

/// The claims of a gold set (the built-in one when `path` is None), as a JSON array.
#[pyfunction]
#[pyo3(signature = (path=None))]
fn gold_json(py: Python<'_>, path: Option<PathBuf>) -> PyResult<String> {
    detached(py, || {
        let set = claimbench_harness::gold::load(path.as_deref())?;
        serde_json::to_string(&set.claims).map_err(|e| Failure(e.to_string()))
    })
}

/// What `claimbench compare ARGS --json` prints, as JSON text.
#[pyfunction]
fn compare_json(py: Python<'_>, args: Vec<OsString>) -> PyResult<String> {
    detached(py, || {
        let v = claimbench_cli::compare_json(args)?;
        serde_json::to_string(&v).map_err(|e| Failure(e.to_string()))
    })
}

/// The module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("Error", m.py().get_type::<Error>())?;
    m.add_function(wrap_pyfunction!(main, m)?)?;
    m.add_function(wrap_pyfunction!(score_json, m)?)?;
    m.add_function(wrap_pyfunction!(similarity_json, m)?)?;
    m.add_function(wrap_pyfunction!(gold_json, m)?)?;
    m.add_function(wrap_pyfunction!(compare_json, m)?)?;
    m.add_function(wrap_pyfunction!(run_rows_json, m)?)?;
    m.add("COLUMNS", claimbench_harness::export::COLUMNS.to_vec())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
