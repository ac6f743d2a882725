"""Load benchmark of Samenspel's key pages (issue 10): `make bench`, or directly

    .venv/bin/python bench/run.py [--database-url URL] [--factor 1] [--clients 8]
                                  [--duration 15] [--workers N] [--threads 1]
                                  [--out bench/results] [--prepare] (see --help)

The database is one made by `flask seed scale --factor N` (the partnership ``schaal``);
by default ``sqlite:///<repo>/instance/scale-<factor>.db``, or DATABASE_URL when set.
With --prepare it is migrated (`flask db upgrade`) and, when it has no ``schaal`` yet,
seeded first, so one command works on a fresh machine.

The run:

1. reads from the database the URLs it needs (the first agreement, the table and id of
   the big conversation "Grote discussie: wachttijden" of 5,000 comments at factor 1,
   another open conversation to post comments to, the running cycle);
2. starts gunicorn on a free loopback port (its own session key, no mail echo), waits
   for /healthz, logs in as ``beheerder@schaal.test`` (the login form's CSRF token, then
   the session cookie) and asks every page once, which must answer 200 (the write: a
   redirect), so that a lost session cannot pass for a fast page;
3. drives each page with ``wrk`` (Debian package ``wrk``): ``--clients`` connections,
   min(clients, 4) threads, ``--duration`` seconds, after an unrecorded warm-up
   (``--warmup``, 2 s) that lets every worker compile its templates, with the
   session cookie; bench/report.lua prints requests, errors and latency percentiles.
   /healthz goes first: it is the baseline (no database, no template) that every page's
   requests per second are compared with;
4. prints a table and writes ``<out>/<date>-<sqlite|postgresql>-f<factor>.json`` and
   ``.md`` with the targets of issue 10: read pages p95 ≤ 100 ms and at least 8 % of the
   baseline's requests per second, posting a comment p95 ≤ 150 ms, no errors;
   at another factor than 1 also each page's p95 at most 25 % above the newest factor-1
   result of the same database in ``--out`` (or ``--compare FILE``);
5. stops gunicorn, also after an error or Ctrl-C.

It exits 0 when the run completed, whatever the figures (1 with --strict when a target
is missed). With the defaults a run takes about 11 × (15 + 2) s, some 3.5 minutes.

Workers: by default those of the image, one sync worker per core and at least 2
(gunicorn.conf.py). A request is mostly Python on the CPU, so a worker per core keeps the
cores busy; more workers take turns on the cores in the middle of requests, which makes
every request cost more (README.md, "Mixed load"). SQLite runs in WAL mode
(app/__init__.py), where readers never block each other or the one writer, so several
worker processes on one SQLite file are safe. Sync workers
close the connection after each response, so wrk reconnects for every request, as a
browser behind no proxy would; with --threads above 1 gunicorn uses gthread workers,
which keep connections open.

The write posts comments to an open conversation other than the big one, so the big
conversation's page stays the same from run to run; each run adds its comments there.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import pyotp  # noqa: E402

from bench.scale import BIG_CONVERSATION, DEMO_TOTP_SECRET, DOMAIN, PASSWORD, SLUG  # noqa: E402

LOGIN = f"beheerder@{DOMAIN}"
USER_AGENT = "samenspel-bench"
WRK_TIMEOUT = "10s"  # a response slower than this counts as a timeout error

# The targets of issue 10 (2 cores, factor 1, 8 clients).
READ_P95_MS = 100.0
READ_MIN_RATIO = 0.08
WRITE_P95_MS = 150.0
# At a larger factor: no page's p95 more than 25 % above its factor-1 figure.
MAX_GROWTH = 1.25


@dataclass
class Page:
    key: str
    label: str
    path: str
    kind: str  # "baseline", "read" or "write"
    precheck: int | None = None  # status of the single request before the run
    note: str = ""
    result: dict = field(default_factory=dict)

    def add_note(self, text: str) -> None:
        self.note = f"{self.note}; {text}" if self.note else text


@dataclass
class Scale:
    partnership_id: int
    agreement: int
    big_table: int
    big_conversation: int
    big_comments: int
    write_table: int
    write_conversation: int
    cycle: int
    cycle_phase: str


# --- the database -----------------------------------------------------------------------


def engine_url(url: str) -> str:
    """The URL for SQLAlchemy, with the psycopg 3 driver for PostgreSQL (as app/config.py)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def database_kind(url: str) -> str:
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    return "postgresql" if scheme in ("postgres", "postgresql") else scheme


