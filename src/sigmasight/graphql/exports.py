"""Trade and portfolio exports: the mutations that make them, the list of them, and the node."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.errors import Invalid
from sigmasight.graphql.arguments import After, Before, First, Last, id_argument, result_union
from sigmasight.graphql.context import Context, Info
from sigmasight.graphql.errors import NotFoundError, ValidationError
from sigmasight.graphql.ids import require_id, to_global_id
from sigmasight.graphql.modeling import OrderTypeEnum, TradeActionEnum
from sigmasight.graphql.node import Node
from sigmasight.graphql.relay import Connection, listed
from sigmasight.instruments.trading import OrderType, TimeInForce
from sigmasight.modeling import service as modeling_service
from sigmasight.pagination import PageRequest
from sigmasight.reports import exports as export_service
from sigmasight.reports.exports import PortfolioSection
from sigmasight.reports.models import Export, ExportFormat, ExportKind
from sigmasight.reports.orders import Order


class TradeExportFormat(StrEnum):
    CSV = "CSV"
    JSON = "JSON"
    FIX = "FIX"


class PortfolioExportFormat(StrEnum):
    CSV = "CSV"
    JSON = "JSON"
    XLSX = "XLSX"


ExportKindEnum = strawberry.enum(
    ExportKind,
    description="TRADES: order tickets (a modeling session's trades or a list of orders); "
    "PORTFOLIO: a portfolio's tables.",
)
ExportFormatEnum = strawberry.enum(
    ExportFormat,
    description="CSV (UTF-8, RFC 4180), JSON, FIX (FIX 4.4 NewOrderSingle messages, "
    "SOH-delimited) or XLSX (one worksheet per table).",
)
TradeExportFormatEnum = strawberry.enum(
    TradeExportFormat,
    description="CSV and JSON: one row (object) per order with its ClOrdID and, for options, "
    "the contract's terms. FIX: one FIX 4.4 NewOrderSingle (35=D) message per order.",
)
PortfolioExportFormatEnum = strawberry.enum(
    PortfolioExportFormat,
    description="CSV (one table plain; several as titled blocks separated by a blank line), "
    "JSON (an object of tables by name) or XLSX (one worksheet per table).",
)
PortfolioSectionEnum = strawberry.enum(
    PortfolioSection,
    name="PortfolioExportSection",
    description="POSITIONS (importable again with `importPositions`, plus a CASH row and "
    "valuation columns), GREEKS (per position and total), EXPOSURES (notional and "
    "delta-adjusted) or FACTORS (the 8 factor exposures).",
)
TimeInForceEnum = strawberry.enum(
    TimeInForce, description="DAY (FIX 59=0) or GTC, good till cancelled (59=1)."
)


@strawberry.type(
    name="Export",
    description="A stored export file; download it with `GET downloadUrl` and the header "
    "`Authorization: Bearer <accessToken>`.",
)
class ExportNode(Node):
    kind: ExportKindEnum = strawberry.field(description="What was exported.")  # type: ignore[valid-type]
    format: ExportFormatEnum = strawberry.field(description="The file's format.")  # type: ignore[valid-type]
    session_id: strawberry.ID | None = strawberry.field(
        description="The modeling session whose trades were exported; null for a list of "
        "orders, a portfolio, or once the session is deleted."
    )
    portfolio_id: strawberry.ID | None = strawberry.field(
        description="The portfolio exported; null for trades or once the portfolio is deleted."
    )
    filename: str = strawberry.field(description="Suggested file name, ASCII.")
    content_type: str = strawberry.field(description="MIME type the download is served with.")
    size: int = strawberry.field(description="Size of the file in bytes.")
    created_at: datetime = strawberry.field(description="When it was exported (UTC).")

    @strawberry.field(
        description="Path of the file on this server (`/exports/<id>`); GET it with the "
        "`Authorization: Bearer <accessToken>` header."
    )
    def download_url(self) -> str:
        return f"/exports/{self.id}"

    @classmethod
    def from_model(cls, export: Export) -> ExportNode:
        session_id = export.session_id
        portfolio_id = export.portfolio_id
        return cls(
            id=to_global_id("Export", export.id),
            kind=export.kind,
            format=export.format,
            session_id=to_global_id("ModelingSession", session_id) if session_id else None,
            portfolio_id=to_global_id("Portfolio", portfolio_id) if portfolio_id else None,
            filename=export.filename,
            content_type=export.content_type,
            size=export.size,
            created_at=export.created_at,
        )


async def export_node(ctx: Context, object_id: uuid.UUID) -> ExportNode | None:
    """An export by id for `node(id)`; None when unknown or not the caller's."""
    async with ctx.session() as session:
        found = await export_service.get(session, actor=ctx.require_actor(), export_id=object_id)
    return ExportNode.from_model(found) if found else None


@strawberry.input(description="One order ticket to export.")
class OrderInput:
    action: TradeActionEnum = strawberry.field(  # type: ignore[valid-type]
        description="What the order does: a stock action for a ticker, an option action for "
        "an OCC symbol."
    )
    symbol: str = strawberry.field(
        description="Ticker, or OCC option symbol (`AAPL260116C00150000`, or the padded "
        "21-character OSI form)."
    )
    quantity: Decimal = strawberry.field(
        description="Shares, or whole contracts for an option; positive (the action says "
        "which way)."
    )
    order_type: OrderTypeEnum = strawberry.field(  # type: ignore[valid-type]
        default=OrderType.MARKET, description="MARKET (default) or LIMIT."
    )
    limit_price: Decimal | None = strawberry.field(
        default=None,
        description="Dollars per share (per-share premium for an option); LIMIT orders only, "
        "and required for them.",
    )
    time_in_force: TimeInForceEnum = strawberry.field(  # type: ignore[valid-type]
        default=TimeInForce.DAY, description="DAY (default) or GTC."
    )

    def order(self) -> Order:
        return Order(
            action=self.action,
            symbol=self.symbol.strip().upper(),
            quantity=self.quantity,
            order_type=self.order_type,
            limit_price=self.limit_price,
            time_in_force=self.time_in_force,
        )


