"""Ownership rules in one place: which rows an actor may see and change."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import InstrumentedAttribute

from sigmasight.auth.actor import Actor


def visible_to(actor: Actor, owner_column: InstrumentedAttribute[uuid.UUID]) -> ColumnElement[bool]:
    """A WHERE clause limiting rows to the actor's own; admins see every row."""
    if actor.is_admin:
        return true()
    return owner_column == actor.user_id
