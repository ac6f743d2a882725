"""Mixed-load benchmark (issue 24): `make bench-mixed`, or directly

    .venv/bin/python bench/mixed.py [--database-url URL] [--factor 1] [--steps 20,40,80,120,160]
                                    [--think 0.3,1.0] [--duration 20] [--warmup 10]
                                    [--write-share 0.03] [--workers N] [--threads N]
                                    [--out bench/results] [--prepare]

Many signed-in sessions of all six roles (the known ``<role>@schaal.test`` accounts of the
scale partnership; the beheerder with the demo TOTP code) browse the dashboard, the lists
with filters, agreement, risk and review pages, a conversation, the heat map, the reviews
overview, a cycle, search and the notifications, with a think time between requests, and
post a comment with the chance ``--write-share``. The database, gunicorn and the sign-in
are those of bench/run.py (`make bench`).

For every number of sessions in ``--steps`` one locust run (bench/mixed_load.py) starts
the sessions, lets them warm up (``--warmup`` s, not recorded) and records ``--duration``
seconds. Each step reports per page and overall requests per second, p50/p95/p99 and
errors, and the CPU the gunicorn workers used per request (utime + stime from /proc).
**Capacity** is the highest request rate of a step with p95 ≤ 100 ms and no errors;
stepping stops after the first step that misses it. Results go to
``<out>/<date>-mixed-<sqlite|postgresql>-f<factor>.json`` and ``.md``.

The default (five steps of 10 + 20 s) takes about three minutes after the preparation.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402

from bench.run import (  # noqa: E402
    PASSWORD,
    USER_AGENT,
    Browser,
    Server,
    database_kind,
    default_workers,
    discover,
    engine_url,
    git,
    prepare,
    read_form,
    shown_url,
)
from bench.scale import DOMAIN, KNOWN_ROLES, SLUG  # noqa: E402

P95_LIMIT_MS = 100.0
P99_LIMIT_MS = 250.0

# The page types of the workload and their weights (relative frequency of a read).
WEIGHTS = {
    "dashboard": 12,
    "agreements": 10,
    "agreement": 10,
    "risks": 8,
    "risk": 8,
    "heatmap": 5,
    "reviews": 5,
    "review": 6,
    "conversation": 10,
    "cycle": 6,
    "search": 6,
    "notifications": 8,
}
WRITE = "comment"


def page_paths(ids: dict, role: str | None = None) -> dict[str, str]:
    """The path of every page type, from the ids of the scale partnership; the review is
    the one ``role`` may read (``ids["reviews"]``) when one is known for it."""
    p = f"/p/{SLUG}"
    review = ids.get("reviews", {}).get(role, ids["review"])
    return {
        "dashboard": f"{p}/",
        "agreements": f"{p}/agreements/?status=actief&due=30",
        "agreement": f"{p}/agreements/{ids['agreement']}",
        "risks": f"{p}/risks/?level=hoog&status=open",
        "risk": f"{p}/risks/{ids['risk']}",
        "heatmap": f"{p}/risks/heatmap",
        "reviews": f"{p}/reviews/overview",
        "review": f"{p}/reviews/{review}",
        "conversation": f"{p}/tables/{ids['table']}/conversations/{ids['conversation']}",
        "cycle": f"{p}/cycles/{ids['cycle']}",
        "search": f"{p}/search/?q=wachttijd",
        "notifications": "/notifications",
    }


def workload(ids: dict, roles=KNOWN_ROLES) -> dict[str, list[dict]]:
    """Per role the weighted read pages; every role asks every page type, the review one
    that role may read."""
    return {
        role: [
            {"key": key, "path": paths[key], "weight": WEIGHTS[key]}
            for paths in [page_paths(ids, role)]
            for key in WEIGHTS
        ]
        for role in roles
    }


# --- figures (pure) ----------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of the values; 0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(math.ceil(share * len(ordered)), 1)
    return float(ordered[rank - 1])


def summary(times: list[float], errors: int, window_s: float) -> dict:
    count = len(times) + errors
    return {
        "requests": count,
        "errors": errors,
        "requests_per_s": count / window_s if window_s > 0 else 0.0,
        "p50_ms": percentile(times, 0.50),
        "p95_ms": percentile(times, 0.95),
        "p99_ms": percentile(times, 0.99),
    }


def aggregate(raw: dict) -> dict:
    """Per page and overall figures from one step's recorded response times and errors."""
    window = raw["window_s"]
    names = sorted(set(raw["times"]) | set(raw["errors"]))
    pages = {
        name: summary(raw["times"].get(name, []), raw["errors"].get(name, 0), window)
        for name in names
    }
    every = [t for name in names for t in raw["times"].get(name, [])]
    overall = summary(every, sum(raw["errors"].values()), window)
    return {"pages": pages, "overall": overall}


def meets(overall: dict, p95_limit: float = P95_LIMIT_MS) -> bool:
    return overall["requests"] > 0 and overall["errors"] == 0 and overall["p95_ms"] <= p95_limit


