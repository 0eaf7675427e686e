"""Names of the files users download."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime


def stem(kind: str, name: str | None, now: datetime) -> str:
    """`kind-name-YYYYMMDD-HHMMSS` (UTC), the name cut to safe ASCII: a filename any client and
    any `Content-Disposition` header take as it is."""
    ascii_name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()[:60].strip("-")
    stamp = f"{now.astimezone(UTC):%Y%m%d-%H%M%S}"
    return "-".join(part for part in (kind, slug, stamp) if part)
