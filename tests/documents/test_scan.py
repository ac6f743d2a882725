"""scan_for_viruses against a real clamd, started here with a signature database of its own.

No freshclam: the database is written by the fixture and holds two signatures for the
EICAR test file, by MD5 and size (.hdb) and by a body pattern (.ndb)."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from app.documents.scan import CHUNK, ScanUnavailable, parse_reply, scan_for_viruses

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
STREAM_MAX = 1024 * 1024
STARTUP_SECONDS = 120


def clamd_binary() -> str:
    found = shutil.which("clamd", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    assert found, "clamd is missing: bash scripts/install-test-deps.sh installs clamav-daemon"
    return found


def answers(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(2)
            probe.connect(str(path))
            probe.sendall(b"zPING\0")
            return probe.recv(64).startswith(b"PONG")
    except OSError:
        return False


# Once per pytest worker: under xdist a worker may run this module's tests in several turns.
@pytest.fixture(scope="session")
def clamd_socket(tmp_path_factory):
    home = tmp_path_factory.mktemp("clamd")
    database = home / "db"
    database.mkdir()
    (database / "samenspel.hdb").write_text(
        f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:Samenspel.Test.EicarFile\n"  # noqa: S324
    )
    (database / "samenspel.ndb").write_text(
        f"Samenspel.Test.EicarBody:0:*:{b'EICAR-STANDARD-ANTIVIRUS-TEST-FILE'.hex()}\n"
    )
    path = home / "clamd.sock"
    assert len(str(path)) < 100, f"socket path too long for AF_UNIX: {path}"
    config = home / "clamd.conf"
    config.write_text(
        f"LocalSocket {path}\n"
        "Foreground yes\n"
        f"DatabaseDirectory {database}\n"
        f"TemporaryDirectory {home}\n"
        f"LogFile {home / 'clamd.log'}\n"
        f"StreamMaxLength {STREAM_MAX}\n"
        "Bytecode no\n"
        "SelfCheck 0\n"
        "MaxThreads 4\n"
    )
    process = subprocess.Popen(
        [clamd_binary(), "--config-file", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    while not answers(path):
        if process.poll() is not None:
            log = (home / "clamd.log").read_text() if (home / "clamd.log").exists() else ""
            pytest.fail(f"clamd stopped: {process.stderr.read().decode()} {log}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"clamd did not answer within {STARTUP_SECONDS} seconds")
        time.sleep(0.2)
    yield str(path)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_clean_data_is_clean(clamd_socket):
    assert scan_for_viruses(b"Notulen van het overleg, 12 maart.", clamd_socket) is None
    assert scan_for_viruses(b"", clamd_socket) is None
    assert scan_for_viruses(os.urandom(3 * CHUNK + 17), clamd_socket) is None


def test_eicar_is_found_by_name(clamd_socket):
    found = scan_for_viruses(EICAR, clamd_socket)
    assert found is not None and found.startswith("Samenspel.Test.Eicar")


def test_signature_across_chunk_boundaries_is_found(clamd_socket):
    """The pattern straddles the first 64 KiB chunk: the chunks form one stream."""
    data = b"a" * (CHUNK - 30) + EICAR + b"b" * (CHUNK * 2)
    assert scan_for_viruses(data, clamd_socket).startswith("Samenspel.Test.EicarBody")


def test_stream_over_clamd_limit_is_unavailable_not_clean(clamd_socket):
    with pytest.raises(ScanUnavailable, match="size limit"):
        scan_for_viruses(b"x" * (STREAM_MAX + CHUNK * 4), clamd_socket)
    # clamd still answers afterwards.
    assert scan_for_viruses(b"klein", clamd_socket) is None


def test_scans_in_parallel(clamd_socket):
    results: list[str | None] = []

    def scan(data: bytes) -> None:
        results.append(scan_for_viruses(data, clamd_socket))

    threads = [
        threading.Thread(target=scan, args=(EICAR if n % 2 else b"schoon %d" % n,))
        for n in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(result is None for result in results) == [False] * 3 + [True] * 3


def test_clamd_not_running_is_unavailable(tmp_path):
    with pytest.raises(ScanUnavailable, match="not reachable"):
        scan_for_viruses(EICAR, str(tmp_path / "missing.sock"))
    # A socket file nobody listens on any more.
    stale = tmp_path / "stale.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(stale))
    listener.close()
    with pytest.raises(ScanUnavailable):
        scan_for_viruses(b"data", str(stale))


def test_silent_server_times_out(tmp_path):
    """Something listens but never answers: the timeout makes it unavailable."""
    path = tmp_path / "silent.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(path))
        listener.listen(1)
        started = time.monotonic()
        with pytest.raises(ScanUnavailable, match="did not answer"):
            scan_for_viruses(b"data", str(path), timeout=0.5)
        assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [("stream: OK", None), ("stream: Win.Test.EICAR_HDB-1 FOUND", "Win.Test.EICAR_HDB-1")],
)
def test_parse_reply_verdicts(reply, verdict):
    assert parse_reply(reply) == verdict


@pytest.mark.parametrize(
    "reply",
    [
        "INSTREAM size limit exceeded. ERROR",
        "stream: Can't allocate memory ERROR",
        "UNKNOWN COMMAND",
        "",
        "stream:  FOUND",
        "stream: OKAY",
    ],
)
def test_parse_reply_errors_are_unavailable(reply):
    with pytest.raises(ScanUnavailable):
        parse_reply(reply)