def capacity(steps: list[dict], p95_limit: float = P95_LIMIT_MS) -> dict | None:
    """The step with the highest request rate that meets the p95 limit without errors."""
    good = [s for s in steps if meets(s["overall"], p95_limit)]
    return max(good, key=lambda s: s["overall"]["requests_per_s"]) if good else None


# --- the run ----------------------------------------------------------------------------


def worker_cpu_s(server: Server) -> float:
    """utime + stime of gunicorn's workers (children of the master), in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == server.process.pid:  # ppid
            total += int(fields[11]) + int(fields[12])
    return total / tick


# The newest review a member may read: a beheerder every one; the others the finalised
# ones and the concepts of their own organisation (app/reviews/services.visible_reviews).
READABLE_REVIEW = (
    'SELECT max(r.number) FROM review r, membership m, "user" u'
    " WHERE r.partnership_id = :pid AND m.partnership_id = :pid AND m.user_id = u.id"
    " AND u.email = :email AND (m.role = 'beheerder' OR r.status = 'vastgesteld'"
    " OR r.organisation_id = m.organisation_id)"
)


def more_ids(url: str, scale) -> dict:
    """The ids of bench/run.py's scale plus a risk, a review and per role the newest
    review that role may read (so no session asks for a page it may not see)."""
    engine = sa.create_engine(engine_url(url))
    try:
        with engine.connect() as c:
            pid = {"pid": scale.partnership_id}
            risk = c.execute(
                sa.text("SELECT min(number) FROM risk WHERE partnership_id = :pid"), pid
            ).scalar()
            review = c.execute(
                sa.text("SELECT max(number) FROM review WHERE partnership_id = :pid"), pid
            ).scalar()
            reviews = {
                role: c.execute(
                    sa.text(READABLE_REVIEW), {**pid, "email": f"{role}@{DOMAIN}"}
                ).scalar()
                for role in KNOWN_ROLES
            }
    finally:
        engine.dispose()
    return {
        "reviews": {role: number for role, number in reviews.items() if number is not None},
        "agreement": scale.agreement,
        "risk": risk,
        "review": review,
        "table": scale.big_table,
        "conversation": scale.big_conversation,
        "cycle": scale.cycle,
        "write_table": scale.write_table,
        "write_conversation": scale.write_conversation,
    }


def session_headers(cookie: str) -> dict[str, str]:
    """What locust sends with every request of a signed-in session: its cookie, and the
    user agent of the browser that signed in (Flask-Login ties a session to it: asked
    with another, a session is marked not fresh and its cookie signed and sent anew on
    every request, which no real browser causes)."""
    return {"Cookie": cookie, "User-Agent": USER_AGENT}


def sessions(port: int, ids: dict) -> tuple[dict, list[str]]:
    """Sign in every role; keep the pages it may see and, when it may comment, the form."""
    roles, notes = {}, []
    write_path = f"/p/{SLUG}/tables/{ids['write_table']}/conversations/{ids['write_conversation']}"
    for role, pages in workload(ids).items():
        browser = Browser("127.0.0.1", port)
        browser.login(f"{role}@{DOMAIN}", PASSWORD)
        kept = []
        for page in pages:
            status, _, _ = browser.request("GET", page["path"])
            if status == 200:
                kept.append(page)
            else:
                notes.append(f"{role}: {page['key']} answered {status}, left out")
        status, _, html = browser.request("GET", write_path)
        action, token = read_form(html, "comment-form") if status == 200 else (None, None)
        roles[role] = {
            "headers": session_headers(browser.cookie_header()),
            "pages": kept,
            "write": {"action": action, "token": token} if action and token else None,
        }
    return roles, notes


def run_step(base: str, roles: dict, users: int, args, server: Server) -> dict:
    with tempfile.TemporaryDirectory(prefix="samenspel-mixed-") as tmp:
        config, result = Path(tmp) / "config.json", Path(tmp) / "result.json"
        config.write_text(
            json.dumps(
                {
                    "host": base,
                    "users": users,
                    "think": args.think,
                    "warmup": args.warmup,
                    "duration": args.duration,
                    "write_share": args.write_share,
                    "roles": roles,
                }
            )
        )
        cpu_before = worker_cpu_s(server)
        load_before = load_cpu_s()
        subprocess.run(
            [sys.executable, str(REPO / "bench" / "mixed_load.py"), str(config), str(result)],
            check=True,
        )
        cpu = worker_cpu_s(server) - cpu_before
        load_cpu = load_cpu_s() - load_before
        raw = json.loads(result.read_text())
    step = {"users": users, **aggregate(raw)}
    # The workers' CPU over the whole step divided by all its requests, warm-up included.
    requests = raw["all_requests"]
    step["cpu_ms_per_request"] = 1000 * cpu / requests if requests else 0.0
    # The same for the load generator (locust), which shares the cores with the server.
    step["load_cpu_ms_per_request"] = 1000 * load_cpu / requests if requests else 0.0
    return step


def load_cpu_s() -> float:
    """utime + stime of the finished load-generator processes (this process's children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fmt(x: float) -> str:
    return f"{x:.1f}"


def markdown(report: dict) -> str:
    lines = [
        f"# Mixed load, {report['database']} factor {report['factor']}",
        "",
        f"{report['date']}, commit {report['commit']}, {report['workers']} gunicorn workers "
        f"× {report.get('threads', 1)} threads, {report['cores']} cores, think {report['think'][0]}–{report['think'][1]} s, "
        f"{report['warmup']} s warm-up + {report['duration']} s per step, "
        f"write share {report['write_share']:.0%}.",
        "",
    ]
    cap = report["capacity"]
    if cap:
        lines.append(
            f"**Capacity: {fmt(cap['requests_per_s'])} req/s** at {cap['users']} sessions "
            f"(p95 {fmt(cap['p95_ms'])} ms, p99 {fmt(cap['p99_ms'])} ms)."
        )
    else:
        lines.append("**Capacity: none** (no step had p95 ≤ 100 ms without errors).")
    lines += [
        "",
        "| sessions | req/s | p50 ms | p95 ms | p99 ms | errors | CPU ms/req | locust CPU ms/req |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in report["steps"]:
        o = s["overall"]
        lines.append(
            f"| {s['users']} | {fmt(o['requests_per_s'])} | {fmt(o['p50_ms'])} | "
            f"{fmt(o['p95_ms'])} | {fmt(o['p99_ms'])} | {o['errors']} | "
            f"{fmt(s['cpu_ms_per_request'])} | {fmt(s.get('load_cpu_ms_per_request', 0))} |"
        )
    best = report["steps"][report["capacity_step"]] if cap else report["steps"][0]
    lines += [
        "",
        f"Per page at {best['users']} sessions:",
        "",
        "| page | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, f in best["pages"].items():
        lines.append(
            f"| {name} | {fmt(f['requests_per_s'])} | {fmt(f['p50_ms'])} | "
            f"{fmt(f['p95_ms'])} | {fmt(f['p99_ms'])} | {f['errors']} |"
        )
    if report["notes"]:
        lines += ["", *[f"- {n}" for n in report["notes"]]]
    return "\n".join(lines) + "\n"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--factor", default="1")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--steps", default="20,40,80,120,160,200,240")
    parser.add_argument("--think", default="0.3,1.0")
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--write-share", type=float, default=0.03)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument(
        "--threads", type=int, default=1, help="above 1: gthread workers, which keep connections"
    )
    parser.add_argument("--all-steps", action="store_true", help="do not stop at a miss")
    parser.add_argument("--out", default=str(REPO / "bench" / "results"))
    parser.add_argument("--prepare", action="store_true")
    args = parser.parse_args(argv)
    if not args.database_url:
        args.database_url = f"sqlite:///{REPO / 'instance' / f'scale-{args.factor}.db'}"
    args.steps = [int(x) for x in args.steps.split(",") if x.strip()]
    args.think = [float(x) for x in args.think.split(",")]
    if len(args.think) != 2 or args.think[0] > args.think[1] or not args.steps:
        parser.error("--think needs LOW,HIGH and --steps at least one number")
    if not 0 <= args.write_share <= 1:
        parser.error("--write-share is a share between 0 and 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    url = args.database_url
    if args.prepare:
        prepare(url, args.factor)
    scale = discover(url)
    ids = more_ids(url, scale)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    logdir = Path(tempfile.mkdtemp(prefix="samenspel-mixed-"))
    server = Server(url, args.workers, args.threads, logdir / "gunicorn.log")
    steps = []
    try:
        server.wait_ready()
        base = f"http://127.0.0.1:{server.port}"
        roles, notes = sessions(server.port, ids)
        print(
            f"gunicorn on {base}, {args.workers} workers × {args.threads} threads, {shown_url(url)}",
            flush=True,
        )
        for users in args.steps:
            step = run_step(base, roles, users, args, server)
            steps.append(step)
            o = step["overall"]
            print(
                f"{users:4d} sessions: {o['requests_per_s']:7.1f} req/s  p50 {o['p50_ms']:6.1f}"
                f"  p95 {o['p95_ms']:6.1f}  p99 {o['p99_ms']:6.1f} ms  errors {o['errors']}"
                f"  CPU {step['cpu_ms_per_request']:.1f} ms/req"
                f" (locust {step['load_cpu_ms_per_request']:.1f})",
                flush=True,
            )
            if not meets(o) and not args.all_steps:
                break
    finally:
        server.stop()
    best = capacity(steps)
    kind = database_kind(url)
    report = {
        "date": date.today().isoformat(),
        "commit": git("rev-parse", "--short", "HEAD"),
        "database": kind,
        "factor": args.factor,
        "workers": args.workers,
        "threads": args.threads,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "think": args.think,
        "warmup": args.warmup,
        "duration": args.duration,
        "write_share": args.write_share,
        "steps": steps,
        "capacity_step": steps.index(best) if best else None,
        "capacity": {"users": best["users"], **best["overall"]} if best else None,
        "meets_p99": bool(best) and best["overall"]["p99_ms"] <= P99_LIMIT_MS,
        "notes": notes,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{report['date']}-mixed-{kind}-f{args.factor}"
    Path(f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    Path(f"{stem}.md").write_text(markdown(report))
    print(markdown(report))
    print(f"Written {stem}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
