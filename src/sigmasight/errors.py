"""Domain errors raised by services and translated to user errors at the boundary."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A failure the caller can act on; `code` is stable, `message` is for people."""

    code = "ERROR"
    # Set on the rare refusal whose side effects must survive it (e.g. revoking stolen tokens);
    # every other error rolls the transaction back.
    commit_changes = False

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    @property
    def extensions(self) -> dict[str, Any]:
        """What GraphQL puts under `extensions` when this error reaches the top level."""
        return {"code": self.code, "field": self.field}


class NotFound(DomainError):
    code = "NOT_FOUND"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class Invalid(DomainError):
    code = "INVALID"


class Conflict(DomainError):
    code = "CONFLICT"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"
