"""A portfolio's risk limits as the schema shows them (kept apart so `types` can import it)."""

from __future__ import annotations

import strawberry

from sigmasight.portfolios.models import Portfolio
from sigmasight.risk import service as risk_service


@strawberry.type(
    description="A portfolio's exposure limits, each a percentage of equity (200 = 2x equity); "
    "null when not set. Set them with `setRiskLimits`."
)
class RiskLimits:
    gross_limit_percent: float | None = strawberry.field(
        description="Most gross exposure (long + |short|) allowed, in % of equity."
    )
    net_target_min_percent: float | None = strawberry.field(
        description="Low end of the net exposure (long - |short|) target range, in % of equity; "
        "set together with `netTargetMaxPercent`."
    )
    net_target_max_percent: float | None = strawberry.field(
        description="High end of the net exposure (long - |short|) target range, in % of equity; "
        "set together with `netTargetMinPercent`."
    )

    @classmethod
    def from_model(cls, portfolio: Portfolio) -> RiskLimits:
        limits = risk_service.RiskLimits.of(portfolio)
        return cls(
            gross_limit_percent=limits.gross_limit_percent,
            net_target_min_percent=limits.net_target_min_percent,
            net_target_max_percent=limits.net_target_max_percent,
        )
