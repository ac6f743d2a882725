"""The pure parts of the instruction counter (bench/instructions.py): reading callgrind's
dumps and weighing the pages. valgrind itself is not run here."""

import pytest

from bench.instructions import dump_total, dump_trigger, per_request, report_lines, weighted
from bench.mixed import WEIGHTS

DUMP = """version: 1
creator: callgrind-3.19.0
cmd:  /srv/.venv/bin/python bench/instructions.py --inner x
part: 1
desc: I1 cache:
desc: Timerange: Basic block 0 - 4997707
desc: Trigger: dump search
positions: line
events: Ir
summary: 18290270
fl=(1) ???
fn=(1) 0x0000000000401000
0 12
totals: 18290271
"""


def test_a_dump_gives_its_page_and_its_total():
    assert dump_trigger(DUMP) == "search"
    assert dump_total(DUMP) == 18290271
    assert dump_total(DUMP.replace("totals: 18290271\n", "")) == 18290270


def test_a_dump_made_otherwise_has_no_page_and_an_empty_one_no_total():
    ended = DUMP.replace("Trigger: dump search", "Trigger: Program termination")
    assert dump_trigger(ended) is None
    with pytest.raises(ValueError):
        dump_total("version: 1\nevents: Ir\n")


def test_the_mix_weighs_each_page_by_how_often_the_workload_asks_it():
    costs = per_request({"dashboard": 120, "search": 60, "risk": 0}, {"dashboard": 6, "search": 6})
    assert costs == {"dashboard": 20.0, "search": 10.0}  # a page without requests is left out
    assert weighted(costs, {"dashboard": 3, "search": 1}) == pytest.approx(17.5)
    assert weighted({"dashboard": 20.0}, WEIGHTS) == 20.0
    assert weighted({"elsewhere": 5.0}, WEIGHTS) == 0.0


def test_the_report_lists_every_page_and_the_mix_in_millions():
    report = {
        "date": "2026-12-08", "commit": "abc1234", "valgrind": "3.19.0", "database": "sqlite",
        "factor": "1", "label": "before", "repeat": 1, "roles": ["beheerder", "lezer"],
        "requests": {"dashboard": 2, "search": 2},
        "per_request": {"dashboard": 19_060_000.0, "search": 66_030_000.0},
        "weighted": 29_210_000.0,
    }  # fmt: skip
    text = "\n".join(report_lines(report))
    assert "# Instructions a request, sqlite factor 1 (before)" in text
    assert "| dashboard | 2 | 19.06 |" in text and "| search | 2 | 66.03 |" in text
    assert "| **weighted mix** | | **29.21** |" in text
    assert "commit abc1234" in text
