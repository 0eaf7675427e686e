"""What a session's trades do: the pro-forma book against the base, figure by figure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from sigmasight.analytics.exposures import LimitStatus
from sigmasight.portfolios.groups import GroupBy
from sigmasight.risk.book_risk import BookRisk, RiskMetrics, RiskView, VarMethod
from sigmasight.risk.service import Book, ExposureBasis
from sigmasight.risk.valuation import Greeks

RISK_WINDOW = 90  # trading days behind the VaR and beta compared


@dataclass(frozen=True, slots=True)
class Change:
    """One figure before and after the trades (None where it is unknown)."""

    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def percent(self) -> float | None:
        """The change as % of |before|; None when before is zero or unknown."""
        change = self.change
        if change is None or not self.before:
            return None
        return change / abs(self.before) * 100.0


@dataclass(frozen=True, slots=True)
class NamedChange:
    name: str
    change: Change


@dataclass(frozen=True, slots=True)
class LimitChange:
    """A limit whose status the trades move: CAUSED (into breach) or CURED (out of it)."""

    basis: ExposureBasis
    before: LimitStatus | None
    after: LimitStatus | None

    @property
    def effect(self) -> str:
        if self.after is LimitStatus.BREACHED and self.before is not LimitStatus.BREACHED:
            return "CAUSED"
        if self.before is LimitStatus.BREACHED and self.after is not LimitStatus.BREACHED:
            return "CURED"
        return "CHANGED"


@dataclass(frozen=True)
class Impact:
    equity: Change
    total_value: Change
    greeks: list[NamedChange]  # delta ... dollar_gamma, Greeks' units
    notional: list[NamedChange]  # long, short, gross, net (dollars)
    delta_adjusted: list[NamedChange]
    var95: Change  # 1-day historical, dollars
    var99: Change
    cvar95: Change
    beta: Change  # to SPY
    annualized_volatility: Change
    factors: list[NamedChange]  # dollar exposure per factor
    sectors: list[NamedChange]  # net notional exposure per sector, % of equity
    limits: list[LimitChange]


def _changes(before: object, after: object, names: list[str]) -> list[NamedChange]:
    return [NamedChange(n, Change(getattr(before, n), getattr(after, n))) for n in names]


def _metric(
    metrics: tuple[RiskMetrics, RiskMetrics], read: Callable[[RiskMetrics], float | None]
) -> Change:
    return Change(read(metrics[0]), read(metrics[1]))


def impact(base: BookRisk, pro_forma: BookRisk) -> Impact:
    """The pro-forma book's figures against the base book's, each from the same engine."""
    books: tuple[Book, Book] = (base.book, pro_forma.book)
    totals = [b.book_totals for b in books]
    before, after = (
        r.risk_metrics(
            window=RISK_WINDOW,
            view=RiskView.PORTFOLIO,
            method=VarMethod.HISTORICAL,
            horizon_days=1,
        )
        for r in (base, pro_forma)
    )
    metrics = (before, after)
    exposure_names = ["long", "short", "gross", "net"]
    factors = (
        {f.name: f.dollar_exposure for f in base.factor_exposures()},
        {f.name: f.dollar_exposure for f in pro_forma.factor_exposures()},
    )
    sectors = [_sector_weights(b) for b in books]
    limits = []
    for basis in ExposureBasis:
        status_before, status_after = (b.exposure(basis).status for b in books)
        if status_before is not status_after:
            limits.append(LimitChange(basis, status_before, status_after))
    return Impact(
        equity=Change(books[0].equity, books[1].equity),
        total_value=Change(totals[0].market_value, totals[1].market_value),
        greeks=_changes(totals[0].greeks, totals[1].greeks, [f.name for f in fields(Greeks)]),
        notional=_changes(totals[0].notional, totals[1].notional, exposure_names),
        delta_adjusted=_changes(totals[0].delta_adjusted, totals[1].delta_adjusted, exposure_names),
        var95=_metric(metrics, lambda m: m.var95.var if m.var95 else None),
        var99=_metric(metrics, lambda m: m.var99.var if m.var99 else None),
        cvar95=_metric(metrics, lambda m: m.var95.cvar if m.var95 else None),
        beta=_metric(metrics, lambda m: m.stats.beta if m.stats else None),
        annualized_volatility=_metric(
            metrics, lambda m: m.stats.annualized_volatility if m.stats else None
        ),
        factors=[
            NamedChange(name, Change(factors[0].get(name), factors[1].get(name)))
            for name in dict.fromkeys([*factors[0], *factors[1]])
        ],
        sectors=[
            NamedChange(name, Change(sectors[0].get(name, 0.0), sectors[1].get(name, 0.0)))
            for name in sorted({*sectors[0], *sectors[1]})
        ],
        limits=limits,
    )


def _sector_weights(book: Book) -> dict[str, float]:
    """Net notional exposure per sector, % of equity (empty when equity is not positive)."""
    if book.equity <= 0:
        return {}
    weights = {}
    for group in book.groups(GroupBy.SECTOR, {}):
        net = book.exposure(ExposureBasis.NOTIONAL, [p.id for p in group.positions]).totals.net
        weights[group.label] = net / book.equity * 100.0
    return weights


def record(base: BookRisk, pro_forma: BookRisk) -> dict[str, Any]:
    """Both books' positions and the impact, as JSON to keep (a saved session snapshot)."""

    def change(c: Change) -> dict[str, float | None]:
        return {"before": c.before, "after": c.after, "change": c.change, "percent": c.percent}

    def positions(book: Book) -> list[dict[str, Any]]:
        return [
            {"symbol": p.symbol, "quantity": str(p.quantity), "price": str(p.entry_price)}
            for p in book.open_positions
        ]

    found = impact(base, pro_forma)
    figures: dict[str, Any] = {}
    for name in (
        "equity",
        "total_value",
        "var95",
        "var99",
        "cvar95",
        "beta",
        "annualized_volatility",
    ):
        figures[name] = change(getattr(found, name))
    for name in ("greeks", "notional", "delta_adjusted", "factors", "sectors"):
        figures[name] = {n.name: change(n.change) for n in getattr(found, name)}
    figures["limits"] = [
        {"basis": c.basis.value, "before": c.before, "after": c.after, "effect": c.effect}
        for c in found.limits
    ]
    return {
        "base": positions(base.book),
        "proForma": positions(pro_forma.book),
        "impact": figures,
    }
