"""What every operation respects before it runs: size limits, clean text, a chosen operation."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from sigmasight.graphql.argument_text import control_characters_rule
from sigmasight.graphql.document_limits import DocumentLimits, document_limits_rule


class QueryConduct(SchemaExtension):
    """Adds the depth/alias/cost and control-character rules to validation, with the request's
    variables at hand, and requires `operationName` when a document holds several operations."""

    def __init__(self, *, limits: DocumentLimits) -> None:
        self.limits = limits

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        variables = context.variables or {}
        context.validation_rules = (
            *context.validation_rules,
            document_limits_rule(self.limits, variables),
            control_characters_rule(variables),
        )
        yield

    def on_parse(self) -> Iterator[None]:
        yield
        context = self.execution_context
        document = context.graphql_document
        # strawberry keeps the name the client sent apart from the one it falls back to (the
        # first operation's); only the former says which operation the client chose.
        if document is None or context._provided_operation_name is not None:
            return
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) > 1:
            # The GraphQL spec ("GetOperation"): with several operations a name must be given;
            # running the first one would let a client be surprised by which one ran.
            # Set before validation, this answers the request without running anything.
            context.pre_execution_errors = [
                GraphQLError(
                    "Must provide operationName if the document contains several operations.",
                    extensions={"code": "OPERATION_NAME_REQUIRED"},
                )
            ]
