"""The GraphQL documents behind each report kind: a report shows what these return, nothing else.

Plain strings, run in-process as the report's owner, so a report and the API can never disagree.
Each document stays under the API's token limit (2,000) and cost limit.
"""

from __future__ import annotations

from sigmasight.reports.models import ReportKind

POSITIONS_PER_PAGE = 200  # the API's largest page; larger books are read a page at a time

_EXPOSURE = """
fragment ExposureFields on Exposure {
  basis long short gross net longPercent shortPercent grossPercent netPercent longCount shortCount
  limit targetRange { min max } status flags betaAdjusted
}"""
_GREEKS = """
fragment GreekFields on Greeks { delta gamma theta vega rho dollarDelta dollarGamma }"""
_POSITION = """
fragment PositionFields on Position {
  symbol underlying positionType quantity lastPrice marketValue unrealizedPnl
  notionalExposure deltaAdjustedExposure sector
  option { expiration underlyingPrice }
  greeks { ...GreekFields }
  dataQuality { missingPrice stale source asOf flags }
}"""
_BOOK = """
fragment BookFields on Portfolio {
  name currency cash equity totalValue totalPnl totalPnlPercent analyticsFlags
  riskLimits { grossLimitPercent netTargetMinPercent netTargetMaxPercent }
}"""
_RISK = """
fragment RiskFields on RiskMetrics {
  window observations varMethod horizonDays annualizedVolatility beta sharpeRatio sortinoRatio
  maxDrawdown var95 var99 cvar95 cvar99 var95Percent var99Percent cvar95Percent cvar99Percent
  confidenceLevels averageCorrelation excludedPositions
}"""
_SECTORS = """
fragment SectorFields on SectorExposure {
  sector positionCount marketValue
  notional: exposures { net gross netPercent grossPercent }
  deltaAdjusted: exposures(basis: DELTA_ADJUSTED) { net netPercent }
}"""
_FACTORS = """
fragment FactorFields on FactorExposure {
  factor { name etf } beta dollarExposure rSquared observations quality
}"""
_GROUP = """
fragment GroupFields on PositionGroup {
  key label positionCount longCount shortCount marketValue unrealizedPnl
  notional: exposures { net gross grossPercent }
  deltaAdjusted: exposures(basis: DELTA_ADJUSTED) { net }
  greeks { delta dollarDelta theta vega }
}"""
_SCENARIO = """
fragment ScenarioFields on ScenarioResult {
  scenario { id name description } pnl pnlPercent unpricedPositions
}"""
_SNAPSHOT = """
fragment SnapshotFields on PortfolioSnapshot {
  date totalValue dailyPnl dailyReturn drawdown cumulativePnl complete
}"""
_POSITIONS = """
positions(first: $first) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { ...PositionFields } }
}"""
_SOURCES = "marketDataStatus { symbol source lastDate stale lastError }"

RISK_SUMMARY = f"""
query RiskSummaryReport($id: ID!, $first: Int!) {{
  {_SOURCES}
  portfolio(id: $id) {{
    ...BookFields
    notional: exposures {{ ...ExposureFields }}
    deltaAdjusted: exposures(basis: DELTA_ADJUSTED) {{ ...ExposureFields }}
    greeks {{ ...GreekFields }}
    riskMetrics {{ ...RiskFields }}
    sectorExposures {{ ...SectorFields }}
    factorExposures {{ ...FactorFields }}
    scenarios {{ ...ScenarioFields }}
    correlationMatrix {{ labels matrix window observations }}
    snapshots {{ ...SnapshotFields }}
    {_POSITIONS}
  }}
}}
{_BOOK}{_EXPOSURE}{_GREEKS}{_RISK}{_SECTORS}{_FACTORS}{_SCENARIO}{_SNAPSHOT}{_POSITION}"""

EXPOSURES = f"""
query ExposuresReport($id: ID!, $first: Int!) {{
  {_SOURCES}
  portfolio(id: $id) {{
    ...BookFields
    notional: exposures {{ ...ExposureFields }}
    deltaAdjusted: exposures(basis: DELTA_ADJUSTED) {{ ...ExposureFields }}
    sectorExposures {{ ...SectorFields }}
    factorExposures {{ ...FactorFields }}
    byUnderlying: positionGroups(by: UNDERLYING) {{ ...GroupFields }}
    byType: positionGroups(by: TYPE) {{ ...GroupFields }}
    byStrategy: positionGroups(by: STRATEGY) {{ ...GroupFields }}
    exposureHistory {{
      date
      notional {{ long short gross net }}
      deltaAdjusted {{ long short gross net }}
    }}
    {_POSITIONS}
  }}
}}
{_BOOK}{_EXPOSURE}{_GREEKS}{_SECTORS}{_FACTORS}{_GROUP}{_POSITION}"""

