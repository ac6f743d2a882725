"""Document storage in an S3-compatible object store, shared by every app server.

The same small interface as the local storage (put, get, delete, exists), so the documents
feature does not care where the bytes live. Keys are made by the app, never by users; they
are still checked, so that a mistake can never reach outside the configured prefix."""

from __future__ import annotations

import re

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

KEY = re.compile(r"[A-Za-z0-9/_.\-]+")
# GET answers NoSuchKey; HEAD has no body, so only its status code "404" is known.
MISSING = {"404", "NoSuchKey", "NotFound"}


def check_key(key: str) -> str:
    """The key itself when it is a safe relative name; ValueError otherwise."""
    if (
        not isinstance(key, str)
        or not KEY.fullmatch(key)
        or key.startswith("/")
        or ".." in key
        or "//" in key
        or key.endswith("/")
    ):
        raise ValueError(f"Invalid storage key: {key!r}")
    return key


class S3Storage:
    """Objects in one bucket, under an optional prefix ("samenspel/" keeps them apart)."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        prefix: str = "",
    ) -> None:
        if prefix:
            check_key(prefix.rstrip("/"))
            prefix = prefix.rstrip("/") + "/"
        self.bucket = bucket
        self.prefix = prefix
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=Config(
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=bytes(data))

    def get(self, key: str) -> bytes:
        """The stored bytes; KeyError when there is no such object."""
        name = self._name(key)
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            if _missing(error):
                raise KeyError(key) from None
            raise
        body = answer["Body"]
        try:
            return body.read()
        finally:
            body.close()

    def delete(self, key: str) -> None:
        """Remove the object; removing one that is not there is not an error."""
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def exists(self, key: str) -> bool:
        """Whether the object is there (HEAD cannot tell a missing bucket apart: False too)."""
        name = self._name(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            if _missing(error):
                return False
            raise
        return True


def _missing(error: ClientError) -> bool:
    """A missing object (not a missing bucket, refused access or outage)."""
    return str(error.response.get("Error", {}).get("Code", "")) in MISSING
