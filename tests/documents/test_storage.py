"""LocalStorage keeps files under its root; storage_for picks S3 only when configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.documents.s3 import S3Storage
from app.documents.storage import LocalStorage, new_key, storage_for


def test_local_storage_round_trip(tmp_path):
    storage = LocalStorage(tmp_path / "documents")
    key = new_key()
    assert not storage.exists(key)
    storage.put(key, b"covenant")
    assert storage.exists(key)
    assert storage.get(key) == b"covenant"
    assert (tmp_path / "documents" / key).read_bytes() == b"covenant"
    storage.put(key, b"second")
    assert storage.get(key) == b"second"
    storage.delete(key)
    assert not storage.exists(key)
    storage.delete(key)  # deleting twice is harmless
    # No temporary files are left behind next to the stored ones.
    assert [p.name for p in (tmp_path / "documents").rglob(".upload-*")] == []


def test_keys_are_fresh_and_split_into_folders():
    keys = {new_key() for _ in range(50)}
    assert len(keys) == 50
    for key in keys:
        first, second, name = key.split("/")
        assert name.startswith(first + second) and len(name) == 32


@pytest.mark.parametrize(
    "key", ["../outside", "/etc/passwd", "a/../../b", "a//b", "a/", "", "naam met spatie"]
)
def test_local_storage_refuses_keys_outside_its_root(tmp_path, key):
    storage = LocalStorage(tmp_path / "documents")
    with pytest.raises(ValueError):
        storage.put(key, b"x")
    assert not (tmp_path / "outside").exists()
    assert list(tmp_path.rglob("*")) == []


def test_storage_for_uses_the_stored_files_folder_by_default(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SAMENSPEL_FILES_DIR", "")
    monkeypatch.delenv("SAMENSPEL_FILES_DIR", raising=False)
    storage = storage_for(app)
    assert isinstance(storage, LocalStorage)
    assert storage.root == Path(app.instance_path, "files", "documents").resolve()
    monkeypatch.setitem(app.config, "SAMENSPEL_FILES_DIR", str(tmp_path / "files"))
    assert storage_for(app).root == (tmp_path / "files" / "documents").resolve()


def test_storage_for_uses_s3_when_a_bucket_is_configured(app, monkeypatch):
    monkeypatch.setitem(app.config, "SAMENSPEL_S3_BUCKET", "samenspel-documents")
    monkeypatch.setitem(app.config, "SAMENSPEL_S3_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setitem(app.config, "SAMENSPEL_S3_REGION", "eu-west-1")
    monkeypatch.setitem(app.config, "SAMENSPEL_S3_PREFIX", "samenspel")
    storage = storage_for(app)
    assert isinstance(storage, S3Storage)
    assert storage.bucket == "samenspel-documents"
    assert storage.prefix == "samenspel/"
