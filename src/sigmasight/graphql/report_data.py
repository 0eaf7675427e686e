"""A report's numbers, read through the API itself as the report's owner."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import strawberry
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sigmasight.auth.actor import Actor
from sigmasight.graphql.context import Context
from sigmasight.graphql.ids import to_global_id
from sigmasight.reports import documents
from sigmasight.reports import service as report_service
from sigmasight.reports.models import Report, ReportKind
from sigmasight.reports.render import ReportDataError
from sigmasight.settings import Settings

# Runs one document with its variables as the report's owner; the data of a result without errors.
Run = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


async def _no_jobs(function: str, job_id: str) -> None:
    raise ReportDataError("A report reads figures only; it cannot start jobs.")


async def fetch_report_data(
    *,
    schema: strawberry.Schema,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    redis: Redis,
    actor: Actor,
    now: datetime,
    report: Report,
) -> dict[str, Any]:
    """The numbers a report shows, read through the API itself (its kind's GraphQL document, run
    in-process as the report's owner), so the report shows exactly what the API serves."""

    async def run(document: str, variables: dict[str, Any]) -> dict[str, Any]:
        context = Context(
            settings=settings,
            session_factory=session_factory,
            redis=redis,
            now=now,
            actor=actor,
            auth_error=None,
            enqueue=_no_jobs,
        )
        try:
            result = await schema.execute(
                document, variable_values=variables, context_value=context
            )
        finally:
            await context.reads.close()
        if result.errors:
            raise ReportDataError("; ".join(error.message for error in result.errors))
        assert result.data is not None
        return dict(result.data)

    kind = ReportKind(report.kind)
    if kind is ReportKind.MODELING_SESSION:
        if report.session_id is None:
            raise ReportDataError("A modeling-session report needs a session.")
        session_id = to_global_id("ModelingSession", report.session_id)
        data = await run(documents.MODELING_SESSION, {"session": session_id})
        if data.get("modelingSession") is None:
            raise ReportDataError("The modeling session no longer exists, or is not yours.")
        return data
    if report.portfolio_id is None:
        raise ReportDataError("The portfolio no longer exists, or is not yours.")
    portfolio_id = to_global_id("Portfolio", report.portfolio_id)
    variables: dict[str, Any] = {"id": portfolio_id, "first": documents.POSITIONS_PER_PAGE}
    if kind is ReportKind.PERFORMANCE:
        variables["period"] = report.period or report_service.DEFAULT_PERIOD.value
    data = await run(documents.DOCUMENTS[kind], variables)
    portfolio = data.get("portfolio")
    if portfolio is None:
        raise ReportDataError("The portfolio no longer exists, or is not yours.")
    positions = portfolio["positions"]
    while positions["pageInfo"]["hasNextPage"]:
        page = await run(
            documents.POSITIONS_PAGE,
            {**variables, "after": positions["pageInfo"]["endCursor"]},
        )
        more = (page.get("portfolio") or {}).get("positions")
        if more is None:
            raise ReportDataError("The portfolio no longer exists, or is not yours.")
        positions["edges"] += more["edges"]
        positions["pageInfo"] = more["pageInfo"]
    if kind is ReportKind.SCENARIOS:
        data["riskProfile"] = await _largest_option_profile(run, portfolio_id, portfolio)
    if kind is ReportKind.PERFORMANCE:
        portfolio["snapshots"] = await _period_snapshots(run, portfolio_id, portfolio)
    return data


async def _period_snapshots(
    run: Run, portfolio_id: str, portfolio: dict[str, Any]
) -> list[dict[str, Any]]:
    """The closes of the performance period, oldest first; none when there is no period yet."""
    result = portfolio["performance"]
    if result is None:
        return []
    span = {"id": portfolio_id, "from": result["from"], "to": result["to"]}
    data = await run(documents.PERIOD_SNAPSHOTS, span)
    found = data.get("portfolio")
    if found is None:
        raise ReportDataError("The portfolio no longer exists, or is not yours.")
    snapshots: list[dict[str, Any]] = found["snapshots"]
    return snapshots


async def _largest_option_profile(
    run: Run, portfolio_id: str, portfolio: dict[str, Any]
) -> dict[str, Any] | None:
    """The risk profile of the option underlying with the largest gross delta-adjusted exposure,
    today and at its nearest expiry; None when the book holds no options."""
    options = [edge["node"] for edge in portfolio["positions"]["edges"] if edge["node"]["option"]]
    if not options:
        return None
    gross = {group["label"]: group["deltaAdjusted"]["gross"] for group in portfolio["byUnderlying"]}
    underlying = max(
        sorted({p["underlying"] for p in options}), key=lambda name: gross.get(name, 0.0)
    )
    as_of = max(
        (p["dataQuality"]["asOf"] for p in options if p["dataQuality"]["asOf"]), default=None
    )
    # A second curve at the nearest expiry still ahead, when there is one.
    expiries = sorted(
        p["option"]["expiration"]
        for p in options
        if p["underlying"] == underlying and as_of and p["option"]["expiration"] > as_of
    )
    dates = [as_of, expiries[0]] if as_of and expiries else None
    data = await run(
        documents.RISK_PROFILE,
        {"id": portfolio_id, "underlying": underlying, "dates": dates},
    )
    profile: dict[str, Any] | None = (data.get("portfolio") or {}).get("riskProfile")
    if profile is not None:
        prices = [p["option"]["underlyingPrice"] for p in options if p["underlying"] == underlying]
        profile["underlyingPrice"] = next((price for price in prices if price is not None), None)
    return profile
