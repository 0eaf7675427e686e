"""Adds the caller and the GraphQL operation to the request's log lines."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from sigmasight import logs


class OperationLogFields(SchemaExtension):
    """Binds `user_id` and `operation` (the operation's name, as sent or as named in the
    document) for the access log line and every line logged after the operation."""

    def on_operation(self) -> Iterator[None]:
        yield
        execution = self.execution_context
        actor = getattr(execution.context, "actor", None)
        try:
            operation = execution.operation_name
        except Exception:  # a document that did not parse names no operation
            operation = None
        logs.bind(user_id=str(actor.user_id) if actor else None, operation=operation)
