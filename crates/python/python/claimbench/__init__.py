"""claimbench: evaluate claim-extraction models against hand-labelled gold claims.

The functions mirror the ``claimbench`` command and return plain dicts and lists equal to the JSON it writes;
keyword options are the command's options (``bootstrap=100`` is ``--bootstrap 100``, ``no_intervals=True`` is
``--no-intervals``). Errors raise :class:`Error` with the message the command prints after ``error: ``. The embedding
model is fetched on first use, into ``$CLAIMBENCH_MODELS_DIR``, ``./models`` or ``~/.cache/claimbench/models``.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Mapping, Optional, Union

from ._native import Error, __version__
from . import _native

__all__ = ["Error", "score", "load_run", "similarity", "gold", "compare", "predictions_jsonl", "__version__"]

PathLike = Union[str, "os.PathLike[str]"]

#: What a predictions list is called in errors (``predictions:3: text: ...`` is the list's third item) and in
#: the record's ``source``.
LIST_LABEL = "predictions"

#: The columns of :func:`load_run`'s rows, in order (those of ``claimbench report RUN --csv``).
COLUMNS: list[str] = list(_native.COLUMNS)


def _options(options: Mapping[str, Any]) -> list[str]:
    """Keyword options as the command's: ``name=value`` is ``--name value``, ``flag=True`` is ``--flag``."""
    argv: list[str] = []
    for key, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            argv.append(flag)
        else:
            argv += [flag, os.fspath(value) if isinstance(value, os.PathLike) else str(value)]
    return argv


def predictions_jsonl(predictions: Iterable[Mapping[str, Any]]) -> bytes:
    """The JSONL that :func:`score` scores for a list of predictions: one compact JSON object a line."""
    lines = []
    for i, item in enumerate(predictions):
        try:
            lines.append(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
        except (TypeError, ValueError) as e:
            raise Error(f"{LIST_LABEL}:{i + 1}: not JSON: {e}") from None
    return ("\n".join(lines) + "\n").encode() if lines else b""


def score(
    predictions: Union[PathLike, Iterable[Mapping[str, Any]]],
    *,
    name: str = "model",
    gold: Optional[PathLike] = None,
    matcher: Optional[str] = None,
    threshold: Optional[float] = None,
    out: Optional[PathLike] = None,
    **options: Any,
) -> dict:
    """Score predictions against the gold set; the result is the system's record of ``run.json``.

    With ``out``, the run is also saved in that folder, as ``claimbench score ... --out DIR`` saves it (the same
    ``run.json``, byte for byte); :func:`load_run`, ``claimbench report``, ``compare`` and ``gate`` read it.

    ``predictions`` is a path to a JSONL file or a list of ``{"doc", "text", "score"?, "evidence"?}`` dicts. The
    result equals ``run.json["systems"][name]`` of ``claimbench score --pred FILE --name NAME --out DIR`` with the
    same options (``source`` names the file, or ``"predictions"`` for a list); its figures are under
    ``["results"]["micro"]``. Other options: ``bootstrap``, ``seed``, ``assignment``, ``resample``,
    ``grounding_threshold``, ``lenient``, ``strict``, ``no_intervals``, ``require_all_docs``, ``models_dir``,
    ``device``, ``batch_size``, ``no_cache``, ``matcher_params`` (a parameters file for align or cover) ...
    (``claimbench score --help``).
    """
    args = _options({"gold": gold, "matcher": matcher, "threshold": threshold, **options})
    run = None if out is None else os.fspath(out)
    if isinstance(predictions, (str, os.PathLike)):
        text = _native.score_json(name, args, path=os.fspath(predictions), out=run)
    elif isinstance(predictions, (bytes, bytearray, Mapping)):
        raise TypeError("predictions: give a path or a list of dicts")
    else:
        text = _native.score_json(
            name, args, data=predictions_jsonl(predictions), label=LIST_LABEL, out=run
        )
    return json.loads(text)


def load_run(run: PathLike, *, as_frame: bool = False) -> Any:
    """A saved run claim by claim: one dict per (system, document, gold claim or false alarm).

    The rows of ``claimbench report RUN --jsonl``, in its order, with the keys of :data:`COLUMNS`: ``status`` is
    ``tp`` (a gold claim found), ``fn`` (missed) or ``fp`` (a prediction that matched no gold claim); ``similarity``
    is the match's score, ``None`` where there is none. The run is checked as the command checks it (its checksum,
    its figures against its counts, its gold set's hash). ``as_frame=True`` gives a ``pandas.DataFrame`` with those
    columns instead (pandas must be installed).
    """
    rows = json.loads(_native.run_rows_json(os.fspath(run)))
    if not as_frame:
        return rows
    try:
        import pandas
    except ImportError:
        raise ImportError("load_run(as_frame=True) needs pandas (pip install pandas); without it, rows are dicts") from None
    return pandas.DataFrame(rows, columns=COLUMNS)


def similarity(a: str, b: str, *, matcher: Optional[str] = None, **options: Any) -> dict:
    """How the matcher scores two claims: ``{"score", "same", "reasons"}``, as ``claimbench similarity --json``."""
    args = _options({"matcher": matcher, **options})
    return json.loads(_native.similarity_json(a, b, args))


def gold(path: Optional[PathLike] = None) -> list[dict]:
    """The claims of a gold set (the built-in one by default), as ``claimbench gold show --json`` lists them."""
    return json.loads(_native.gold_json(None if path is None else os.fspath(path)))


def compare(run_a: PathLike, run_b: PathLike, **options: Any) -> dict:
    """Two runs side by side with the paired tests of each pair of systems, as ``claimbench compare --json``."""
    args = [os.fspath(run_a), os.fspath(run_b), *_options(options)]
    return json.loads(_native.compare_json(args))
