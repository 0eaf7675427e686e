from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
)

from sigmasight.errors import NotFound
from sigmasight.graphql.errors import is_internal
from sigmasight.graphql.schema import create_schema, schema_sdl
from tests.conftest import Api, SignedIn

ROOT = Path(__file__).resolve().parents[1]


def test_committed_schema_matches_the_code() -> None:
    # when
    committed = (ROOT / "schema.graphql").read_text()
    # then
    assert committed == schema_sdl(), (
        "schema.graphql is stale: run `uv run sigmasight export-schema`"
    )


def test_every_type_field_and_argument_has_a_description() -> None:
    # given
    schema = create_schema()._schema
    missing: list[str] = []
    # when
    for name, kind in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Boolean", "Int", "Float", "ID"}:
            continue
        if not kind.description:  # type: ignore[union-attr]
            missing.append(name)
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in kind.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        assert isinstance(kind, GraphQLEnumType | GraphQLUnionType) or kind is not None
    # then
    assert missing == []


async def test_deeply_nested_queries_are_refused(alice: SignedIn) -> None:
    # given: position -> portfolio -> positions -> ... past the depth limit
    nest = "id"
    for _ in range(8):
        nest = f"portfolio {{ positions {{ edges {{ node {{ {nest} }} }} }} }}"
    # when
    body = await alice.api.raw(f'query {{ position(id: "x") {{ {nest} }} }}')
    # then
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_too_many_aliases_are_refused(alice: SignedIn) -> None:
    # given
    aliases = " ".join(f"a{i}: me {{ id }}" for i in range(40))
    # when
    body = await alice.api.raw(f"query {{ {aliases} }}")
    # then
    assert "aliases" in body["errors"][0]["message"]


async def test_oversized_documents_are_refused(api: Api) -> None:
    # given
    fields = " ".join("__typename" for _ in range(3000))
    # when
    body = await api.raw(f"query {{ {fields} }}")
    # then
    assert "token" in body["errors"][0]["message"].lower()


def test_internal_errors_are_masked_and_user_facing_ones_are_not() -> None:
    # given
    bug = GraphQLError("boom", original_error=ZeroDivisionError("secret detail"))
    domain = GraphQLError("Portfolio not found.", original_error=NotFound("Portfolio not found."))
    syntax = GraphQLError("Syntax Error: Unexpected Name")
    # then
    assert is_internal(bug)
    assert not is_internal(domain)
    assert not is_internal(syntax)
