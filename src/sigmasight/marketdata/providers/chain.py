"""Building the configured provider chain."""

from __future__ import annotations

import logging

from sigmasight.marketdata.providers.base import MarketDataProvider
from sigmasight.marketdata.providers.file import FileProvider
from sigmasight.marketdata.providers.synthetic import SyntheticProvider
from sigmasight.settings import Settings

logger = logging.getLogger(__name__)


def build_providers(settings: Settings) -> list[MarketDataProvider]:
    """The providers named by settings, in order; one that cannot be configured is left out."""
    chain: list[MarketDataProvider] = []
    for name in settings.provider_names:
        if name == "polygon":
            if not settings.polygon_api_key:
                logger.warning("polygon is configured but POLYGON_API_KEY is not set; skipping it")
                continue
            from sigmasight.marketdata.providers.polygon import PolygonProvider

            chain.append(PolygonProvider(settings.polygon_api_key))
        elif name == "yfinance":
            from sigmasight.marketdata.providers.yfinance import YFinanceProvider

            chain.append(YFinanceProvider())
        elif name == "file":
            if settings.market_data_file is None:
                logger.warning("file is configured but MARKET_DATA_FILE is not set; skipping it")
                continue
            chain.append(FileProvider(settings.market_data_file))
        elif name == "synthetic":
            chain.append(SyntheticProvider(seed=settings.synthetic_seed))
        else:
            raise ValueError(f"unknown market data provider {name!r}")
    return chain