@strawberry.type(description="The file was made and stored.")
class ExportSuccess:
    export: ExportNode = strawberry.field(description="The stored export; see `downloadUrl`.")


ExportTradesResult = Annotated[
    ExportSuccess | ValidationError | NotFoundError, result_union("ExportTradesResult")
]
ExportPortfolioResult = Annotated[
    ExportSuccess | ValidationError | NotFoundError, result_union("ExportPortfolioResult")
]


@strawberry.type
class ExportQuery:
    @strawberry.field(
        description="Your exports, newest first (every user's for an admin), without their "
        "bytes: download each from its `downloadUrl`."
    )
    async def exports(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ExportNode]:
        ctx = info.context
        actor = ctx.require_actor()
        request = PageRequest(first, after, last, before)
        return await listed(
            ctx,
            lambda session: export_service.list_for_actor(session, actor=actor, page=request),
            lambda session: export_service.count_for_actor(session, actor=actor),
            ExportNode.from_model,
        )


@strawberry.type
class ExportMutation:
    @strawberry.mutation(
        description="Export orders as CSV, JSON or FIX 4.4: a modeling session's trades in "
        "the order they apply (`sessionId`) or a list of orders (`trades`), exactly one of "
        "the two. Each order gets a ClOrdID unique to the export, the same in every format; "
        "FIX messages carry the request time as SendingTime and TransactTime."
    )
    async def export_trades(
        self,
        info: Info,
        session_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Global id of the modeling session to export."),
        ] = None,
        trades: Annotated[
            list[OrderInput] | None,
            strawberry.argument(description="Orders to export (at most 500)."),
        ] = None,
        format: Annotated[
            TradeExportFormatEnum,  # type: ignore[valid-type]
            strawberry.argument(description="CSV (default), JSON or FIX."),
        ] = TradeExportFormat.CSV,
    ) -> ExportTradesResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> ExportSuccess:
            if (session_id is None) == (trades is None):
                raise Invalid(
                    "Give exactly one of `sessionId` and `trades`.",
                    field=None,
                    code="REQUIRED" if session_id is None else "INVALID_ARGUMENTS",
                )
            name = None
            sid = None
            if session_id is not None:
                sid = require_id(session_id, "ModelingSession", field="sessionId")
                modeling = await modeling_service.get_or_raise(session, actor=actor, session_id=sid)
                found = await modeling_service.trades_of(session, session_ids=[sid])
                orders = [
                    Order(
                        action=t.action,
                        symbol=t.symbol,
                        quantity=t.quantity,
                        order_type=t.order_type,
                        limit_price=t.limit_price,
                    )
                    for t in found[sid]
                ]
                name = modeling.name
            else:
                assert trades is not None
                orders = [t.order() for t in trades]
            export = await export_service.export_trades(
                session,
                actor=actor,
                orders=orders,
                export_format=ExportFormat(str(format)),
                settings=ctx.settings,
                now=ctx.now,
                session_id=sid,
                name=name,
            )
            return ExportSuccess(export=ExportNode.from_model(export))

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Export a portfolio's tables, from the same numbers the API serves: "
        "POSITIONS (re-importable with `importPositions`: `ticker,quantity,entry_price,"
        "entry_date,tags` then valuation columns, and a CASH row), GREEKS, EXPOSURES, "
        "FACTORS. Column names carry units (`_usd`, `_pct`, ...); unknown numbers are empty, "
        "floats have 12 significant digits. "
        "Spreadsheet formulas in text are neutralised in CSV and XLSX."
    )
    async def export_portfolio(
        self,
        info: Info,
        portfolio_id: Annotated[strawberry.ID, id_argument("portfolio")],
        format: Annotated[
            PortfolioExportFormatEnum,  # type: ignore[valid-type]
            strawberry.argument(description="CSV (default), JSON or XLSX."),
        ] = PortfolioExportFormat.CSV,
        include: Annotated[
            list[PortfolioSectionEnum] | None,  # type: ignore[valid-type]
            strawberry.argument(
                description="Tables to include, written in the order POSITIONS, GREEKS, "
                "EXPOSURES, FACTORS; all four when omitted."
            ),
        ] = None,
    ) -> ExportPortfolioResult:
        ctx = info.context
        actor = ctx.require_actor()

        async def work(session: AsyncSession) -> ExportSuccess:
            pid = require_id(portfolio_id, "Portfolio", field="portfolioId")
            export = await export_service.export_portfolio(
                session,
                ctx.redis,
                actor=actor,
                portfolio_id=pid,
                export_format=ExportFormat(str(format)),
                sections=list(PortfolioSection) if include is None else include,
                settings=ctx.settings,
                today=ctx.today,
                now=ctx.now,
            )
            return ExportSuccess(export=ExportNode.from_model(export))

        return await ctx.mutate(work)  # type: ignore[return-value]
