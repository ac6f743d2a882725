"""S3Storage against a real S3 implementation (moto's server) listening on loopback."""

from __future__ import annotations

import socket
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from app.documents.s3 import S3Storage

BUCKET = "samenspel-documents"
CREDENTIALS = {"region": "eu-west-1", "access_key": "testing", "secret_key": "testing"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Once per pytest worker: under xdist a worker may run this module's tests in several turns.
@pytest.fixture(scope="session")
def endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3",
        endpoint_url=url,
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    yield url
    server.stop()


@pytest.fixture
def prefix():
    """A prefix of its own for every test, so tests never see each other's objects."""
    return f"test-{uuid.uuid4().hex}"


def storage(endpoint, prefix, **extra):
    return S3Storage(BUCKET, endpoint_url=endpoint, prefix=prefix, **CREDENTIALS, **extra)


def test_put_get_exists_delete(endpoint, prefix):
    store = storage(endpoint, prefix)
    data = bytes(range(256)) * 100
    assert not store.exists("2026/ab/document-1")
    store.put("2026/ab/document-1", data)
    assert store.exists("2026/ab/document-1")
    assert store.get("2026/ab/document-1") == data
    store.delete("2026/ab/document-1")
    assert not store.exists("2026/ab/document-1")
    with pytest.raises(KeyError):
        store.get("2026/ab/document-1")


def test_put_replaces_and_empty_object_is_kept(endpoint, prefix):
    store = storage(endpoint, prefix)
    store.put("a.bin", b"first")
    store.put("a.bin", b"second")
    assert store.get("a.bin") == b"second"
    store.put("empty.txt", b"")
    assert store.exists("empty.txt")
    assert store.get("empty.txt") == b""


def test_two_app_servers_share_files(endpoint, prefix):
    """Two instances, as on two app servers: what one writes the other reads and removes."""
    first = storage(endpoint, prefix)
    second = storage(endpoint, prefix)
    first.put("shared/minutes.pdf", b"%PDF-1.7 minutes")
    assert second.exists("shared/minutes.pdf")
    assert second.get("shared/minutes.pdf") == b"%PDF-1.7 minutes"
    second.delete("shared/minutes.pdf")
    assert not first.exists("shared/minutes.pdf")
    with pytest.raises(KeyError):
        first.get("shared/minutes.pdf")


def test_missing_keys(endpoint, prefix):
    store = storage(endpoint, prefix)
    assert not store.exists("nothing-here")
    with pytest.raises(KeyError) as raised:
        store.get("nothing-here")
    assert raised.value.args == ("nothing-here",)
    store.delete("nothing-here")  # idempotent
    store.put("once", b"x")
    store.delete("once")
    store.delete("once")
    assert not store.exists("once")


def test_prefixes_keep_stores_apart(endpoint, prefix):
    tenant_a = storage(endpoint, f"{prefix}-a")
    tenant_b = storage(endpoint, f"{prefix}-b/")
    tenant_a.put("doc", b"from a")
    assert not tenant_b.exists("doc")
    with pytest.raises(KeyError):
        tenant_b.get("doc")
    tenant_b.delete("doc")
    assert tenant_a.get("doc") == b"from a"
    tenant_b.put("doc", b"from b")
    assert tenant_a.get("doc") == b"from a"
    assert tenant_b.get("doc") == b"from b"
    # The object really lives under the prefix in the bucket.
    raw = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    assert raw.get_object(Bucket=BUCKET, Key=f"{prefix}-a/doc")["Body"].read() == b"from a"
    assert raw.get_object(Bucket=BUCKET, Key=f"{prefix}-b/doc")["Body"].read() == b"from b"


@pytest.mark.parametrize(
    "key",
    [
        "",
        "../secret",
        "a/../b",
        "..",
        "/etc/passwd",
        "a b",
        "naam\x00",
        "a\\b",
        "ré",
        "a//b",
        "dir/",
        "a\nb",
        "‮fdp.exe",
    ],
)
def test_unsafe_keys_are_refused_before_any_request(endpoint, prefix, key):
    store = storage(endpoint, prefix)
    for call in (store.get, store.delete, store.exists):
        with pytest.raises(ValueError):
            call(key)
    with pytest.raises(ValueError):
        store.put(key, b"data")


def test_unsafe_prefix_is_refused(endpoint):
    for bad in ("../up", "/abs", "a b"):
        with pytest.raises(ValueError):
            S3Storage(BUCKET, endpoint_url=endpoint, prefix=bad, **CREDENTIALS)


def test_missing_bucket_is_not_reported_as_missing_key(endpoint, prefix):
    """Only a missing object means KeyError; a wrong bucket is a configuration error."""
    store = S3Storage("no-such-bucket", endpoint_url=endpoint, prefix=prefix, **CREDENTIALS)
    with pytest.raises(ClientError) as raised:
        store.get("doc")
    assert raised.value.response["Error"]["Code"] == "NoSuchBucket"
    with pytest.raises(ClientError):
        store.put("doc", b"x")
