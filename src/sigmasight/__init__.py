"""SigmaSight: an open portfolio-risk backend served as a GraphQL API."""

__version__ = "0.1.0"
