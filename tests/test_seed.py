"""The demo books load through the import service, stay live whenever seeded, and reset."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, update
from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.auth.models import Role, User
from sigmasight.db import create_session_factory, transaction
from sigmasight.portfolios.models import Portfolio, Position
from sigmasight.seed import (
    DEMO_BOOKS,
    SEED_AS_OF,
    is_seeded,
    seed_demo,
    shift_book,
    weeks_since_seed,
)
from tests.conftest import Api, sign_up
from tests.documents import LOGIN, PORTFOLIOS

PASSWORD = "demo password for tests"


async def _seed(app: Starlette, today: date) -> dict[str, int]:
    async with transaction(create_session_factory(app.state.engine)) as session:
        return await seed_demo(session, password=PASSWORD, today=today)


async def _positions(app: Starlette) -> list[Position]:
    async with create_session_factory(app.state.engine)() as session:
        return list((await session.execute(select(Position))).scalars())


async def test_seeding_twice_gives_the_same_books(app: Starlette) -> None:
    # given
    today = date(2027, 3, 3)
    first = await _seed(app, today)
    before = sorted((p.symbol, p.entry_date, p.quantity) for p in await _positions(app))
    # when
    second = await _seed(app, today)
    # then
    after = sorted((p.symbol, p.entry_date, p.quantity) for p in await _positions(app))
    assert first == second
    assert before == after
    assert min(first.values()) >= 20 and max(first.values()) <= 35


async def test_seeded_options_are_live_and_entries_are_past_whenever_seeded(app: Starlette) -> None:
    # given
    today = date(2027, 9, 14)
    # when
    await _seed(app, today)
    # then
    positions = await _positions(app)
    assert all(p.entry_date <= today for p in positions)
    options = [p for p in positions if p.expiration is not None]
    assert options and all(p.expiration > today for p in options)
    assert all(p.expiration.weekday() == 4 for p in options)


async def test_every_demo_book_starts_with_cash(app: Starlette) -> None:
    # given
    today = date(2027, 3, 3)
    # when
    await _seed(app, today)
    # then
    async with create_session_factory(app.state.engine)() as session:
        cash = {p.name: p.cash for p in (await session.execute(select(Portfolio))).scalars()}
    assert set(cash) == {b.portfolio for b in DEMO_BOOKS}
    assert all(amount > 0 for amount in cash.values()), cash


def test_shifting_a_book_keeps_the_cash_row() -> None:
    # given
    text = "ticker,quantity,entry_price,entry_date,tags\nCASH,250000,,,\nAAPL,10,5,2026-11-02,\n"
    # when
    shifted = shift_book(text, days=7)
    # then
    assert shifted.splitlines()[1:] == ["CASH,250000,,,", "AAPL,10,5,2026-11-09,"]


def test_shifting_a_book_moves_dates_and_expirations_by_whole_weeks() -> None:
    # given
    text = "ticker,quantity,entry_price,entry_date,tags\nAAPL261218C00300000,-3,5,2026-11-02,Tech\n"
    # when
    shifted = shift_book(text, days=weeks_since_seed(date(2026, 12, 2)))
    # then
    assert shifted.splitlines()[1] == "AAPL261225C00300000,-3,5,2026-11-09,Tech"
    assert weeks_since_seed(SEED_AS_OF) == 0


async def test_a_demo_user_sees_their_book_with_strategies(api: Api, app: Starlette) -> None:
    # given
    await _seed(app, clock.today())
    login = (await api.gql(LOGIN, {"email": "demo_balanced@sigmasight.dev", "password": PASSWORD}))[
        "login"
    ]
    user = api.as_user(login["tokens"]["accessToken"])
    # when
    portfolio_id = (await user.gql(PORTFOLIOS))["portfolios"]["edges"][0]["node"]["id"]
    data = await user.gql(
        "query($id: ID!) { portfolio(id: $id) { positions(first: 200) { totalCount } "
        "positionGroups(by: STRATEGY) { label strategy } } }",
        {"id": portfolio_id},
    )
    # then
    labels = {g["label"]: g["strategy"] for g in data["portfolio"]["positionGroups"]}
    assert data["portfolio"]["positions"]["totalCount"] == 30
    assert labels.get("GM/F pair") == "PAIRS"
    assert labels.get("TSLA call spread") == "VERTICAL_CALL_SPREAD"
    assert labels.get("AMZN straddle") == "STRADDLE"


RESET = "mutation { resetDemoData { __typename ... on ResetDemoDataSuccess { accounts { email positions } } } }"


async def test_reset_demo_data_is_for_admins_only(api: Api, app: Starlette) -> None:
    # given
    user = await sign_up(api, "someone@example.com")
    # when
    body = await user.api.raw(RESET)
    # then
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_reset_demo_data_restores_the_books(api: Api, app: Starlette) -> None:
    # given
    await _seed(app, clock.today())
    admin = await sign_up(api, "admin@example.com")
    async with app.state.engine.begin() as conn:
        await conn.execute(update(User).where(User.email == admin.email).values(role=Role.ADMIN))
        await conn.execute(Position.__table__.delete())
    login = (await api.gql(LOGIN, {"email": admin.email, "password": "correct horse battery"}))[
        "login"
    ]
    # when
    result = (await api.as_user(login["tokens"]["accessToken"]).gql(RESET))["resetDemoData"]
    # then
    assert result["__typename"] == "ResetDemoDataSuccess"
    assert {a["email"] for a in result["accounts"]} == {b.email for b in DEMO_BOOKS}
    async with app.state.engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(Position)) == sum(
            a["positions"] for a in result["accounts"]
        )


async def test_is_seeded_once_every_demo_account_exists(app: Starlette) -> None:
    # given
    session_factory = create_session_factory(app.state.engine)
    async with session_factory() as session:
        before = await is_seeded(session)
    # when
    await _seed(app, clock.today())
    # then
    async with session_factory() as session:
        assert (before, await is_seeded(session)) == (False, True)
