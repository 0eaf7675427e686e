"""Which passwords are refused beyond their length: common ones, and the account's own email."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from sigmasight.errors import Invalid
from sigmasight.text import fold

# "summer2024!", "password123456": a listed word dressed with a suffix is no stronger.
_DECORATION = re.compile(r"[\W\d_]+$")


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of the most common passwords, folded; read once per process."""
    text = resources.files("sigmasight.auth").joinpath("data/common-passwords.txt").read_text()
    return frozenset(
        fold(line.strip()) for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def _is_common(password: str) -> bool:
    folded = fold(password)
    listed = common_passwords()
    if folded in listed or _DECORATION.sub("", folded) in listed:
        return True
    return len(set(folded)) <= 2  # "aaaaaaaaaa", "ababababab"


def check(password: str, *, email: str) -> None:
    """Refuse a password that is common or that is the email address (or its local part)."""
    folded = fold(password).strip()
    local = fold(email).rpartition("@")[0]
    if folded in {fold(email), local} or (local and _DECORATION.sub("", folded) == local):
        raise Invalid(
            "Password must not be your email address.", field="password", code="PASSWORD_IS_EMAIL"
        )
    if _is_common(password):
        raise Invalid(
            "This password is among the most commonly used; choose another.",
            field="password",
            code="PASSWORD_TOO_COMMON",
        )
