"""GraphQL documents shared by the tests."""

LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename
    ... on LoginSuccess { user { email } tokens { accessToken refreshToken } }
    ... on UserError { field code message }
  }
}
"""

REFRESH = """
mutation Refresh($token: String!) {
  refreshToken(refreshToken: $token) {
    __typename
    ... on RefreshTokenSuccess { tokens { accessToken refreshToken } }
    ... on UserError { code message }
  }
}
"""

LOGOUT = """
mutation Logout($token: String!) {
  logout(refreshToken: $token) {
    __typename
    ... on LogoutSuccess { revoked }
    ... on UserError { code message }
  }
}
"""

ME = "query { me { id email role isDemo } }"

CREATE_PORTFOLIO = """
mutation Create($name: String!) {
  createPortfolio(input: {name: $name}) {
    __typename
    ... on CreatePortfolioSuccess { portfolio { id name } }
    ... on UserError { field code message }
  }
}
"""

UPDATE_PORTFOLIO = """
mutation Update($id: ID!, $name: String) {
  updatePortfolio(input: {id: $id, name: $name}) {
    __typename
    ... on UpdatePortfolioSuccess { portfolio { id name } }
    ... on UserError { field code message }
  }
}
"""

DELETE_PORTFOLIO = """
mutation Delete($id: ID!) {
  deletePortfolio(id: $id) { __typename ... on UserError { field code message } }
}
"""

PORTFOLIO = """
query Portfolio($id: ID!) {
  portfolio(id: $id) {
    id name
    positions(first: 50) {
      totalCount
      edges { node { id symbol positionType quantity tags { name } } }
    }
  }
}
"""

PORTFOLIOS = "query { portfolios(first: 50) { totalCount edges { node { id name } } } }"

ADD_POSITION = """
mutation Add($input: AddPositionInput!) {
  addPosition(input: $input) {
    __typename
    ... on AddPositionSuccess {
      position {
        id symbol underlying positionType quantity multiplier entryPrice entryDate costBasis
        option { expiration strike optionType daysToExpiry }
        tags { name }
      }
    }
    ... on UserError { field code message }
  }
}
"""

UPDATE_POSITION = """
mutation Update($input: UpdatePositionInput!) {
  updatePosition(input: $input) {
    __typename
    ... on UpdatePositionSuccess { position { id quantity positionType entryPrice } }
    ... on UserError { field code message }
  }
}
"""

CLOSE_POSITION = """
mutation Close($input: ClosePositionInput!) {
  closePosition(input: $input) {
    __typename
    ... on ClosePositionSuccess { position { id isOpen exitPrice exitDate } }
    ... on UserError { field code message }
  }
}
"""

DELETE_POSITION = """
mutation Delete($id: ID!) {
  deletePosition(id: $id) { __typename ... on UserError { field code message } }
}
"""

POSITION = "query Position($id: ID!) { position(id: $id) { id symbol } }"

NODE = "query Node($id: ID!) { node(id: $id) { id __typename } }"

CREATE_TAG = """
mutation CreateTag($input: CreateTagInput!) {
  createTag(input: $input) {
    __typename
    ... on CreateTagSuccess { tag { id name color kind } }
    ... on UserError { field code message }
  }
}
"""

UPDATE_TAG = """
mutation UpdateTag($input: UpdateTagInput!) {
  updateTag(input: $input) {
    __typename
    ... on UpdateTagSuccess { tag { id name } }
    ... on UserError { field code message }
  }
}
"""

DELETE_TAG = """
mutation DeleteTag($id: ID!) {
  deleteTag(id: $id) { __typename ... on UserError { field code message } }
}
"""

SET_POSITION_TAGS = """
mutation SetTags($positionId: ID!, $tagIds: [ID!]!) {
  setPositionTags(positionId: $positionId, tagIds: $tagIds) {
    __typename
    ... on SetPositionTagsSuccess { position { id tags { name } } }
    ... on UserError { field code message }
  }
}
"""

CREATE_MODELING_SESSION = """
mutation($portfolioId: ID!, $name: String!) {
  createModelingSession(portfolioId: $portfolioId, name: $name) {
    __typename
    ... on ModelingSessionSuccess { session { id } }
    ... on UserError { field code message }
  }
}
"""
ADD_PRO_FORMA_TRADES = """
mutation($input: AddProFormaTradeInput!) {
  addProFormaTrade(input: $input) { __typename ... on UserError { field code message } }
}
"""
DASHBOARD = """query Dashboard($id: ID!) { portfolio(id: $id) {
  name cash equity totalValue totalPnl totalPnlPercent analyticsFlags
  greeks { delta gamma theta vega rho dollarDelta dollarGamma }
  notional: exposures(basis: NOTIONAL) {
    long short gross net longPercent shortPercent grossPercent netPercent
    longCount shortCount limit targetRange { min max } status }
  deltaAdjusted: exposures(basis: DELTA_ADJUSTED) {
    long short gross net longPercent shortPercent grossPercent netPercent
    longCount shortCount limit targetRange { min max } status }
  sectorExposures { sector positionCount marketValue
    exposures(basis: DELTA_ADJUSTED) { long short gross net netPercent } }
  positionGroups(by: STRATEGY) { key label strategy marketValue unrealizedPnl
    exposures(basis: DELTA_ADJUSTED) { long short gross net }
    greeks { delta gamma theta vega dollarDelta } positions { id } }
  positions(first: 200) { totalCount edges { node {
    id symbol underlying positionType quantity multiplier entryPrice entryDate
    lastPrice marketValue costBasis unrealizedPnl unrealizedPnlPercent sector industry
    notionalExposure deltaAdjustedExposure
    greeks { delta gamma theta vega rho dollarDelta dollarGamma }
    option { expiration strike optionType daysToExpiry yearsToExpiry impliedVolatility
             volatilitySource underlyingPrice riskFreeRate dividendYield }
    dataQuality { missingPrice stale source asOf flags }
    tags { name }
  } } }
} }"""

RISK_PANEL = """query RiskPanel($id: ID!) { portfolio(id: $id) {
  factorExposures { factor { name etf } beta dollarExposure rSquared observations quality }
  historical: riskMetrics(method: HISTORICAL) {
    annualizedVolatility beta sharpeRatio sortinoRatio maxDrawdown
    var95 var99 cvar95 cvar99 var95Percent averageCorrelation observations }
  parametric: riskMetrics(method: PARAMETRIC) { var95 var99 cvar95 cvar99 }
  scenarios { scenario { id name } pnl pnlPercent positions(limit: 5) { pnl position { symbol } } }
  exposures(basis: DELTA_ADJUSTED) { betaAdjusted }
} }"""

# The dashboard with its risk panel, as one request.
DASHBOARD_WITH_RISK = DASHBOARD.removesuffix("} }") + RISK_PANEL.split("portfolio(id: $id) {", 1)[1]
