"""A document is parsed and validated once; an invalid one is refused every time."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.schema import schema as strawberry_schema

from tests.conftest import SignedIn
from tests.documents import PORTFOLIOS


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The documents the schema validates from now on."""
    seen: list[str] = []
    validate = strawberry_schema.validate_document

    def counting(schema: Any, document: Any, rules: Any) -> Any:
        seen.append(document.loc.source.body)
        return validate(schema, document, rules)

    monkeypatch.setattr(strawberry_schema, "validate_document", counting)
    return seen


async def test_a_repeated_document_is_validated_once(
    alice: SignedIn, validations: list[str]
) -> None:
    # when: the same document three times, as a dashboard refresh sends it
    for _ in range(3):
        await alice.api.gql(PORTFOLIOS)
    # then: at most once (an earlier test may already have had it validated)
    assert validations.count(PORTFOLIOS) <= 1


async def test_a_document_past_the_depth_limit_is_refused_every_time(
    alice: SignedIn, validations: list[str]
) -> None:
    # given
    nest = "id"
    for _ in range(8):
        nest = f"portfolio {{ positions {{ edges {{ node {{ {nest} }} }} }} }}"
    document = f'query {{ position(id: "x") {{ {nest} }} }}'
    # when
    bodies = [await alice.api.raw(document) for _ in range(3)]
    # then: refusals are never remembered as passes
    for body in bodies:
        assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    assert validations.count(document) == 3


async def test_a_remembered_document_still_checks_new_variables(alice: SignedIn) -> None:
    # given: a document that passed with harmless variables
    document = "query Page($after: String) { portfolios(after: $after) { totalCount } }"
    assert not (await alice.api.raw(document, {"after": None})).get("errors")
    # when: the same document with a NUL in its variables
    body = await alice.api.raw(document, {"after": "abc\u0000"})
    # then: the variables were checked, not the earlier pass reused
    assert body.get("data") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_CHARACTERS"]
