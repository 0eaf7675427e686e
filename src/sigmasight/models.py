"""Every mapped table, imported so metadata is complete for Alembic and tests."""

from sigmasight.auth.models import RefreshToken, User
from sigmasight.db import Base
from sigmasight.portfolios.models import Portfolio, Position, Tag, position_tags

metadata = Base.metadata

__all__ = ["Portfolio", "Position", "RefreshToken", "Tag", "User", "metadata", "position_tags"]
