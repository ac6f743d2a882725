"""What the pages of the mixed workload cost in instructions: a figure that does not move
with the machine's hour.

    .venv/bin/python bench/instructions.py [--factor 1] [--database-url URL] [--repeat 1]
                                           [--only dashboard,search] [--label after]

Timings on a shared machine vary by half within an hour (README.md, "Mixed load"), so a
change worth 2 % cannot be seen in them. This counts the instructions the app's process
executes for each page type of bench/mixed.py instead, with valgrind's callgrind
(Debian's ``valgrind``): the same commit, data and page give the same count to within a
few tenths of a percent, whatever else the machine does.

The app runs in-process (Flask's test client, as bench/pages_profile.py) against the
scale database of ``make bench``, one signed-in client per role of the workload. Per page
type it asks the page twice per role unrecorded (filling what the process keeps), then
``--repeat`` rounds of one request per role with counting switched on
(``callgrind_control -i on``) and dumps the count for that page. It reports the
instructions a request per page and for the mix weighted as bench/mixed.py weighs the
pages. The database server's own work is not counted (on PostgreSQL it is another
process); what is counted includes Flask's test client, a small and constant share.
Results go to ``<out>/<date>-instructions-<database>-f<factor>[-<label>].{json,md}``.

Under callgrind the app runs some 50 times slower: all pages of factor 1 take about two
minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.scale import KNOWN_ROLES as ROLES  # noqa: E402

_TOTALS = re.compile(r"^(?:totals|summary):\s+(\d+)", re.MULTILINE)
_TRIGGER = re.compile(r"^desc: Trigger: dump (\S+)\s*$", re.MULTILINE)


# --- figures (pure) ----------------------------------------------------------------------


def dump_total(text: str) -> int:
    """The instructions of one callgrind dump (its "totals:" line, else "summary:")."""
    found = _TOTALS.findall(text)
    if not found:
        raise ValueError("no totals in the callgrind dump")
    return int(found[-1])


def dump_trigger(text: str) -> str | None:
    """The hint a dump was made with (``callgrind_control --dump=<hint>``), or None."""
    found = _TRIGGER.search(text)
    return found.group(1) if found else None


def per_request(totals: dict[str, int], requests: dict[str, int]) -> dict[str, float]:
    """Instructions a request per page: each page's count over its requests."""
    return {key: totals[key] / requests[key] for key in totals if requests.get(key)}


def weighted(costs: dict[str, float], weights: dict[str, int]) -> float:
    """The mix's instructions a request: the pages weighed as the workload asks them."""
    shared = [key for key in costs if weights.get(key)]
    if not shared:
        return 0.0
    return sum(costs[k] * weights[k] for k in shared) / sum(weights[k] for k in shared)


def report_lines(report: dict) -> list[str]:
    lines = [
        f"# Instructions a request, {report['database']} factor {report['factor']}"
        + (f" ({report['label']})" if report["label"] else ""),
        "",
        f"{report['date']}, commit {report['commit']}, callgrind (valgrind {report['valgrind']}),"
        f" in-process (Flask's test client), {report['repeat']} round(s) of the roles"
        f" {', '.join(report['roles'])} per page after two unrecorded ones; the database"
        " server's own work is not counted.",
        "",
        "| page | requests | million instructions a request |",
        "| --- | ---: | ---: |",
        *(
            f"| {key} | {report['requests'][key]} | {cost / 1e6:.2f} |"
            for key, cost in report["per_request"].items()
        ),
        f"| **weighted mix** | | **{report['weighted'] / 1e6:.2f}** |",
        "",
    ]
    return lines


# --- the run under callgrind -------------------------------------------------------------


def control(*args: str) -> None:
    """callgrind_control for this process (counting on or off, a dump)."""
    command = ["callgrind_control", *args, str(os.getpid())]
    subprocess.run(command, check=True, capture_output=True)


