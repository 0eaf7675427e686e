"""A stored file as a download hands it out, and the refusal of one not made yet."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StoredFile:
    content: bytes
    content_type: str
    filename: str  # safe ASCII, as it goes into Content-Disposition


class NotReady(Exception):
    """The file is not there yet (or will never be); the message says why."""
