"""The stress scenario templates shipped with the app, read once from `scenario_templates.json`.

The data file holds every figure and where it comes from (the historical replays list the closes
they were computed from); this module only turns it into `Shock`s. Ids are stable, snake-case,
and unique; a malformed file fails loudly at the first read rather than serving a wrong shock.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from sigmasight.analytics.scenarios import Shock

__all__ = ["ScenarioTemplate", "scenario_templates"]

DATA_FILE = "scenario_templates.json"
_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_TEMPLATE_KEYS = {"id", "name", "description", "shock", "source", "window", "closes"}
_SHOCK_KEYS = {"etf_returns", "symbol_returns", "vol_points", "rate_bp", "horizon_days"}


@dataclass(frozen=True, slots=True)
class ScenarioTemplate:
    """A named, described shock; `source` says where a historical replay's figures come from."""

    id: str
    name: str
    description: str
    shock: Shock
    source: str | None


def scenario_templates() -> list[ScenarioTemplate]:
    """Every template in file order (read and checked once per process)."""
    return list(_load())


@cache
def _load() -> tuple[ScenarioTemplate, ...]:
    text = resources.files("sigmasight.risk").joinpath(DATA_FILE).read_text(encoding="utf-8")
    templates = tuple(_template(raw) for raw in json.loads(text)["templates"])
    ids = [t.id for t in templates]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"{DATA_FILE}: duplicate template ids {duplicates}")
    return templates


def _template(raw: dict[str, Any]) -> ScenarioTemplate:
    extra = set(raw) - _TEMPLATE_KEYS
    if extra:
        raise ValueError(f"{DATA_FILE}: unknown keys {sorted(extra)} in {raw.get('id')!r}")
    template_id = str(raw["id"])
    if not _ID.match(template_id):
        raise ValueError(f"{DATA_FILE}: id {template_id!r} is not snake_case")
    return ScenarioTemplate(
        id=template_id,
        name=str(raw["name"]),
        description=str(raw["description"]),
        shock=_shock(template_id, raw["shock"]),
        source=None if raw.get("source") is None else str(raw["source"]),
    )


def _shock(template_id: str, raw: dict[str, Any]) -> Shock:
    extra = set(raw) - _SHOCK_KEYS
    if extra:
        raise ValueError(f"{DATA_FILE}: unknown shock keys {sorted(extra)} in {template_id!r}")
    # Read-only mappings: the templates are cached and shared by every request.
    return Shock(
        etf_returns=MappingProxyType(
            {str(k): float(v) for k, v in raw.get("etf_returns", {}).items()}
        ),
        symbol_returns=MappingProxyType(
            {str(k): float(v) for k, v in raw.get("symbol_returns", {}).items()}
        ),
        vol_points=float(raw.get("vol_points", 0.0)),
        rate_bp=float(raw.get("rate_bp", 0.0)),
        horizon_days=int(raw.get("horizon_days", 0)),
    )
