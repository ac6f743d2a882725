"""bench/run.py compares a larger factor with the newest single-page run at factor 1."""

import argparse
import json

from bench.run import load_reference


def test_the_reference_is_the_newest_single_page_run_not_a_mixed_one(tmp_path):
    page = {"key": "dashboard", "latency_ms": {"p95": 42.0}}
    (tmp_path / "2026-01-01-sqlite-f1.json").write_text(json.dumps({"pages": [page]}))
    (tmp_path / "2026-02-01-mixed-sqlite-f1.json").write_text(json.dumps({"steps": []}))
    (tmp_path / "2026-01-02-postgresql-f1.json").write_text(json.dumps({"pages": []}))
    args = argparse.Namespace(compare=None, factor="10", out=str(tmp_path))

    path, p95 = load_reference(args, "sqlite")

    assert path.endswith("2026-01-01-sqlite-f1.json")
    assert p95 == {"dashboard": 42.0}
    assert load_reference(
        argparse.Namespace(compare=None, factor="1", out=str(tmp_path)), "sqlite"
    ) == ("", {})
