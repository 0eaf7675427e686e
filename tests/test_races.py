"""Concurrent requests that race for one name, one position or one limit end in typed errors."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from starlette.applications import Starlette

from sigmasight.graphql.ids import parse_id
from sigmasight.portfolios.models import Portfolio, Position, Tag
from tests.conftest import SignedIn
from tests.documents import (
    ADD_POSITION,
    CLOSE_POSITION,
    CREATE_PORTFOLIO,
    CREATE_TAG,
    SET_POSITION_TAGS,
    UPDATE_TAG,
)
from tests.helpers import add_position, create_portfolio, create_tag, days_ago

IMPORT = """
mutation Import($input: ImportPositionsInput!) {
  importPositions(input: $input) {
    __typename
    ... on ImportPositionsSuccess { report { created deleted tagsCreated } }
    ... on UserError { field code message }
  }
}
"""
HEADER = "ticker,quantity,entry_price,entry_date,tags\n"


def _outcomes(results: list[dict[str, Any]], field: str) -> Counter[tuple[str, str | None]]:
    """How many answers of each (typename, code); a top-level error counts as its message."""
    seen: Counter[tuple[str, str | None]] = Counter()
    for body in results:
        if body.get("errors"):
            seen[("error", body["errors"][0]["message"])] += 1
        else:
            answer = body["data"][field]
            seen[(answer["__typename"], answer.get("code"))] += 1
    return seen


async def _at_once(user: SignedIn, document: str, variables: list[dict[str, Any]]) -> list[Any]:
    return list(await asyncio.gather(*(user.api.raw(document, v) for v in variables)))


async def _user_id(app: Starlette, email: str) -> Any:
    from sigmasight.auth.models import User

    async with app.state.engine.connect() as conn:
        return await conn.scalar(select(User.id).where(User.email == email))


async def test_concurrent_adds_of_one_position_open_it_once(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    draft = {
        "portfolioId": portfolio_id,
        "symbol": "AAPL",
        "quantity": 10,
        "entryPrice": 150,
        "entryDate": days_ago(5),
    }
    # when
    results = await _at_once(alice, ADD_POSITION, [{"input": draft}] * 12)
    # then
    assert _outcomes(results, "addPosition") == {
        ("AddPositionSuccess", None): 1,
        ("ConflictError", "DUPLICATE_POSITION"): 11,
    }


async def test_concurrent_creates_of_one_tag_name_create_it_once(alice: SignedIn) -> None:
    # when
    names = ["Momentum", "momentum", "MOMENTUM", " Momentum "] * 3
    results = await _at_once(alice, CREATE_TAG, [{"input": {"name": n}} for n in names])
    # then
    assert _outcomes(results, "createTag") == {
        ("CreateTagSuccess", None): 1,
        ("ConflictError", "NAME_TAKEN"): 11,
    }


async def test_concurrent_creates_of_one_portfolio_name_create_it_once(alice: SignedIn) -> None:
    # when
    results = await _at_once(alice, CREATE_PORTFOLIO, [{"name": "Core"}, {"name": "core"}] * 6)
    # then
    assert _outcomes(results, "createPortfolio") == {
        ("CreatePortfolioSuccess", None): 1,
        ("ConflictError", "NAME_TAKEN"): 11,
    }


async def test_concurrent_renames_to_one_tag_name_rename_one(alice: SignedIn) -> None:
    # given
    tag_ids = [await create_tag(alice, f"tag {i}") for i in range(8)]
    # when
    results = await _at_once(
        alice, UPDATE_TAG, [{"input": {"id": tag_id, "name": "Hedges"}} for tag_id in tag_ids]
    )
    # then
    assert _outcomes(results, "updateTag") == {
        ("UpdateTagSuccess", None): 1,
        ("ConflictError", "NAME_TAKEN"): 7,
    }


async def test_the_tag_limit_holds_under_concurrent_creates(
    alice: SignedIn, app: Starlette
) -> None:
    # given 90 tags, then 30 creates racing for the last 10 places
    owner_id = await _user_id(app, alice.email)
    async with app.state.engine.begin() as conn:
        await conn.execute(
            insert(Tag), [{"owner_id": owner_id, "name": f"t{i}"} for i in range(90)]
        )
    # when
    results = await _at_once(
        alice, CREATE_TAG, [{"input": {"name": f"new {i}"}} for i in range(30)]
    )
    # then
    assert _outcomes(results, "createTag") == {
        ("CreateTagSuccess", None): 10,
        ("ValidationError", "TAG_LIMIT"): 20,
    }
    async with app.state.engine.connect() as conn:
        count = await conn.scalar(select(func.count()).where(Tag.owner_id == owner_id))
    assert count == 100


async def test_concurrent_imports_creating_the_same_tags_create_each_once(
    alice: SignedIn, app: Starlette
) -> None:
    # given five portfolios, each importing a book tagged with the same new tags
    portfolio_ids = [await create_portfolio(alice, f"Book {i}") for i in range(5)]
    csv = HEADER + f'AAPL,100,190,{days_ago(10)},"Tech,Core"\nMSFT,50,410,{days_ago(10)},tech\n'
    # when
    results = await _at_once(
        alice,
        IMPORT,
        [{"input": {"portfolioId": p, "csv": csv, "mode": "APPEND"}} for p in portfolio_ids],
    )
    # then every import succeeds, and the tags exist once each
    assert _outcomes(results, "importPositions") == {("ImportPositionsSuccess", None): 5}
    assert sum(r["data"]["importPositions"]["report"]["tagsCreated"] for r in results) == 2
    async with app.state.engine.connect() as conn:
        names = sorted((await conn.scalars(select(Tag.name))).all())
    assert names == ["Core", "Tech"]


async def test_concurrent_replace_imports_leave_exactly_the_file(
    alice: SignedIn, app: Starlette
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    symbols = [f"S{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(50)]
    csv = HEADER + "".join(f"{s},10,100,{days_ago(10)},\n" for s in symbols)
    replace = {"input": {"portfolioId": portfolio_id, "csv": csv, "mode": "REPLACE"}}
    # when
    results = await _at_once(alice, IMPORT, [replace] * 10)
    # then the first run creates the book and every later one finds it unchanged
    assert _outcomes(results, "importPositions") == {("ImportPositionsSuccess", None): 10}
    created = sorted(r["data"]["importPositions"]["report"]["created"] for r in results)
    assert created == [0] * 9 + [50]
    async with app.state.engine.connect() as conn:
        count = await conn.scalar(select(func.count()).select_from(Position))
    assert count == 50


# Greek alpha-sigma in capitals, capital-small, and small with the final sigma.
ALPHA_SIGMA, ALPHA_SMALL_SIGMA, ALPHA_FINAL_SIGMA = "\u0391\u03a3", "\u0391\u03c3", "\u03b1\u03c2"


async def test_names_differing_only_by_case_folding_conflict_cleanly(alice: SignedIn) -> None:
    # given a capital-sigma name (SQL lower() and Python lower() spell it differently)
    await create_tag(alice, ALPHA_SIGMA)
    await create_portfolio(alice, ALPHA_SIGMA)
    others = (ALPHA_SMALL_SIGMA, ALPHA_FINAL_SIGMA)
    # when
    tags = [(await alice.api.raw(CREATE_TAG, {"input": {"name": n}})) for n in others]
    books = [(await alice.api.raw(CREATE_PORTFOLIO, {"name": n})) for n in others]
    # then
    assert _outcomes(tags, "createTag") == {("ConflictError", "NAME_TAKEN"): 2}
    assert _outcomes(books, "createPortfolio") == {("ConflictError", "NAME_TAKEN"): 2}


async def test_dotted_capital_i_and_small_i_are_different_names_everywhere(
    alice: SignedIn,
) -> None:
    # given "İ" folds to "i" plus a combining dot, which is not "i"
    await create_tag(alice, "İ")
    await create_portfolio(alice, "İ")
    # when
    tag = await alice.api.raw(CREATE_TAG, {"input": {"name": "i"}})
    book = await alice.api.raw(CREATE_PORTFOLIO, {"name": "i"})
    # then both are accepted, by Python and PostgreSQL alike
    assert _outcomes([tag], "createTag") == {("CreateTagSuccess", None): 1}
    assert _outcomes([book], "createPortfolio") == {("CreatePortfolioSuccess", None): 1}


async def test_concurrent_retags_of_one_position_all_succeed(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    position_id = (await add_position(alice, portfolio_id))["position"]["id"]
    tag_ids = [await create_tag(alice, name) for name in ("Core", "Tech", "Hedge")]
    # when
    results = await _at_once(
        alice, SET_POSITION_TAGS, [{"positionId": position_id, "tagIds": tag_ids}] * 10
    )
    # then
    assert _outcomes(results, "setPositionTags") == {("SetPositionTagsSuccess", None): 10}


async def test_concurrent_closes_of_one_position_close_it_once(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    position_id = (await add_position(alice, portfolio_id))["position"]["id"]
    close = {"input": {"id": position_id, "exitPrice": 160, "exitDate": days_ago(1)}}
    # when
    results = await _at_once(alice, CLOSE_POSITION, [close] * 8)
    # then
    assert _outcomes(results, "closePosition") == {
        ("ClosePositionSuccess", None): 1,
        ("ConflictError", "ALREADY_CLOSED"): 7,
    }


async def _wait_for_a_blocked_statement(app: Starlette) -> None:
    """Return once some statement waits on a row lock (the test's own delete holds it)."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    async with app.state.engine.connect() as conn:
        while not await conn.scalar(waiting):  # noqa: ASYNC110  (PostgreSQL has no event to await)
            await asyncio.sleep(0.01)


async def test_adding_to_a_portfolio_deleted_meanwhile_is_not_found(
    alice: SignedIn, app: Starlette
) -> None:
    # given a delete of the portfolio in flight, not yet committed
    portfolio_id = await create_portfolio(alice)
    row_id = parse_id(portfolio_id, "Portfolio")
    async with app.state.engine.connect() as deleting:
        await deleting.execute(delete(Portfolio).where(Portfolio.id == row_id))
        # when an add passes its ownership check, then waits on the delete's row lock
        adding = asyncio.create_task(add_position(alice, portfolio_id))
        await _wait_for_a_blocked_statement(app)
        await deleting.commit()
        result = await adding
    # then
    assert (result["__typename"], result["field"]) == ("NotFoundError", "portfolioId")


async def test_tagging_with_a_tag_deleted_meanwhile_is_not_found(
    alice: SignedIn, app: Starlette
) -> None:
    # given a delete of the tag in flight, not yet committed
    portfolio_id = await create_portfolio(alice)
    position_id = (await add_position(alice, portfolio_id))["position"]["id"]
    tag_id = await create_tag(alice, "Core")
    async with app.state.engine.connect() as deleting:
        await deleting.execute(delete(Tag).where(Tag.id == parse_id(tag_id, "Tag")))
        # when the retag finds the tag, then waits on the delete's row lock to link it
        tagging = asyncio.create_task(
            alice.api.gql(SET_POSITION_TAGS, {"positionId": position_id, "tagIds": [tag_id]})
        )
        await _wait_for_a_blocked_statement(app)
        await deleting.commit()
        result = (await tagging)["setPositionTags"]
    # then
    assert (result["__typename"], result["field"]) == ("NotFoundError", "tagIds")
