"""Where document bytes live: one small interface, local files by default, S3 when configured.

Keys are made by the app (`new_key()`), never derived from user input; both storages still
check every key, so that a mistake cannot reach outside their root or prefix."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path
from typing import Protocol

from app.documents.s3 import S3Storage, check_key
from app.ops.backup import files_dir


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


def new_key() -> str:
    """A fresh key: a random uuid split into two folder levels ("ab/cd/abcd…")."""
    name = uuid.uuid4().hex
    return f"{name[:2]}/{name[2:4]}/{name}"


class LocalStorage:
    """Files under one folder (by default `<instance>/files/documents`, part of backups)."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root).resolve()

    def path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root not in path.parents:
            raise ValueError(f"Invalid storage key: {key!r}")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written next to the target and renamed, so a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()


def storage_for(app) -> Storage:
    """S3 when SAMENSPEL_S3_BUCKET is configured, otherwise files under the instance folder."""
    config = app.config
    bucket = config.get("SAMENSPEL_S3_BUCKET")
    if bucket:
        return S3Storage(
            bucket,
            endpoint_url=config.get("SAMENSPEL_S3_ENDPOINT") or None,
            region=config.get("SAMENSPEL_S3_REGION") or None,
            access_key=config.get("SAMENSPEL_S3_ACCESS_KEY") or None,
            secret_key=config.get("SAMENSPEL_S3_SECRET_KEY") or None,
            prefix=config.get("SAMENSPEL_S3_PREFIX", ""),
        )
    # Inside the stored files folder, so that `flask backup create` includes the documents.
    return LocalStorage(files_dir(app) / "documents")
