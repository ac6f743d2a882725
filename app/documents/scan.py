"""Virus scan of an upload by clamd, over its Unix socket (the INSTREAM command).

Optional: the documents feature calls it only when a clamd socket is configured. The bytes
are streamed in chunks, each preceded by its length as four big-endian bytes, and closed by
a chunk of length zero; clamd answers "stream: OK" or "stream: <name> FOUND". Everything
else (no clamd, a timeout, an answer such as "INSTREAM size limit exceeded. ERROR") raises
ScanUnavailable: the caller decides whether to refuse the upload then, it is never clean."""

from __future__ import annotations

import socket
import struct

CHUNK = 64 * 1024
MAX_REPLY = 4096


class ScanUnavailable(Exception):
    """clamd could not give a verdict: not running, too slow, or it reported an error."""


def scan_for_viruses(data: bytes, socket_path: str, *, timeout: float = 10.0) -> str | None:
    """None when clamd finds nothing, else the name of what it found."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(timeout)
            connection.connect(socket_path)
            reply = _instream(connection, memoryview(bytes(data)))
    except TimeoutError as error:
        raise ScanUnavailable(f"clamd did not answer within {timeout} seconds") from error
    except OSError as error:
        raise ScanUnavailable(f"clamd is not reachable at {socket_path}: {error}") from error
    return parse_reply(reply)


def _instream(connection: socket.socket, data: memoryview) -> str:
    connection.sendall(b"zINSTREAM\0")
    try:
        for start in range(0, len(data), CHUNK):
            chunk = data[start : start + CHUNK]
            connection.sendall(struct.pack(">I", len(chunk)) + chunk)
        connection.sendall(struct.pack(">I", 0))
    except (BrokenPipeError, ConnectionResetError):
        # clamd stops reading when the stream exceeds its StreamMaxLength and says why.
        pass
    return _read_reply(connection)


def _read_reply(connection: socket.socket) -> str:
    received = b""
    while b"\0" not in received and len(received) < MAX_REPLY:
        try:
            part = connection.recv(MAX_REPLY)
        except ConnectionResetError:
            break
        if not part:
            break
        received += part
    return received.split(b"\0", 1)[0].decode("utf-8", errors="replace").strip()


def parse_reply(reply: str) -> str | None:
    """The verdict in clamd's answer to INSTREAM; ScanUnavailable for anything else."""
    if reply == "stream: OK":
        return None
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        name = reply[len("stream: ") : -len(" FOUND")].strip()
        if name:
            return name
    raise ScanUnavailable(f"clamd answered: {reply or '(nothing)'}")