def shown_url(url: str) -> str:
    return make_url(engine_url(url)).render_as_string(hide_password=True)


def scale_state(url: str) -> str:
    """'ready' (has the partnership schaal), 'empty' (no partnership) or 'other'."""
    engine = sa.create_engine(engine_url(url))
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("partnership"):
                return "empty"
            slugs = connection.execute(sa.text("SELECT slug FROM partnership")).scalars().all()
    finally:
        engine.dispose()
    if SLUG in slugs:
        return "ready"
    return "other" if slugs else "empty"


def flask(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "SAMENSPEL_MAIL_ECHO": "0"}
    command = [str(tool("flask")), "--app", "app:create_app", *args]
    print("$ DATABASE_URL=" + shown_url(url), " ".join(command[1:]), flush=True)
    subprocess.run(command, cwd=REPO, env=env, check=True)


def prepare(url: str, factor: str) -> None:
    """Migrate the database and seed the scale partnership when it is not there yet."""
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    flask(url, "db", "upgrade")
    state = scale_state(url)
    if state == "ready":
        return
    if state == "other":
        raise SystemExit(
            f"{shown_url(url)} holds other partnerships and no '{SLUG}': "
            "point --database-url (DATABASE_URL) at a separate database for the benchmark."
        )
    try:
        number = float(factor)
    except ValueError:
        raise SystemExit(f"--factor {factor!r} is no number, so it cannot seed.") from None
    started = time.monotonic()
    flask(url, "seed", "scale", "--factor", f"{number:g}")
    print(f"Seeded in {time.monotonic() - started:.0f} s.", flush=True)
    analyze(url)


def analyze(url: str) -> None:
    """On PostgreSQL, VACUUM (ANALYZE) the freshly seeded database: the planner gets its
    statistics now, and autovacuum does not catch up with the seed during a measurement
    (it did: search p50 535 ms under load at factor 10, 47 ms alone). SQLite: nothing."""
    if database_kind(url) != "postgresql":
        return
    engine = sa.create_engine(engine_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("VACUUM (ANALYZE)"))
    finally:
        engine.dispose()
    print("VACUUM (ANALYZE) done.", flush=True)


def discover(url: str) -> Scale:
    """Read from the scale database what the page URLs need."""
    engine = sa.create_engine(engine_url(url))
    one = {}
    try:
        with engine.connect() as c:

            def row(sql: str, **params):
                return c.execute(sa.text(sql), {**one, **params}).first()

            partnership = row("SELECT id FROM partnership WHERE slug = :slug", slug=SLUG)
            if partnership is None:
                raise SystemExit(
                    f"No partnership '{SLUG}' in {shown_url(url)}: seed it with "
                    "`flask seed scale --factor N` (or run with --prepare, as `make bench` does)."
                )
            one["pid"] = partnership.id
            agreement = row(
                "SELECT number FROM agreement WHERE partnership_id = :pid"
                " AND archived_at IS NULL ORDER BY number LIMIT 1"
            )
            # The conversation of 5,000 comments at factor 1 (fewer at smaller factors).
            big = row(
                "SELECT id, table_id, comment_count FROM conversation"
                " WHERE partnership_id = :pid AND title = :title ORDER BY id LIMIT 1",
                title=BIG_CONVERSATION,
            ) or row(
                "SELECT id, table_id, comment_count FROM conversation"
                " WHERE partnership_id = :pid ORDER BY comment_count DESC, id LIMIT 1"
            )
            # Where the write goes: the first open conversation of an active table.
            target = row(
                "SELECT c.id, c.table_id FROM conversation c"
                " JOIN thematic_table t ON t.id = c.table_id"
                " WHERE c.partnership_id = :pid AND c.status = 'open' AND t.status = 'actief'"
                " AND c.id != :big ORDER BY c.id LIMIT 1",
                big=big.id if big else 0,
            )
            cycle = row(
                "SELECT number, phase FROM cycle WHERE partnership_id = :pid"
                " AND phase != 'afgerond' ORDER BY number DESC LIMIT 1"
            ) or row(
                "SELECT number, phase FROM cycle WHERE partnership_id = :pid"
                " ORDER BY number DESC LIMIT 1"
            )
    finally:
        engine.dispose()
    missing = [
        name
        for name, value in (
            ("an agreement", agreement),
            ("a conversation", big),
            ("an open conversation besides the big one", target),
            ("a cycle", cycle),
        )
        if value is None
    ]
    if missing:
        raise SystemExit(f"The scale partnership lacks {', '.join(missing)}.")
    return Scale(
        partnership_id=one["pid"],
        agreement=agreement.number,
        big_table=big.table_id,
        big_conversation=big.id,
        big_comments=big.comment_count,
        write_table=target.table_id,
        write_conversation=target.id,
        cycle=cycle.number,
        cycle_phase=cycle.phase,
    )


