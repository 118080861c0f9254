"""Type stubs of the native module (``crates/python/src/lib.rs``); use the functions of ``claimbench``."""

from typing import Optional

__version__: str
COLUMNS: list[str]

class Error(ValueError):
    """What the claimbench command prints after ``error: ``."""

def main(argv: list[str]) -> int:
    """Run the command on ``argv`` (the program name first); its exit code."""

def score_json(
    name: str,
    args: list[str],
    path: Optional[str] = None,
    data: Optional[bytes] = None,
    label: str = "predictions",
    out: Optional[str] = None,
) -> str:
    """The run.json record of one system, as JSON text (with ``out``: the run saved there)."""

def similarity_json(a: str, b: str, args: list[str]) -> str:
    """``similarity --json``'s decision, as JSON text."""

def gold_json(path: Optional[str] = None) -> str:
    """The gold set's claims, as a JSON array."""

def compare_json(args: list[str]) -> str:
    """``compare --json``'s output, as JSON text."""

def run_rows_json(run: str) -> str:
    """``report RUN --jsonl``'s rows, as a JSON array."""
