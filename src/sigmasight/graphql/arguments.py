"""Described argument types shared by resolvers (GraphiQL shows these descriptions)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from sigmasight.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

First = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page forwards: at most this many items (0-{MAX_PAGE_SIZE}, "
        f"default {DEFAULT_PAGE_SIZE})."
    ),
]
After = Annotated[
    str | None, strawberry.argument(description="Start after this cursor (from `pageInfo`).")
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page backwards: at most this many items (0-{MAX_PAGE_SIZE})."
    ),
]
Before = Annotated[str | None, strawberry.argument(description="End before this cursor.")]


def id_argument(what: str) -> object:
    """An `id` argument described as naming `what`."""
    return strawberry.argument(description=f"Global id of the {what}.")


Input = strawberry.argument(description="The values to apply.")


def result_union(name: str) -> object:
    """The union annotation for a mutation's result type `<Mutation>Result`."""
    mutation = name[0].lower() + name[1 : -len("Result")]
    return strawberry.union(
        name, description=f"Outcome of `{mutation}`: its success type or a user error."
    )
