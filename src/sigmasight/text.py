"""Text rules shared by every layer: one case-insensitive key, and which characters are refused."""

from __future__ import annotations

import unicodedata

# Line breaks and tabs are ordinary in free text (notes, CSV cells); every other control
# character (NUL included) is refused wherever a user's text enters.
ALLOWED_CONTROLS = frozenset("\t\n\r")


def fold(value: str) -> str:
    """The key two names compare equal by, ignoring case and compatibility forms.

    NFKC then casefold, so a capital and small Greek sigma, or full-width and ASCII letters,
    share one key.
    Uniqueness is enforced on this key as stored, so Python and PostgreSQL can never disagree.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())


def has_control_characters(value: str) -> bool:
    """True when `value` holds a control character other than a tab or line break."""
    return any(unicodedata.category(ch) == "Cc" and ch not in ALLOWED_CONTROLS for ch in value)
