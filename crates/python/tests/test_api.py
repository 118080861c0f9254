"""The Python API against the command of the same wheel: equal JSON on the same inputs, the same errors.

Run on an installed wheel (scripts/test.sh): ``claimbench`` is the venv's console command. The embedding model is
fetched on first use into $CLAIMBENCH_MODELS_DIR (CI points it at the repository's models/).
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import claimbench

CLI = shutil.which("claimbench", path=os.path.dirname(sys.executable)) or shutil.which("claimbench")
FAST = ["--bootstrap", "100"]


def canonical(value):
    """Compact JSON with sorted keys: equal text means equal JSON."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def cli(*args, check=True):
    """Run the wheel's command; its completed process."""
    assert CLI, "the claimbench command is not installed next to this Python"
    p = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"claimbench {' '.join(map(str, args))}: exit {p.returncode}\n{p.stderr}")
    return p


def predictions():
    """A few predictions: gold claims of two documents (some reworded), one made-up claim, one unknown field."""
    g = claimbench.gold()
    out = []
    for c in g:
        if c["doc"] == "000":
            out.append({"doc": "000", "text": c["text"], "score": 0.9})
        elif c["doc"] == "001" and len(out) % 2 == 0:
            out.append({"doc": "001", "text": c["text"].replace("the ", "a "), "note": "mine"})
    out.append({"doc": "002", "text": "Rex Tillerson met Vladimir Putin in the Kremlin."})
    return out


def score_cli(tmp_path, jsonl_name, preds, *options, name="model"):
    path = tmp_path / jsonl_name
    path.write_bytes(claimbench.predictions_jsonl(preds))
    out = tmp_path / f"run-{name}"
    cli("score", "--pred", path, "--name", name, "--out", out, *options)
    run = json.loads((out / "run.json").read_text())
    return path, out, run["systems"][name]


@pytest.mark.parametrize("matcher", ["token-f1", "align"])
def test_score_equals_the_commands_run_json(tmp_path, matcher):
    preds = predictions()
    path, _, record = score_cli(tmp_path, "model.jsonl", preds, "--matcher", matcher, *FAST)
    from_path = claimbench.score(str(path), matcher=matcher, bootstrap=100)
    assert canonical(from_path) == canonical(record)
    from_list = claimbench.score(preds, matcher=matcher, bootstrap=100)
    # the only difference: where the predictions came from
    assert record["source"] == "file:model.jsonl"
    assert from_list["source"] == "predictions"
    assert canonical({**from_list, "source": record["source"]}) == canonical(record)
    assert from_list["results"]["micro"]["pred"] == len(preds)
    assert 0 < from_list["results"]["micro"]["counts"]["tp"] <= len(preds)


def test_score_options_reach_the_scorer(tmp_path):
    preds = predictions()
    _, _, record = score_cli(
        tmp_path, "model.jsonl", preds, "--matcher", "exact", "--no-intervals", "--assignment", "greedy"
    )
    got = claimbench.score(preds, matcher="exact", no_intervals=True, assignment="greedy")
    assert canonical({**got, "source": record["source"]}) == canonical(record)
    assert got["results"]["micro"]["intervals"] is None
    assert got != claimbench.score(preds, matcher="token-f1", no_intervals=True, threshold=0.2)


def test_the_issues_example_prints_the_commands_figures(tmp_path):
    preds = [{"doc": "000", "text": "Rex Tillerson met Vladimir Putin in the Kremlin."}]
    _, _, record = score_cli(tmp_path, "model.jsonl", preds)
    assert canonical(claimbench.score(preds)["results"]["micro"]) == canonical(record["results"]["micro"])


@pytest.mark.parametrize(
    "matcher,a,b",
    [
        ("token-f1", "Putin met Tillerson in Moscow.", "Tillerson met Putin."),
        ("align", "Putin met Tillerson in Moscow.", "Tillerson met Putin in 2017."),
        ("pair", "-5 percent growth", "Growth fell 5 percent."),
    ],
)
def test_similarity_equals_the_command(matcher, a, b):
    want = json.loads(cli("similarity", "--json", "--matcher", matcher, "--", a, b).stdout)
    got = claimbench.similarity(a, b, matcher=matcher)
    assert canonical(got) == canonical(want)
    assert set(got) == {"score", "same", "reasons"} and got["reasons"]


def test_gold_equals_the_command():
    claims = claimbench.gold()
    docs = sorted({c["doc"] for c in claims})
    assert len(docs) >= 2
    for doc in docs:
        want = json.loads(cli("gold", "show", doc, "--json").stdout)["claims"]
        assert canonical([c for c in claims if c["doc"] == doc]) == canonical(want)


