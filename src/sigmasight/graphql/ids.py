"""Relay global ids: base64 of `TypeName:uuid`."""

from __future__ import annotations

import base64
import binascii
import uuid

import strawberry

from sigmasight.errors import NotFound


def to_global_id(type_name: str, object_id: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{object_id}".encode()).decode())


def from_global_id(global_id: str) -> tuple[str, uuid.UUID] | None:
    """(type name, uuid) for a well-formed global id, else None."""
    try:
        type_name, _, raw = base64.urlsafe_b64decode(global_id.encode()).decode().partition(":")
        return type_name, uuid.UUID(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def parse_id(value: str, type_name: str) -> uuid.UUID | None:
    """The uuid behind a global id of `type_name` (or a bare uuid); None for anything else.

    Callers answer None exactly as they answer an unknown id, so a malformed id, another type's id
    and another user's id all look the same from outside.
    """
    decoded = from_global_id(value)
    if decoded is not None:
        return decoded[1] if decoded[0] == type_name else None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def require_id(value: str, type_name: str, *, field: str = "id") -> uuid.UUID:
    """The uuid behind an id of `type_name`, or NotFound worded as for a missing object."""
    object_id = parse_id(value, type_name)
    if object_id is None:
        raise NotFound(f"{type_name} not found.", field=field)
    return object_id
