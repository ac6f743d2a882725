"""Uploads kept between preview and apply: bound to their person, partnership and kind,
and removed after a day when never applied."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from app.errors import ServiceError
from app.imports import services


def test_an_upload_is_read_back_only_by_its_owner(app, ctx):
    token = services.store_upload(b"Titel\nx\n", "../../lijst.csv", "risks", 1, 2)
    assert services.load_upload(token, "risks", 1, 2) == (b"Titel\nx\n", "lijst.csv")
    for kind, user, partnership in (("agreements", 1, 2), ("risks", 3, 2), ("risks", 1, 3)):
        with pytest.raises(ServiceError):
            services.load_upload(token, kind, user, partnership)
    stored = Path(app.instance_path) / "imports" / f"{token}.bin"
    stored.write_bytes(b"Titel\nanders\n")  # changed on disk: the hash no longer matches
    with pytest.raises(ServiceError):
        services.load_upload(token, "risks", 1, 2)


def test_uploads_never_applied_are_removed_after_a_day(app, ctx):
    old = services.store_upload(b"a", "a.csv", "risks", 1, 2)
    folder = Path(app.instance_path) / "imports"
    day_ago = time.time() - services.KEEP_SECONDS - 60
    for suffix in (".bin", ".json"):
        os.utime(folder / f"{old}{suffix}", (day_ago, day_ago))
    new = services.store_upload(b"b", "b.csv", "risks", 1, 2)
    assert not (folder / f"{old}.bin").exists() and not (folder / f"{old}.json").exists()
    assert services.load_upload(new, "risks", 1, 2)[0] == b"b"