def test_compare_equals_the_command(tmp_path):
    preds = predictions()
    _, run_a, _ = score_cli(tmp_path, "a.jsonl", preds, "--matcher", "token-f1", *FAST, name="a")
    _, run_b, _ = score_cli(tmp_path, "b.jsonl", preds[: len(preds) // 2], "--matcher", "token-f1", *FAST, name="b")
    want = json.loads(cli("compare", run_a, run_b, "--json", "--permutations", "200").stdout)
    got = claimbench.compare(run_a, run_b, permutations=200)
    assert canonical(got) == canonical(want)
    assert [p["a"] for p in got["pairs"]] == ["run-a/a"]


def test_a_bad_line_names_file_line_and_field(tmp_path):
    preds = [{"doc": "000", "text": "Putin met Tillerson."}, {"doc": "000", "txt": "no text"}]
    path = tmp_path / "bad.jsonl"
    path.write_bytes(claimbench.predictions_jsonl(preds))
    p = cli("score", "--pred", path, "--matcher", "exact", check=False)
    assert p.returncode == 2
    message = p.stderr.split("error: ", 1)[1].rstrip("\n")
    with pytest.raises(claimbench.Error) as e:
        claimbench.score(str(path), matcher="exact")
    assert str(e.value) == message
    assert f"{path}:2: text: missing" in str(e.value)
    with pytest.raises(ValueError, match="predictions:2: text: missing"):
        claimbench.score(preds, matcher="exact")


def test_bad_options_raise_the_commands_message():
    with pytest.raises(claimbench.Error, match="unexpected argument '--bogus'"):
        claimbench.score([], bogus=1)
    with pytest.raises(claimbench.Error, match="--matcher"):
        claimbench.similarity("a", "b", matcher="cosin")
    with pytest.raises(claimbench.Error, match="--threshold"):
        claimbench.score([{"doc": "000", "text": "x"}], matcher="token-f1", threshold=2)
    with pytest.raises(claimbench.Error, match="predictions:1: not JSON"):
        claimbench.score([{"doc": "000", "text": {1, 2}}])
    with pytest.raises(claimbench.Error, match="gold"):
        claimbench.gold("/nonexistent/gold/dir")


def test_a_list_of_100000_predictions():
    g = claimbench.gold()
    docs = sorted({c["doc"] for c in g})
    preds = [{"doc": docs[i % len(docs)], "text": f"claim number {i} of the article"} for i in range(100_000)]
    preds[7] = {"doc": g[0]["doc"], "text": g[0]["text"]}
    start = time.monotonic()
    got = claimbench.score(preds, matcher="token-f1", bootstrap=100)
    seconds = time.monotonic() - start
    micro = got["results"]["micro"]
    assert micro["pred"] == 100_000
    assert micro["counts"]["tp"] >= 1
    assert got["coverage"]["with_predictions"] == len(docs)
    print(f"100,000 predictions scored in {seconds:.1f} s")


def test_the_command_keeps_its_exit_codes(tmp_path):
    assert cli("score", "--bogus", check=False).returncode == 2
    assert cli("--version").stdout.startswith("claimbench ")
    _, run, _ = score_cli(tmp_path, "model.jsonl", predictions(), "--matcher", "token-f1", *FAST)
    assert cli("gate", "--run", run, "--min-f1", "0.0").returncode == 0
    assert cli("gate", "--run", run, "--min-f1", "1.0", check=False).returncode == 1


def test_the_gil_is_released_while_scoring():
    import threading

    from claimbench import _native

    data = claimbench.predictions_jsonl({"doc": "000", "text": f"claim {i}"} for i in range(100_000))
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.005)

    t = threading.Thread(target=tick)
    t.start()
    try:
        start = time.monotonic()
        _native.score_json("model", ["--matcher", "token-f1", "--no-intervals"], data=data)
        end = time.monotonic()
    finally:
        done.set()
        t.join()
    # Only the native call runs between start and end: with the GIL held the ticker could not tick there.
    inside = [x for x in ticks if start + 0.1 < x < end - 0.1]
    assert end - start > 0.5, "too quick to tell"
    assert len(inside) > 10, f"{len(inside)} ticks in {end - start:.2f} s of scoring"


@pytest.mark.parametrize("a", ["The \u212aK's claim.", "\u1e9e\u1e9e's claim was made.", "\u0130\u0130's claim."])
def test_text_whose_case_mapping_changes_its_length_gets_a_decision(a):
    """Once a panic in the guards (issue 35), raised as pyo3's PanicException; a panic that still escapes the
    library is claimbench.Error, as the command's `internal error` is exit 2."""
    b = "The claim was made."
    got = claimbench.similarity(a, b, matcher="exact")
    assert got["score"] == 0.0 and got["same"] is False
    assert canonical(got) == canonical(json.loads(cli("similarity", "--json", "--matcher", "exact", "--", a, b).stdout))


def test_score_out_saves_the_commands_run_folder(tmp_path):
    preds = predictions()
    path, cli_run, record = score_cli(tmp_path, "model.jsonl", preds, "--matcher", "token-f1", *FAST)
    py_run = tmp_path / "py-run"
    got = claimbench.score(str(path), matcher="token-f1", bootstrap=100, out=py_run)
    assert canonical(got) == canonical(record)
    # the same folder as `claimbench score --out`: run.json byte for byte, the predictions copy, the marker
    for f in ["run.json", "predictions/model.jsonl", ".claimbench-run"]:
        assert (py_run / f).read_bytes() == (cli_run / f).read_bytes(), f
    assert cli("gate", "--run", py_run, "--baseline", cli_run).returncode == 0
    # scored again into the same folder: the run is replaced; a folder with a file of the user's is refused
    again = claimbench.score(preds, matcher="token-f1", bootstrap=100, out=py_run)
    assert again["source"] == "predictions"
    assert json.loads((py_run / "run.json").read_text())["systems"]["model"]["source"] == "predictions"
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine\n")
    with pytest.raises(claimbench.Error, match="holds files claimbench did not write"):
        claimbench.score(preds, matcher="token-f1", out=mine)
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


#: The rows of scored_run() by status: the 43 claims of document 000 and the made-up claim of 002 are found
#: (it is close to gold claim 002-003), the green cheese is a false alarm.
STATUS = {"tp": 44, "fn": 216, "fp": 1}
MADE_UP = "The moon is made of green cheese."


def scored_run(tmp_path):
    """predictions() and a made-up claim in 003, scored with token-f1 and saved by the API; the folder."""
    run = tmp_path / "run"
    preds = predictions() + [{"doc": "003", "text": MADE_UP}]
    claimbench.score(preds, matcher="token-f1", bootstrap=100, out=run)
    return run


def test_load_run_gives_the_rows_of_report_jsonl(tmp_path):
    run = scored_run(tmp_path)
    rows = claimbench.load_run(run)
    cli("report", run, "--jsonl", tmp_path / "rows.jsonl")
    want = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text().splitlines()]
    assert rows == want
    assert all(list(r) == claimbench.COLUMNS for r in rows)
    # every gold claim once (hit or missed), then the false alarms
    gold = claimbench.gold()
    assert len([r for r in rows if r["status"] != "fp"]) == len(gold) == 260
    doc0 = [r for r in rows if r["doc"] == "000"]
    assert len(doc0) == len([c for c in gold if c["doc"] == "000"]) == 43
    assert all(r["status"] == "tp" and r["similarity"] == 1.0 for r in doc0)
    assert all(r["prediction_text"] == r["gold_text"] for r in doc0)
    status = {s: len([r for r in rows if r["status"] == s]) for s in ("tp", "fn", "fp")}
    assert status == STATUS
    micro = json.loads((run / "run.json").read_text())["systems"]["model"]["results"]["micro"]["counts"]
    assert (status["tp"], status["fn"], status["fp"]) == (micro["tp"], micro["fn"], micro["fp"])
    texts = ("Rex Tillerson met Vladimir Putin in the Kremlin.", MADE_UP)
    picked = [(r["doc"], r["status"], r["gold_id"], r["similarity"]) for r in rows if r["prediction_text"] in texts]
    assert picked == [("000", "tp", "000-004", 1.0), ("002", "tp", "002-003", 0.75), ("003", "fp", None, None)]
    # a run edited after it was written is refused, as the command refuses it
    text = (run / "run.json").read_text()
    (run / "run.json").write_text(text.replace('"tp": ', '"tp": 1', 1))
    with pytest.raises(claimbench.Error, match="run.json"):
        claimbench.load_run(run)


def test_load_run_as_frame_needs_pandas(tmp_path, monkeypatch):
    run = scored_run(tmp_path)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"load_run\(as_frame=True\) needs pandas"):
        claimbench.load_run(run, as_frame=True)
    assert len(claimbench.load_run(run)) == sum(STATUS.values())


def test_load_run_as_a_pandas_frame(tmp_path):
    pandas = pytest.importorskip("pandas")
    run = scored_run(tmp_path)
    frame = claimbench.load_run(run, as_frame=True)
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == claimbench.COLUMNS
    assert frame["status"].value_counts().to_dict() == STATUS
    # pandas holds a missing number as NaN: read it back as None to compare with the rows
    first = frame.astype(object).where(frame.notna(), None).to_dict("records")[0]
    assert first == claimbench.load_run(run)[0]
