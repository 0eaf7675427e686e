"""Exposure totals and limit statuses, against numbers worked out by hand."""

from __future__ import annotations

import math

import pytest

from sigmasight.analytics.exposures import (
    LimitStatus,
    exposure_totals,
    gross_limit_status,
    net_range_status,
    percent_of,
)


def test_totals_split_long_and_short_and_leave_out_unknown_exposures() -> None:
    # when
    totals = exposure_totals([100.0, -40.0, 25.0, math.nan, -10.0])
    # then
    assert (totals.long, totals.short) == (125.0, -50.0)
    assert (totals.gross, totals.net) == (175.0, 75.0)
    assert (totals.long_count, totals.short_count) == (2, 2)


def test_percentages_need_positive_equity() -> None:
    assert percent_of(50.0, 200.0) == 25.0
    assert percent_of(50.0, 0.0) is None
    assert percent_of(50.0, -10.0) is None


@pytest.mark.parametrize(
    ("gross", "status"),
    [(150.0, LimitStatus.WITHIN), (180.0, LimitStatus.NEAR), (200.0, LimitStatus.NEAR),
     (200.5, LimitStatus.BREACHED)],
)  # fmt: skip
def test_gross_is_near_its_limit_from_90_percent_of_it(gross: float, status: LimitStatus) -> None:
    assert gross_limit_status(gross, 200.0) is status


@pytest.mark.parametrize(
    ("net", "low", "high", "status"),
    [
        (50.0, 40.0, 60.0, LimitStatus.WITHIN),
        (44.0, 40.0, 60.0, LimitStatus.NEAR),  # 4 points above 40: within 10% of 40
        (54.0, 40.0, 60.0, LimitStatus.NEAR),  # 6 points below 60: within 10% of 60
        (39.0, 40.0, 60.0, LimitStatus.BREACHED),
        (3.0, 0.0, 50.0, LimitStatus.NEAR),  # a 0% bound takes 10% of the 50-point width
        (10.0, 0.0, 50.0, LimitStatus.WITHIN),
        (-28.0, -30.0, 30.0, LimitStatus.NEAR),
        (-25.0, -30.0, 30.0, LimitStatus.WITHIN),
    ],
)
def test_net_is_near_a_bound_within_ten_percent_of_its_value(
    net: float, low: float, high: float, status: LimitStatus
) -> None:
    assert net_range_status(net, low, high) is status
