"""The container files: the Dockerfile (also through its linter, hadolint), compose.yaml
and gunicorn.conf.py have the properties README.md's "In productie" promises. No
container engine is needed: the files are read, not built."""

from __future__ import annotations

import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def instructions(path: Path = ROOT / "Dockerfile") -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", path.read_text())
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for word, rest in instructions():
        if word == "FROM":
            found.append([])
        if found:
            found[-1].append((word, rest))
    return found


def test_two_stages_on_a_slim_python_base():
    args = dict(
        rest.split("=", 1) for word, rest in instructions() if word == "ARG" and "=" in rest
    )
    assert args["PYTHON_IMAGE"].startswith("python:3.11-slim")
    build, final = stages()
    assert build[0] == ("FROM", "${PYTHON_IMAGE} AS build")
    assert final[0] == ("FROM", "${PYTHON_IMAGE}")
    assert ("COPY", "--from=build /opt/venv /opt/venv") in final


def test_assets_and_translations_are_built_in_the_build_stage():
    build, final = stages()
    runs = " ".join(rest for word, rest in build if word == "RUN")
    assert "npm ci" in runs
    assert "scripts/vendor.sh" in runs
    assert "pybabel compile -d translations" in runs
    assert "rm -rf node_modules" in runs
    final_runs = " ".join(rest for word, rest in final if word == "RUN")
    assert "npm" not in final_runs and "nodejs" not in final_runs
    assert "postgresql-client-15" in final_runs  # pg_dump for backups


def test_the_image_runs_gunicorn_as_an_unprivileged_user_with_a_health_check():
    _build, final = stages()
    users = [rest for word, rest in final if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert [word for word, _ in final].index("USER") < [word for word, _ in final].index("CMD")
    (health,) = [rest for word, rest in final if word == "HEALTHCHECK"]
    assert "http://127.0.0.1:{port}/healthz" in health
    assert "os.environ.get('GUNICORN_BIND', ':8000')" in health  # the port gunicorn binds
    (cmd,) = [rest for word, rest in final if word == "CMD"]
    assert cmd == '["gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"]'
    assert not [rest for word, rest in final if word == "ENTRYPOINT"]


def test_no_secrets_demo_data_or_migrations_are_baked_in():
    for word, rest in instructions():
        if word in ("ENV", "ARG"):
            assert not re.search(r"SECRET|PASSWORD|TOKEN", rest, re.I), rest
        if word in ("RUN", "CMD", "ENTRYPOINT"):
            assert "db upgrade" not in rest
            assert "seed" not in rest
    ignored = (ROOT / ".dockerignore").read_text().split()
    for path in ("instance", ".venv", "node_modules", "seeds", ".env", "tests"):
        assert path in ignored
    copied = " ".join(rest for word, rest in instructions() if word == "COPY")
    assert "seeds" not in copied and "instance" not in copied


def test_hadolint_finds_nothing():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    done = subprocess.run(
        [hadolint, "--config", str(ROOT / ".hadolint.yaml"), str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_has_the_app_postgresql_the_scheduler_and_a_one_shot_migration():
    services = compose()["services"]
    assert services["db"]["image"] == "postgres:15"
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "pgdata" in compose()["volumes"]
    assert "command" not in services["app"]  # the image's gunicorn
    assert services["app"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["scheduler"]["command"] == ["flask", "schedule", "run"]
    assert services["scheduler"]["healthcheck"] == {"disable": True}
    assert services["migrate"]["command"] == ["flask", "db", "upgrade"]
    assert services["migrate"]["profiles"] == ["migrate"]  # not started by `up`
    assert services["app"]["environment"]["DATABASE_URL"].endswith("@db:5432/samenspel")


def test_compose_takes_every_secret_from_the_environment():
    services = compose()["services"]
    secrets = {
        "SAMENSPEL_SECRET_KEY": services["app"]["environment"]["SAMENSPEL_SECRET_KEY"],
        "POSTGRES_PASSWORD": services["db"]["environment"]["POSTGRES_PASSWORD"],
        "SAMENSPEL_SMTP_PASSWORD": services["app"]["environment"]["SAMENSPEL_SMTP_PASSWORD"],
        "SAMENSPEL_METRICS_TOKEN": services["app"]["environment"]["SAMENSPEL_METRICS_TOKEN"],
        "SAMENSPEL_SSO_KEY": services["app"]["environment"]["SAMENSPEL_SSO_KEY"],
    }
    for name, value in secrets.items():
        assert re.fullmatch(r"\$\{[A-Z_]+(:\?[^}]*|:-)\}", value), (name, value)
    assert "${SAMENSPEL_SECRET_KEY:?" in secrets["SAMENSPEL_SECRET_KEY"]  # required


def test_the_scheduled_commands_exist(app):
    from app.ops import schedule

    for entry in schedule.entries():
        group, name = entry.command[:2]
        assert name in app.cli.commands[group].commands, entry.command
    assert "run" in app.cli.commands["schedule"].commands


def test_a_gunicorn_worker_leaves_what_it_loaded_at_start_out_of_garbage_collection():
    import gc

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert gc.get_freeze_count() == 0
    try:
        settings["post_worker_init"](None)
        assert gc.get_freeze_count() > 1000  # the modules, the app, everything loaded
    finally:
        gc.unfreeze()


def test_gunicorn_workers_follow_the_benchmark_rule(monkeypatch, tmp_path):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["workers"] == max(2, len(os.sched_getaffinity(0)))
    # One sync worker per core, but never one alone (a slow request would hold up all).
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3})
    assert settings["default_workers"]() == 4
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0})
    assert settings["default_workers"]() == 2
    assert settings["accesslog"] is None
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 3

    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_123.db").write_bytes(b"old")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    settings["on_starting"](None)
    assert folder.is_dir() and not list(folder.iterdir())
