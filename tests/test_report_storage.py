"""Report stores: a local folder, and an S3-compatible bucket served by a real S3 server
(moto's, over HTTP on loopback) through the same boto3 client production uses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from types_boto3_s3 import S3Client

from sigmasight.reports.storage import LocalFolderStore, ReportStore, report_store
from sigmasight.settings import Environment, Settings
from tests.live_server import free_port

KEY = "0123456789abcdef0123456789abcdef.pdf"
BUCKET = "committee-reports"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    _client(endpoint).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def _client(endpoint: str) -> S3Client:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )


def _s3_settings(endpoint: str) -> Settings:
    return Settings(
        environment=Environment.TEST,
        report_storage="s3",
        report_s3_bucket=BUCKET,
        report_s3_endpoint_url=endpoint,
        report_s3_region="us-east-1",
        report_s3_access_key_id="test-key",
        report_s3_secret_access_key="test-secret",  # type: ignore[arg-type]  # str → SecretStr
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def s3_store(s3_endpoint: str) -> ReportStore:
    return report_store(_s3_settings(s3_endpoint))


@pytest.fixture
def folder_store(tmp_path: Path) -> ReportStore:
    return LocalFolderStore(tmp_path / "reports")


@pytest.fixture(params=["folder_store", "s3_store"])
def store(request: pytest.FixtureRequest) -> ReportStore:
    found: ReportStore = request.getfixturevalue(request.param)
    return found


async def test_a_stored_file_reads_back_byte_for_byte(store: ReportStore) -> None:
    # given
    content = b"%PDF-1.4\n" + bytes(range(256)) * 100
    # when
    await store.put(KEY, content, content_type="application/pdf")
    # then
    assert await store.get(KEY) == content


async def test_a_file_stored_again_replaces_the_first(store: ReportStore) -> None:
    # given
    await store.put(KEY, b"first", content_type="application/pdf")
    # when
    await store.put(KEY, b"second", content_type="application/pdf")
    # then
    assert await store.get(KEY) == b"second"


async def test_a_deleted_or_unknown_file_reads_as_none(store: ReportStore) -> None:
    # given
    await store.put(KEY, b"gone soon", content_type="application/pdf")
    # when
    await store.delete(KEY)
    # then
    assert await store.get(KEY) is None
    assert await store.get("fedcba9876543210fedcba9876543210.html") is None


@pytest.mark.parametrize(
    "key", ["../../etc/passwd", "a.pdf", "0123456789abcdef0123456789abcdef.exe"]
)
async def test_a_key_the_service_would_not_make_is_refused(store: ReportStore, key: str) -> None:
    # when / then
    with pytest.raises(ValueError, match="not a report key"):
        await store.put(key, b"x", content_type="application/pdf")


async def test_s3_objects_live_under_the_prefix_with_their_content_type(
    s3_store: ReportStore, s3_endpoint: str
) -> None:
    # when
    await s3_store.put(KEY, b"<html></html>", content_type="text/html; charset=utf-8")
    # then
    found = _client(s3_endpoint).get_object(Bucket=BUCKET, Key=f"reports/{KEY}")
    assert found["ContentType"] == "text/html; charset=utf-8"


def test_s3_storage_without_a_bucket_is_refused_at_start_up() -> None:
    # when / then
    with pytest.raises(ValueError, match="REPORT_S3_BUCKET"):
        Settings(environment=Environment.TEST, report_storage="s3", _env_file=None)  # type: ignore[call-arg]


def test_local_reports_default_to_the_data_folder(tmp_path: Path) -> None:
    # when
    settings = Settings(environment=Environment.TEST, data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    store = report_store(settings)
    # then
    assert isinstance(store, LocalFolderStore) and store.root == tmp_path / "reports"
