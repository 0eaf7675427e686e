"""What makes an email address acceptable, and the one key two addresses compare equal by."""

from __future__ import annotations

import re
import unicodedata

from sigmasight.errors import Invalid
from sigmasight.text import fold, has_control_characters

MAX_EMAIL_LENGTH = 254
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Scripts that are written together in one language, so mixing them is not a disguise.
_SCRIPT_FAMILIES = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "CJK"}


def _script(ch: str) -> str | None:
    """The script of a letter, from its Unicode name (LATIN, CYRILLIC, GREEK, CJK ...)."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    script = name.split(" ", 1)[0] if name else "UNKNOWN"
    return _SCRIPT_FAMILIES.get(script, script)


def _mixes_scripts(part: str) -> bool:
    return len({s for s in map(_script, part) if s is not None}) > 1


def normalise(email: str) -> str:
    """The address as stored: NFKC, trimmed, lower case."""
    return unicodedata.normalize("NFKC", email.strip()).lower()


def key(email: str) -> str:
    """The case-insensitive key unique per account (`sigmasight.text.fold` of the address)."""
    return fold(normalise(email))


def validate(email: str) -> None:
    """Refuse malformed addresses and lookalikes: invisible characters, and a local part or
    domain label that mixes scripts (a Cyrillic letter inside a Latin name)."""
    if not email or len(email) > MAX_EMAIL_LENGTH or not _EMAIL.match(email):
        raise Invalid("Enter a valid email address.", field="email", code="INVALID_EMAIL")
    if has_control_characters(email) or any(unicodedata.category(c) == "Cf" for c in email):
        raise Invalid(
            "Email address holds invisible characters.", field="email", code="INVALID_EMAIL"
        )
    local, _, domain = email.rpartition("@")
    if _mixes_scripts(local) or any(_mixes_scripts(label) for label in domain.split(".")):
        raise Invalid(
            "Email address mixes alphabets (e.g. Latin and Cyrillic letters).",
            field="email",
            code="INVALID_EMAIL",
        )
