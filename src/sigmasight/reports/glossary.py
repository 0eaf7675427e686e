"""The units and methods a report's reader needs, worded after the API's own field descriptions."""

# Printed text: the multiplication and minus signs are the typographic ones on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

from sigmasight.reports.models import ReportKind

MONEY = (
    "Money",
    "US dollars, rounded to cents by the API; shorts and losses are negative. A dash (—) means "
    "the API has no value, with the reason stated beside it.",
)
EQUITY = (
    "Equity",
    "Cash plus the market value of the open positions; the base of every % of equity.",
)
NOTIONAL = (
    "Notional exposure",
    "Stock: quantity × price. Option: contracts × multiplier × underlying price. Signed by side.",
)
DELTA_ADJUSTED = (
    "Delta-adjusted exposure",
    "Position delta × underlying price: the stock position with the same first-order risk.",
)
GROSS_NET = ("Gross / net", "Gross = long + |short|; net = long + short.")
BETA_ADJUSTED = (
    "Beta-adjusted exposure",
    "Delta-adjusted exposure × the underlying's market beta to SPY (150-day regression).",
)
LIMITS = (
    "Risk limits",
    "Gross limit and net target range in % of equity; status WITHIN, NEAR or BREACHED is the "
    "worst of gross against its limit and net against its range.",
)
GREEKS = (
    "Greeks",
    "Delta in shares (USD per $1 of the underlying); gamma in delta per $1; theta in USD per "
    "calendar day (annual theta / 365); vega in USD per volatility point (20% to 21%); rho in "
    "USD per percentage point of the risk-free rate; dollar gamma: change of dollar delta for a "
    "1% rise. Options priced by Black-Scholes with implied volatility where quoted, else realised.",
)
VAR = (
    "VaR / CVaR",
    "Value at risk at 95% and 99% confidence of today's holdings over their underlyings' daily "
    "returns (historical simulation unless stated), 1-day horizon; a loss shown as a positive "
    "number. CVaR (expected shortfall) is the mean loss at or beyond VaR.",
)
RATIOS = (
    "Risk ratios",
    "Volatility: standard deviation of daily returns × √252. Sharpe: mean daily excess return "
    "over the risk-free rate / its standard deviation × √252. Sortino: against downside "
    "deviation. Maximum drawdown: largest peak-to-trough fall of the compounded daily returns.",
)
FACTORS = (
    "Factor exposure",
    "Each underlying's betas to 8 ETF proxies (SPY, MTUM, VTV, ...) from a 150-day regression of "
    "daily returns; dollar exposure = Σ delta-adjusted exposure × beta; beta = dollar exposure / "
    "equity. Quality: LOW_R2 or SHORT_HISTORY where the regression is weak or short.",
)
SCENARIOS = (
    "Stress scenarios",
    "Instant shocks to factor ETFs, rates, oil or volatility; every underlying moves by its "
    "factor betas and options are repriced in full. P&L against today's value.",
)
CORRELATION = (
    "Correlation",
    "Pearson correlation of daily returns over the window shown; grey cells: a series that did "
    "not vary.",
)
HISTORY = (
    "Equity and drawdown",
    "Equity at each close stored by the nightly batch; drawdown: how far the daily returns "
    "shown, compounded from the close before the first of them, stand below their running peak.",
)
PERFORMANCE = (
    "Return",
    "Time-weighted: daily returns compounded, each day's P&L over the previous close plus the "
    "day's net flow. Attribution slices sum to the period's P&L.",
)
RISK_PROFILE = (
    "Risk profile",
    "P&L of the positions on one underlying over price moves (−20% to +20%), options repriced at "
    "each move, today and on a later date.",
)
SESSION = (
    "What-if impact",
    "Before: the book when the session began, at that day's marks; after: with the session's "
    "trades; change = after − before, and change / |before| in %.",
)

GLOSSARIES: dict[ReportKind, tuple[tuple[str, str], ...]] = {
    ReportKind.RISK_SUMMARY: (
        MONEY, EQUITY, NOTIONAL, DELTA_ADJUSTED, GROSS_NET, BETA_ADJUSTED, LIMITS, GREEKS, VAR,
        RATIOS, FACTORS, SCENARIOS, HISTORY, CORRELATION,
    ),
    ReportKind.EXPOSURES: (
        MONEY, EQUITY, NOTIONAL, DELTA_ADJUSTED, GROSS_NET, BETA_ADJUSTED, LIMITS, GREEKS, FACTORS,
    ),
    ReportKind.PERFORMANCE: (MONEY, EQUITY, PERFORMANCE, HISTORY, RATIOS),
    ReportKind.SCENARIOS: (MONEY, EQUITY, SCENARIOS, RISK_PROFILE, GREEKS),
    ReportKind.MODELING_SESSION: (MONEY, SESSION, NOTIONAL, DELTA_ADJUSTED, GREEKS, VAR, FACTORS),
}  # fmt: skip


def glossary(kind: ReportKind) -> tuple[tuple[str, str], ...]:
    """The terms a report of `kind` uses, with their units and methods."""
    return GLOSSARIES[kind]