PERFORMANCE = f"""
query PerformanceReport($id: ID!, $period: PerformancePeriod!, $first: Int!) {{
  {_SOURCES}
  portfolio(id: $id) {{
    ...BookFields
    riskMetrics {{ ...RiskFields }}
    performance(period: $period) {{
      period from to days pnl return returnMethod netFlow complete
      bestDay {{ date pnl dailyReturn }}
      worstDay {{ date pnl dailyReturn }}
      byPosition {{ key label pnl }}
      byTag {{ key label pnl }}
      byType {{ key label pnl }}
    }}
    {_POSITIONS}
  }}
}}
{_BOOK}{_RISK}{_POSITION}{_GREEKS}"""

# The closes of a performance report's period, read once the period's dates are known, so the
# drawdown the API serves is measured from the period's first day.
PERIOD_SNAPSHOTS = f"""
query ReportPeriodSnapshots($id: ID!, $from: Date!, $to: Date!) {{
  portfolio(id: $id) {{ snapshots(from: $from, to: $to) {{ ...SnapshotFields }} }}
}}
{_SNAPSHOT}"""

SCENARIOS = f"""
query ScenariosReport($id: ID!, $first: Int!) {{
  {_SOURCES}
  portfolio(id: $id) {{
    ...BookFields
    scenarios {{
      ...ScenarioFields
      scenario {{ source }}
      positions(limit: 3) {{ pnl position {{ symbol }} }}
    }}
    byUnderlying: positionGroups(by: UNDERLYING) {{
      label
      deltaAdjusted: exposures(basis: DELTA_ADJUSTED) {{ gross }}
    }}
    {_POSITIONS}
  }}
}}
{_BOOK}{_SCENARIO}{_POSITION}{_GREEKS}"""

# The risk profile of one underlying, today and on a later date (the nearest expiry).
RISK_PROFILE = """
query RiskProfileReport($id: ID!, $underlying: String!, $dates: [Date!]) {
  portfolio(id: $id) {
    riskProfile(underlying: $underlying, dates: $dates) {
      underlying moves dates pnl dollarDelta
    }
  }
}"""

MODELING_SESSION = """
query ModelingSessionReport($session: ID!) {
  marketDataStatus { symbol source lastDate stale lastError }
  modelingSession(id: $session) {
    name status asOf createdAt updatedAt
    portfolio { name currency }
    trades {
      action symbol quantity price priceSource orderType limitPrice origin createdAt
    }
    impact {
      equity { ...Change }
      totalValue { ...Change }
      var95 { ...Change }
      var99 { ...Change }
      cvar95 { ...Change }
      beta { ...Change }
      annualizedVolatility { ...Change }
      greeks { name change { ...Change } }
      notional { name change { ...Change } }
      deltaAdjusted { name change { ...Change } }
      factors { name change { ...Change } }
      sectors { name change { ...Change } }
      limitChanges { basis before after effect }
    }
  }
}
fragment Change on ChangeType { before after change changePercent }"""

# Further pages of a book's positions, for books larger than one page.
POSITIONS_PAGE = f"""
query ReportPositions($id: ID!, $first: Int!, $after: String) {{
  portfolio(id: $id) {{
    positions(first: $first, after: $after) {{
      pageInfo {{ hasNextPage endCursor }} edges {{ node {{ ...PositionFields }} }}
    }}
  }}
}}
{_POSITION}{_GREEKS}"""

DOCUMENTS: dict[ReportKind, str] = {
    ReportKind.RISK_SUMMARY: RISK_SUMMARY,
    ReportKind.EXPOSURES: EXPOSURES,
    ReportKind.PERFORMANCE: PERFORMANCE,
    ReportKind.SCENARIOS: SCENARIOS,
    ReportKind.MODELING_SESSION: MODELING_SESSION,
}
