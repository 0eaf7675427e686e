"""Where report files are kept: a local folder, or an S3-compatible bucket shared by several
API machines. The database row holds the key; the store holds the bytes."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sigmasight.settings import Settings

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

# Keys are made by the report service (`<report id>.<extension>`); anything else is refused, so
# no key can reach outside the folder or the prefix.
_KEY = re.compile(r"^[0-9a-f]{32}\.(pdf|html)$")


class ReportStore(Protocol):
    async def put(self, key: str, content: bytes, *, content_type: str) -> None:
        """Store `content` under `key`, replacing what was there."""

    async def get(self, key: str) -> bytes | None:
        """The bytes under `key`, or None when there are none."""

    async def delete(self, key: str) -> None:
        """Remove `key` if present."""


def _checked(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a report key: {key!r}")
    return key


class LocalFolderStore:
    """Files in one folder on this machine (the API and the worker must share it)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    async def put(self, key: str, content: bytes, *, content_type: str) -> None:
        await asyncio.to_thread(self._write, self.root / _checked(key), content)

    async def get(self, key: str) -> bytes | None:
        path = self.root / _checked(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    async def delete(self, key: str) -> None:
        (self.root / _checked(key)).unlink(missing_ok=True)

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        # Written aside and renamed, so a download never sees half a file.
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(content)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class S3Store:
    """Objects under a prefix in an S3-compatible bucket; boto3 is synchronous, so each call
    runs in a thread."""

    def __init__(self, client: S3Client, bucket: str, prefix: str) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    async def put(self, key: str, content: bytes, *, content_type: str) -> None:
        await asyncio.to_thread(
            self.client.put_object,
            Bucket=self.bucket,
            Key=self.prefix + _checked(key),
            Body=content,
            ContentType=content_type,
        )

    async def get(self, key: str) -> bytes | None:
        name = self.prefix + _checked(key)

        def read() -> bytes | None:
            try:
                found = self.client.get_object(Bucket=self.bucket, Key=name)
            except self.client.exceptions.NoSuchKey:
                return None
            body: bytes = found["Body"].read()
            return body

        return await asyncio.to_thread(read)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(
            self.client.delete_object, Bucket=self.bucket, Key=self.prefix + _checked(key)
        )


def report_store(settings: Settings) -> ReportStore:
    """The store the settings choose (one per process and configuration)."""
    if settings.report_storage == "s3":
        return _s3_store(
            settings.report_s3_bucket or "",
            settings.report_s3_prefix,
            settings.report_s3_endpoint_url,
            settings.report_s3_region,
            settings.report_s3_access_key_id,
            settings.report_s3_secret_access_key.get_secret_value()
            if settings.report_s3_secret_access_key
            else None,
        )
    return LocalFolderStore(settings.report_folder)


@cache
def _s3_store(
    bucket: str,
    prefix: str,
    endpoint_url: str | None,
    region: str | None,
    access_key_id: str | None,
    secret_access_key: str | None,
) -> S3Store:
    # boto3 clients are thread-safe and costly to build: one per configuration.
    import boto3
    from botocore.config import Config

    options: dict[str, Any] = {
        "endpoint_url": endpoint_url,
        "region_name": region,
        "config": Config(connect_timeout=5, read_timeout=60, retries={"max_attempts": 3}),
    }
    if access_key_id and secret_access_key:
        options["aws_access_key_id"] = access_key_id
        options["aws_secret_access_key"] = secret_access_key
    return S3Store(boto3.client("s3", **options), bucket, prefix)