def comment_count(url: str, conversation_id: int) -> int:
    engine = sa.create_engine(engine_url(url))
    try:
        with engine.connect() as c:
            return c.execute(
                sa.text("SELECT count(*) FROM comment WHERE conversation_id = :id"),
                {"id": conversation_id},
            ).scalar_one()
    finally:
        engine.dispose()


def pages_for(scale: Scale) -> list[Page]:
    p = f"/p/{SLUG}"
    big = f"{p}/tables/{scale.big_table}/conversations/{scale.big_conversation}"
    write = f"{p}/tables/{scale.write_table}/conversations/{scale.write_conversation}"
    return [
        Page("healthz", "baseline /healthz", "/healthz", "baseline"),
        Page("dashboard", "dashboard", f"{p}/", "read"),
        Page(
            "agreements",
            "agreements (actief, due in 30 days)",
            f"{p}/agreements/?status=actief&due=30",
            "read",
        ),
        Page(
            "agreement",
            f"agreement WA-{scale.agreement}",
            f"{p}/agreements/{scale.agreement}",
            "read",
        ),
        Page("risks", "risks", f"{p}/risks/", "read"),
        Page("heatmap", "risk heat map", f"{p}/risks/heatmap", "read"),
        Page(
            "conversation",
            f"conversation ({scale.big_comments:,} comments)".replace(",", "."),
            big,
            "read",
        ),
        Page("reviews", "reviews overview", f"{p}/reviews/overview", "read"),
        Page(
            "cycle",
            f"cycle C-{scale.cycle} ({scale.cycle_phase})",
            f"{p}/cycles/{scale.cycle}",
            "read",
        ),
        Page("search", "search 'wachttijd'", f"{p}/search/?q=wachttijd", "read"),
        # The path is the conversation page; the form's action is read from it.
        Page("comment", "post a comment", write, "write"),
    ]


# --- HTTP -------------------------------------------------------------------------------


class FormReader(HTMLParser):
    """The action and CSRF token of the form with a given id."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.action = None
        self.token = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            if self.inside:
                self.action = a.get("action")
        elif tag == "input" and self.inside and a.get("name") == "csrf_token":
            self.token = a.get("value")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def read_form(html: str, form_id: str) -> tuple[str | None, str | None]:
    reader = FormReader(form_id)
    reader.feed(html)
    return reader.action, reader.token


class Browser:
    """Plain requests with a cookie jar of one site; redirects are not followed."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"User-Agent": USER_AGENT}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(value)
                for name, morsel in jar.items():
                    expired = morsel["max-age"] == "0" or "1970" in morsel["expires"]
                    if morsel.value and not expired:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return response.status, response.headers, text
        finally:
            connection.close()

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def login(self, email: str, password: str) -> None:
        status, _, html = self.request("GET", "/login")
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', html
        )
        if status != 200 or not found:
            raise SystemExit(f"GET /login answered {status} without a CSRF token.")
        form = {"csrf_token": found.group(1), "email": email, "password": password}
        status, headers, _ = self.request("POST", "/login", form)
        if status not in (302, 303):
            raise SystemExit(
                f"Logging in as {email} failed (status {status}); is this a scale database?"
            )
        if headers.get("Location", "").endswith("/login/code"):
            # The scale accounts have the documented demo TOTP key (bench/scale.py).
            form.pop("email"), form.pop("password")
            for _ in range(2):  # a code is accepted once: an earlier run may have used it
                form["code"] = pyotp.TOTP(DEMO_TOTP_SECRET).now()
                status, _, _ = self.request("POST", "/login/code", form)
                if status in (302, 303):
                    break
                time.sleep(30.5 - time.time() % 30)
            if status not in (302, 303):
                raise SystemExit(f"The login code for {email} was refused (status {status}).")


