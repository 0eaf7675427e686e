"""User errors returned inside mutation results, and the rule for masking the rest."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from sigmasight.errors import Conflict, DomainError, NotFound, Unauthenticated
from sigmasight.graphql.import_report import ImportReport, ImportRowError, to_report, to_row_errors
from sigmasight.marketdata.service import PriceFileRejected
from sigmasight.portfolios.imports import ImportRejected


@strawberry.interface(description="A problem with the request that the user can fix.")
class UserError:
    field: str | None = strawberry.field(
        description="The input field at fault, in camelCase, or null when it is the whole request."
    )
    code: str = strawberry.field(description="A stable machine-readable code, e.g. `TOO_LONG`.")
    message: str = strawberry.field(description="A human-readable explanation.")


@strawberry.type(description="The input was refused: wrong shape, out of range or inconsistent.")
class ValidationError(UserError):
    pass


@strawberry.type(description="The object does not exist or is not yours.")
class NotFoundError(UserError):
    pass


@strawberry.type(description="The change clashes with existing data, e.g. a duplicate name.")
class ConflictError(UserError):
    pass


@strawberry.type(description="Credentials or token were refused.")
class AuthenticationError(UserError):
    pass


@strawberry.type(
    description="The CSV has errors and nothing was imported; every bad row is listed."
)
class ImportRejectedError(UserError):
    row_errors: list[ImportRowError] = strawberry.field(
        description="Each problem, by row and column."
    )
    report: ImportReport = strawberry.field(description="What the import would have done.")


@strawberry.type(description="The price file has errors and nothing was stored.")
class PriceFileRejectedError(UserError):
    row_errors: list[ImportRowError] = strawberry.field(
        description="Each problem by row (header = row 1) and column."
    )


UserErrorType = (
    ValidationError
    | NotFoundError
    | ConflictError
    | AuthenticationError
    | ImportRejectedError
    | PriceFileRejectedError
)


def to_user_error(error: DomainError) -> UserErrorType:
    """The GraphQL user error for a domain error."""
    if isinstance(error, ImportRejected):
        report = to_report(error.report)
        return ImportRejectedError(
            field=error.field,
            code=error.code,
            message=error.message,
            row_errors=report.errors,
            report=report,
        )
    if isinstance(error, PriceFileRejected):
        return PriceFileRejectedError(
            field=error.field,
            code=error.code,
            message=error.message,
            row_errors=to_row_errors(error.errors),
        )
    kind: type[ValidationError | NotFoundError | ConflictError | AuthenticationError]
    if isinstance(error, NotFound):
        kind = NotFoundError
    elif isinstance(error, Conflict):
        kind = ConflictError
    elif isinstance(error, Unauthenticated):
        kind = AuthenticationError
    else:
        kind = ValidationError
    return kind(field=error.field, code=error.code, message=error.message)


def is_internal(error: GraphQLError) -> bool:
    """True for errors whose text could leak internals; those are masked outside development."""
    original = error.original_error
    # GraphQL's own errors (parse, validation, variable coercion) describe the request, not us.
    return original is not None and not isinstance(original, DomainError | GraphQLError)
