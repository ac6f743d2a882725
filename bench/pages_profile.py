"""What each page of the mixed workload costs to render, in-process, one request at a time.

    .venv/bin/python bench/pages_profile.py --factor 10 --label before

Runs the app with Flask's test client against the scale database (``make bench`` prepares
it: ``instance/scale-<factor>.db``, or DATABASE_URL), signed in as ``--role``. For every
page type of bench/mixed.py it reports the median time of ``--repeat`` requests after two
unrecorded ones and the SQL statements one request runs; then it profiles the slowest
page with pyinstrument (``--repeat`` requests) and lists the ten functions with the most
time of their own and the ten functions of the app with the most time in total, in ms per
request. No HTTP server and no concurrency: this is the cost of rendering. Results go to
``<out>/<date>-profile-<database>-f<factor>[-<label>].md``.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import pyotp  # noqa: E402
from pyinstrument import Profiler  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.mixed import WEIGHTS, more_ids, page_paths  # noqa: E402
from bench.run import discover, prepare  # noqa: E402
from bench.scale import DEMO_TOTP_SECRET, DOMAIN, PASSWORD  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def sign_in(client, role: str) -> None:
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    form = {"csrf_token": token, "email": f"{role}@{DOMAIN}", "password": PASSWORD}
    response = client.post("/login", data=form)
    if response.headers.get("Location", "").endswith("/login/code"):
        for _ in range(2):  # a code is accepted once: an earlier run may have used it
            code = {"csrf_token": token, "code": pyotp.TOTP(DEMO_TOTP_SECRET).now()}
            response = client.post("/login/code", data=code)
            if response.status_code in (302, 303):
                break
            time.sleep(30.5 - time.time() % 30)
    if response.status_code not in (302, 303):
        raise SystemExit(f"Signing in as {role} failed ({response.status_code}).")


def measure(client, engine, path: str, repeat: int) -> dict:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    for _ in range(2):
        status = client.get(path).status_code
    event.listen(engine, "before_cursor_execute", count)
    client.get(path)
    event.remove(engine, "before_cursor_execute", count)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return {"status": status, "ms": statistics.median(times), "statements": len(statements)}


def frames(root):
    """(frame, ancestors' identities) for every frame of the tree."""
    stack = [(root, ())]
    while stack:
        frame, above = stack.pop()
        yield frame, above
        ident = (frame.function, frame.file_path_short, frame.line_no)
        stack.extend((child, (*above, ident)) for child in frame.children)


def top_frames(session, repeat: int) -> tuple[list, list]:
    own: dict[tuple, float] = defaultdict(float)
    total: dict[tuple, float] = defaultdict(float)
    for frame, above in frames(session.root_frame()):
        if frame.function == "[self]":  # pyinstrument's own-time leaf: its parent's
            continue
        ident = (frame.function, frame.file_path_short or "", frame.line_no)
        own[ident] += frame.time - sum(c.time for c in frame.children if c.function != "[self]")
        path = frame.file_path or ""
        if ident not in above and f"{os.sep}app{os.sep}" in path and ".venv" not in path:
            total[ident] += frame.time  # counted once per call path, not per recursion
    per = 1000 / repeat
    by_own = sorted(own.items(), key=lambda kv: -kv[1])[:10]
    by_total = sorted(total.items(), key=lambda kv: -kv[1])[:10]
    return [(k, v * per) for k, v in by_own], [(k, v * per) for k, v in by_total]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factor", default="10")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--role", default="beheerder")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--label", default="")
    parser.add_argument("--only", help="comma-separated page keys")
    parser.add_argument("--profile", help="the page key to profile (default: the slowest)")
    parser.add_argument("--out", default=str(REPO / "bench" / "results"))
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{REPO / 'instance' / f'scale-{args.factor}.db'}"
    prepare(url, args.factor)
    ids = more_ids(url, discover(url))
    os.environ.update(
        DATABASE_URL=url,
        SAMENSPEL_SECRET_KEY=secrets.token_hex(32),
        SAMENSPEL_MAIL_ECHO="0",
        SAMENSPEL_HTTPS="0",
        SAMENSPEL_SMTP_HOST="",
    )
    from app import create_app  # after the environment is set: it reads it
    from app.extensions import db

    app = create_app()
    client = app.test_client()
    sign_in(client, args.role)
    with app.app_context():
        engine = db.engine
    keys = args.only.split(",") if args.only else list(WEIGHTS)
    paths = page_paths(ids)
    results = {key: measure(client, engine, paths[key], args.repeat) for key in keys}
    for key, r in results.items():
        print(f"{key:14} {r['status']} {r['ms']:7.1f} ms {r['statements']:4} statements")
    worst = args.profile or max(results, key=lambda k: results[k]["ms"])
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(args.repeat):
        client.get(paths[worst])
    profiler.stop()
    by_own, by_total = top_frames(profiler.last_session, args.repeat)

    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    lines = [
        f"# Page costs, {kind} factor {args.factor}" + (f" ({args.label})" if args.label else ""),
        "",
        f"{date.today().isoformat()}, signed in as {args.role}, in-process (Flask test client,"
        f" no server, no concurrency), median of {args.repeat} requests after 2 unrecorded;"
        f" {os.cpu_count()} cores shared with other work (timings from a loaded machine).",
        "",
        "| page | status | ms | statements |",
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {k} `{paths[k]}` | {r['status']} | {r['ms']:.1f} | {r['statements']} |"
            for k, r in results.items()
        ),
        "",
        f"## Profile of {worst} (pyinstrument, ms per request)",
        "",
        "Own time (the function itself, not what it calls):",
        "",
        "| function | where | ms |",
        "| --- | --- | ---: |",
        *(f"| `{f}` | {p}:{n} | {ms:.1f} |" for (f, p, n), ms in by_own),
        "",
        "Total time of the app's own functions (with what they call):",
        "",
        "| function | where | ms |",
        "| --- | --- | ---: |",
        *(f"| `{f}` | {p}:{n} | {ms:.1f} |" for (f, p, n), ms in by_total),
        "",
    ]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    suffix = f"-{args.label}" if args.label else ""
    target = out / f"{date.today().isoformat()}-profile-{kind}-f{args.factor}{suffix}.md"
    target.write_text("\n".join(lines))
    print("\n".join(lines[-30:]))
    print(f"Written to {target}")


if __name__ == "__main__":
    main()