def inner(args: argparse.Namespace) -> None:
    """Runs inside valgrind: the requests, counting switched on around each page's."""
    import logging

    from bench.mixed import WEIGHTS, more_ids, page_paths
    from bench.pages_profile import sign_in
    from bench.run import discover

    url = args.database_url
    ids = more_ids(url, discover(url))
    os.environ.update(
        DATABASE_URL=url,
        SAMENSPEL_SECRET_KEY="instructions" * 6,
        SAMENSPEL_MAIL_ECHO="0",
        SAMENSPEL_HTTPS="0",
        SAMENSPEL_SMTP_HOST="",
    )
    from app import create_app

    app = create_app()
    with open(os.devnull, "w") as devnull:  # noqa: PTH123
        for handler in logging.getLogger().handlers:  # the request log: not on screen
            handler.setStream(devnull)
        clients = {}
        for role in ROLES:
            clients[role] = app.test_client()
            sign_in(clients[role], role)
        keys = args.only.split(",") if args.only else list(WEIGHTS)
        counts = {}
        for key in keys:
            paths = {role: page_paths(ids, role)[key] for role in ROLES}
            for _ in range(2):
                for role in ROLES:
                    status = clients[role].get(paths[role]).status_code
                    if status != 200:
                        raise SystemExit(f"{key} as {role}: status {status}")
            control("-i", "on")
            for _ in range(args.repeat):
                for role in ROLES:
                    clients[role].get(paths[role])
            control("-i", "off")
            control(f"--dump={key}")
            counts[key] = args.repeat * len(ROLES)
    Path(args.inner).write_text(json.dumps(counts))


def outer(args: argparse.Namespace) -> dict:
    from bench.mixed import WEIGHTS
    from bench.run import git, prepare

    for tool in ("valgrind", "callgrind_control"):
        if shutil.which(tool) is None:
            raise SystemExit(f"Needs {tool} (Debian's package valgrind).")
    url = args.database_url or f"sqlite:///{REPO / 'instance' / f'scale-{args.factor}.db'}"
    prepare(url, args.factor)
    with tempfile.TemporaryDirectory(prefix="samenspel-instructions-") as folder:
        counts_file = Path(folder) / "requests.json"
        command = [
            "valgrind", "--tool=callgrind", "--instr-atstart=no",
            f"--callgrind-out-file={folder}/callgrind.out",
            sys.executable, __file__, "--inner", str(counts_file), "--database-url", url,
            "--repeat", str(args.repeat), *(["--only", args.only] if args.only else []),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
        if done.returncode != 0 or not counts_file.exists():
            sys.stderr.write(done.stdout[-2000:] + done.stderr[-4000:])
            raise SystemExit("The run under callgrind failed.")
        requests = json.loads(counts_file.read_text())
        totals = {}
        for dump in Path(folder).glob("callgrind.out.*"):
            text = dump.read_text(errors="replace")
            key = dump_trigger(text)
            if key in requests:
                totals[key] = dump_total(text)
    missing = set(requests) - set(totals)
    if missing:
        raise SystemExit(f"No count for {', '.join(sorted(missing))}.")
    costs = per_request(totals, requests)
    version = subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout
    return {
        "date": date.today().isoformat(),
        "commit": git("rev-parse", "--short", "HEAD"),
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "factor": args.factor,
        "label": args.label,
        "repeat": args.repeat,
        "roles": list(ROLES),
        "valgrind": version.strip().removeprefix("valgrind-"),
        "machine": platform.machine(),
        "requests": requests,
        "per_request": {k: costs[k] for k in requests},
        "weighted": weighted(costs, WEIGHTS),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factor", default="1")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the roles per page")
    parser.add_argument("--only", help="comma-separated page keys")
    parser.add_argument("--label", default="")
    parser.add_argument("--out", default=str(REPO / "bench" / "results"))
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        inner(args)
        return
    report = outer(args)
    lines = report_lines(report)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    suffix = f"-{args.label}" if args.label else ""
    stem = f"{report['date']}-instructions-{report['database']}-f{args.factor}{suffix}"
    (out / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / f"{stem}.md").write_text("\n".join(lines))
    print("\n".join(lines))
    print(f"Written {out / stem}.json and .md")


if __name__ == "__main__":
    main()