# --- gunicorn and wrk -------------------------------------------------------------------


def tool(name: str) -> Path:
    here = Path(sys.executable).parent / name
    return here if here.exists() else REPO / ".venv" / "bin" / name


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, url: str, workers: int, threads: int, log: Path):
        self.port = free_port()
        self.log = log
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SAMENSPEL_SECRET_KEY": secrets.token_hex(32),
            "SAMENSPEL_MAIL_ECHO": "0",
            "SAMENSPEL_HTTPS": "0",  # plain http on loopback: no Secure cookies
            "SAMENSPEL_SMTP_HOST": "",  # no mail leaves the machine during a benchmark
        }
        command = [
            str(tool("gunicorn")),
            "--config", str(REPO / "gunicorn.conf.py"),  # the image's settings and hooks
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers),
            "--threads", str(threads),
            "--timeout", "120",
            "--graceful-timeout", "5",
            "--backlog", "2048",
            "--log-level", "warning",
            "--error-logfile", str(log),
            "app:create_app()",
        ]  # fmt: skip
        # A session of its own: Ctrl-C reaches this script, which then stops gunicorn.
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdin=subprocess.DEVNULL, start_new_session=True
        )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"gunicorn stopped (exit {self.process.returncode}):\n{self.tail()}"
                )
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process.poll() is None:
            group = self.process.pid  # its own process group (start_new_session)
            try:
                os.killpg(group, signal.SIGTERM)
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(group, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass


def wrk(url: str, clients: int, seconds: int, cookie: str, token: str | None = None) -> dict:
    command = [
        "wrk",
        "-c", str(clients),
        "-t", str(min(clients, 4)),
        "-d", f"{seconds}s",
        "--timeout", WRK_TIMEOUT,
        "--latency",
        "-H", f"Cookie: {cookie}",
        "-H", f"User-Agent: {USER_AGENT}",
        "-s", str(REPO / "bench" / "report.lua"),
        url,
    ]  # fmt: skip
    env = {**os.environ, "BENCH_CSRF_TOKEN": token or ""}
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    lines = [x for x in done.stdout.splitlines() if x.startswith("BENCH-JSON ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    result = json.loads(lines[-1].removeprefix("BENCH-JSON "))
    result["requests_per_s"] = (
        result["requests"] / result["duration_s"] if result["duration_s"] else 0.0
    )
    result["errors_total"] = sum(result["errors"].values())
    return result


# --- the run ----------------------------------------------------------------------------


def check(page: Page, result: dict, reference: dict[str, float]) -> tuple[bool, list[str]]:
    """Whether the page meets its targets, and what misses."""
    misses = []
    if not result["requests"]:
        misses.append("no response within the run")
    if result["errors_total"]:
        misses.append(f"{result['errors_total']} errors")
    p95 = result["latency_ms"]["p95"]
    if page.kind == "read":
        if p95 > READ_P95_MS:
            misses.append(f"p95 {p95:.0f} ms > {READ_P95_MS:.0f}")
        ratio = result.get("ratio")
        if ratio is not None and ratio < READ_MIN_RATIO:
            misses.append(f"{ratio:.1%} of baseline < {READ_MIN_RATIO:.0%}")
    elif page.kind == "write" and p95 > WRITE_P95_MS:
        misses.append(f"p95 {p95:.0f} ms > {WRITE_P95_MS:.0f}")
    if page.kind != "baseline" and reference.get(page.key):
        growth = p95 / reference[page.key]
        result["p95_reference_ms"] = reference[page.key]
        result["p95_growth"] = growth
        if growth > MAX_GROWTH:
            misses.append(f"p95 {growth - 1:+.0%} against the reference")
    if page.precheck not in (200, 302, 303):
        misses.append(f"answered {page.precheck} before the run")
    return not misses, misses


def target_text(page: Page) -> str:
    if page.kind == "read":
        return f"p95 ≤ {READ_P95_MS:.0f} ms, ≥ {READ_MIN_RATIO:.0%}, 0 errors"
    if page.kind == "write":
        return f"p95 ≤ {WRITE_P95_MS:.0f} ms, 0 errors"
    return "0 errors"


HEADER = ["page", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "ratio", "targets met"]
GROWTH = "p95 vs ref"


def compared(pages: list[Page]) -> bool:
    return any("p95_growth" in p.result for p in pages)


def header(pages: list[Page]) -> list[str]:
    return [*HEADER[:-1], GROWTH, HEADER[-1]] if compared(pages) else HEADER


def row_of(page: Page, with_growth: bool = False) -> list[str]:
    r = page.result
    if not r:
        cells = [page.label, "-", "-", "-", "-", "-", "-", "not run"]
    else:
        ratio = "baseline" if page.kind == "baseline" else f"{r['ratio']:.1%}"
        met = "yes" if r["met"] else "NO: " + "; ".join(r["misses"])
        lat = r["latency_ms"]
        cells = [
            page.label,
            f"{r['requests_per_s']:.1f}",
            f"{lat['p50']:.1f}",
            f"{lat['p95']:.1f}",
            f"{lat['p99']:.1f}",
            str(r["errors_total"]),
            ratio,
            met,
        ]
    if with_growth:
        growth = r.get("p95_growth") if r else None
        cells.insert(-1, f"{growth - 1:+.0%}" if growth is not None else "-")
    return cells


def text_table(pages: list[Page]) -> str:
    names = header(pages)
    rows = [names, *(row_of(p, compared(pages)) for p in pages)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(names))]
    right = set(range(1, len(names) - 1))

    def line(r):
        return "  ".join(
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(r)
        ).rstrip()

    return "\n".join([line(rows[0]), "  ".join("-" * w for w in widths), *map(line, rows[1:])])


def markdown(report: dict, pages: list[Page]) -> str:
    m = report["machine"]
    lines = [
        f"# Benchmark {report['date']}: {report['database']}, factor {report['factor']}",
        "",
        f"- database: `{report['database_url']}`",
        f"- machine: {m['nproc']} cores ({m['platform']}), Python {m['python']}",
        f"- gunicorn: {report['workers']} workers × {report['threads']} threads",
        f"- wrk: {report['clients']} clients, {report['wrk_threads']} threads, "
        f"{report['duration_s']:g} s per page after {report['warmup_s']:g} s warm-up",
        f"- commit: `{report['git_commit']}`"
        + (" (with local changes)" if report["git_dirty"] else ""),
        f"- targets: read pages p95 ≤ {READ_P95_MS:.0f} ms and ≥ {READ_MIN_RATIO:.0%} of the "
        f"baseline's requests/s; posting a comment p95 ≤ {WRITE_P95_MS:.0f} ms; no errors",
    ]
    if report["reference"]:
        lines.append(
            f"- reference for the p95 growth (≤ {MAX_GROWTH - 1:+.0%}): `{report['reference']}`"
        )
    names = header(pages)
    lines += [
        f"- all targets met: **{'yes' if report['all_met'] else 'no'}**",
        "",
        "| " + " | ".join(names) + " |",
        "| " + " | ".join(["---"] + ["---:"] * (len(names) - 2) + ["---"]) + " |",
    ]
    for page in pages:
        cells = row_of(page, compared(pages))
        cells[0] = f"{page.label} `{page.path}`"
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    notes = [p for p in pages if p.note]
    if notes:
        lines += ["", *(f"- {p.label}: {p.note}" for p in notes)]
    return "\n".join(lines) + "\n"


def load_reference(args: argparse.Namespace, kind: str) -> tuple[str, dict[str, float]]:
    """The p95 per page of a factor-1 run to compare a larger factor with: --compare, or
    the newest <out>/*-<database>-f1.json when the factor is not 1."""
    if args.compare:
        path = Path(args.compare)
    elif args.factor not in ("1", "1.0"):
        # <date>-<database>-f1.json only: not the mixed runs (<date>-mixed-<database>-f1).
        found = sorted(Path(args.out).glob(f"????-??-??-{kind}-f1.json"))
        if not found:
            return "", {}
        path = found[-1]
    else:
        return "", {}
    data = json.loads(path.read_text())
    return str(path), {
        p["key"]: p["latency_ms"]["p95"] for p in data["pages"] if p.get("latency_ms")
    }


def git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def default_workers() -> int:
    """The image's number of workers (gunicorn.conf.py, without WEB_CONCURRENCY)."""
    return runpy.run_path(str(REPO / "gunicorn.conf.py"))["default_workers"]()


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Load benchmark of the key pages on the scale database (issue 10)."
    )
    parser.add_argument(
        "--factor",
        default="1",
        help="scale factor, for the results file name and the default database (default 1)",
    )
    parser.add_argument(
        "--database-url",
        help="default: DATABASE_URL, else sqlite:///<repo>/instance/scale-<factor>.db",
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument(
        "--duration", type=int, default=15, help="whole seconds per page (default 15)"
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=2,
        help="seconds of unrecorded load per page first, so every worker has its templates"
        " compiled and its connection open (default 2)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="gunicorn workers (default: one per core, at least 2, as in the image)",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (default 1: sync workers)"
    )
    parser.add_argument(
        "--out",
        default=str(REPO / "bench" / "results"),
        help="folder for the results (default bench/results)",
    )
    parser.add_argument(
        "--compare",
        help="results JSON of a factor-1 run for the p95 growth check (default: the newest *-<db>-f1.json in --out when --factor is not 1)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--only", help="comma-separated page keys to run (the baseline always runs)"
    )
    parser.add_argument(
        "--prepare",
        action="store_true",
        help="migrate the database and seed it when it has no scale partnership",
    )
    args = parser.parse_args(argv)
    if (
        args.clients < 1
        or args.duration < 1
        or args.warmup < 0
        or args.workers < 1
        or args.threads < 1
    ):
        parser.error("clients, duration, workers and threads must be positive")
    if not args.database_url:
        args.database_url = os.environ.get("DATABASE_URL", "").strip() or (
            f"sqlite:///{REPO / 'instance' / f'scale-{args.factor}.db'}"
        )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (make bench installs it).")
    url = args.database_url
    kind = database_kind(url)
    if args.prepare:
        prepare(url, args.factor)
    elif url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        raise SystemExit(f"{url} does not exist: run with --prepare, or `make bench`.")
    scale = discover(url)
    reference_path, reference = load_reference(args, kind)
    pages = pages_for(scale)
    if args.only:
        wanted = {k.strip() for k in args.only.split(",")}
        unknown = wanted - {p.key for p in pages}
        if unknown:
            raise SystemExit(f"Unknown pages {sorted(unknown)}; known: {[p.key for p in pages]}")
        pages = [p for p in pages if p.kind == "baseline" or p.key in wanted]

    # Ctrl-C (also when started from a shell that ignores it) and SIGTERM end the run
    # through the finally below, which stops gunicorn.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    logdir = Path(tempfile.mkdtemp(prefix="samenspel-bench-"))
    server = Server(url, args.workers, args.threads, logdir / "gunicorn.log")
    failed = True
    try:
        server.wait_ready()
        base = f"http://127.0.0.1:{server.port}"
        print(
            f"gunicorn on {base}: {args.workers} workers × {args.threads} threads; "
            f"{shown_url(url)}; {args.clients} clients, {args.duration:g} s per page",
            flush=True,
        )
        browser = Browser("127.0.0.1", server.port)
        browser.login(LOGIN, PASSWORD)
        token = None
        for page in pages:
            status, _, html = browser.request("GET", page.path)
            page.precheck = status
            if page.kind == "write" and status == 200:
                action, token = read_form(html, "comment-form")
                if not action or not token:
                    raise SystemExit(f"No comment form on {page.path}.")
                page.path = action
                # One comment by hand: the write must answer with a redirect. Its flash
                # message would ride along in the cookie: keep the cookie from before.
                kept = dict(browser.cookies)
                status, _, _ = browser.request(
                    "POST", action, {"csrf_token": token, "body": "Voorproef van de belastingtest."}
                )
                browser.cookies = kept
                page.precheck = status
            if status in (301, 302, 303) and page.kind != "write":
                raise SystemExit(f"{page.path} redirects ({status}): the login did not hold.")
            if page.precheck not in (200, 302, 303):
                page.add_note(f"answered {page.precheck} before the run")
                print(f"warning: {page.path} answered {page.precheck}", file=sys.stderr)
        # The cookie after the GETs holds the session's CSRF secret too (the token above).
        cookie = browser.cookie_header()
        posted = None

        baseline_rps = None
        print()
        for page in pages:
            write_token = token if page.kind == "write" else None
            if page.kind == "write" and not write_token:
                page.add_note("not run: no comment form")
                continue
            if args.warmup > 0:
                wrk(base + page.path, args.clients, args.warmup, cookie, write_token)
            if write_token:
                before = comment_count(url, scale.write_conversation)
            result = wrk(base + page.path, args.clients, args.duration, cookie, write_token)
            if write_token:
                posted = comment_count(url, scale.write_conversation) - before
            if page.kind == "baseline":
                baseline_rps = result["requests_per_s"]
            else:
                result["ratio"] = result["requests_per_s"] / baseline_rps if baseline_rps else 0.0
            result["met"], result["misses"] = check(page, result, reference)
            page.result = result
            lat = result["latency_ms"]
            print(
                f"{page.label:<40} {result['requests_per_s']:8.1f} req/s  p95 {lat['p95']:7.1f} ms"
                f"  errors {result['errors_total']}",
                flush=True,
            )
            if 0 < result["requests"] < 20:
                page.add_note(f"only {result['requests']} responses: percentiles are rough")
            if page.kind == "read":
                # Still logged in after the run? (wrk counts a redirect as success.)
                status, _, _ = browser.request("GET", page.path)
                if status != page.precheck:
                    page.add_note(f"answered {status} after the run (before: {page.precheck})")
        failed = False
    finally:
        server.stop()
        if failed and server.tail().strip():
            print(f"gunicorn log ({server.log}):\n{server.tail()}", file=sys.stderr)
        else:
            shutil.rmtree(logdir, ignore_errors=True)

    for page in pages:
        if page.kind == "write" and posted is not None:
            page.add_note(
                f"{posted} comments posted to conversation {scale.write_conversation}"
                " (with those still in flight when wrk stopped)"
            )
    today = date.today().isoformat()
    report = {
        "date": today,
        "database": kind,
        "database_url": shown_url(url),
        "factor": args.factor,
        "machine": {
            "nproc": cores(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "workers": args.workers,
        "threads": args.threads,
        "clients": args.clients,
        "wrk_threads": min(args.clients, 4),
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "targets": {
            "read_p95_ms": READ_P95_MS,
            "read_min_ratio": READ_MIN_RATIO,
            "write_p95_ms": WRITE_P95_MS,
            "errors": 0,
        },
        "reference": reference_path,
        "scale": scale.__dict__,
        "all_met": all(p.result.get("met") for p in pages),
        "pages": [
            {
                "key": p.key,
                "page": p.label,
                "path": p.path,
                "kind": p.kind,
                "target": target_text(p),
                "precheck_status": p.precheck,
                "note": p.note,
                **p.result,
            }
            for p in pages
        ],
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{today}-{kind}-f{args.factor}"
    Path(f"{stem}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    Path(f"{stem}.md").write_text(markdown(report, pages))
    print()
    print(text_table(pages))
    for page in pages:
        if page.note:
            print(f"- {page.label}: {page.note}")
    print(f"\nAll targets met: {'yes' if report['all_met'] else 'no'}")
    print(f"Written: {stem}.json and {stem}.md")
    return 1 if args.strict and not report["all_met"] else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nInterrupted; gunicorn stopped.", file=sys.stderr)
        sys.exit(130)
