"""The one place that reads the environment."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-change-me-in-production"  # noqa: S105
DEVELOPMENT_DEMO_PASSWORD = "sigmasight-demo"  # noqa: S105
_PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", DEVELOPMENT_SECRET})


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Runtime configuration; every field maps to an upper-case environment variable."""

    # A refused setting must not echo what it was given: a short SECRET_KEY or a DATABASE_URL
    # with its password would otherwise land in the start-up error and the deploy logs.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    environment: Environment = Environment.DEVELOPMENT
    database_url: str | None = None
    redis_url: str | None = None
    # Every Redis call (cache, rate limit, job queue) gives up after this many seconds, so a
    # paused or unreachable Redis slows a request by at most this much instead of hanging it;
    # reads then fall back to PostgreSQL. Idle connections are re-checked every
    # `redis_health_check_seconds` before reuse.
    redis_timeout_seconds: float = Field(default=0.5, gt=0, le=30)
    # After a Redis call has failed, a process does not ask Redis again for this long: during
    # an outage requests go straight to the fallbacks instead of each waiting out a timeout.
    redis_retry_after_seconds: float = Field(default=5.0, ge=0, le=300)
    redis_health_check_seconds: int = Field(default=30, ge=1)
    # The worker marks itself alive in Redis this often (the mark lasts one period more);
    # /ready reports `worker: ok` while a mark is present.
    worker_heartbeat_seconds: int = Field(default=10, ge=1, le=3600)
    data_dir: Path = Path(".sigmasight")

    secret_key: str = DEVELOPMENT_SECRET
    access_token_minutes: int = Field(default=30, ge=15, le=60)
    refresh_token_days: int = Field(default=30, ge=1, le=90)
    # Sessions: how long a session's liveness and a user's role may be served from the Redis
    # cache before PostgreSQL is asked again (revocations and role changes also clear it).
    auth_cache_seconds: int = Field(default=5, ge=0, le=60)
    # A refresh token presented again within this many seconds of its rotation (two tabs
    # refreshing at once) gets the same new pair; later, reuse revokes the whole session.
    refresh_grace_seconds: int = Field(default=30, ge=0, le=300)
    # Failed sign-ins: past this many failures in the window, an account (or a client address)
    # is refused with TOO_MANY_ATTEMPTS before any password is checked; each further failure
    # doubles the wait, up to the maximum.
    login_failures_per_account: int = Field(default=5, ge=1)
    login_failures_per_address: int = Field(default=20, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=60)
    login_lockout_max_seconds: int = Field(default=900, ge=1)

    graphiql: bool | None = None
    allow_get_queries: bool | None = None
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    # Each field costs 1 per item of the lists above it (`first`/`last`, else 50 per connection
    # page and 20 per other list); an operation costing more is refused before it runs. The
    # dashboard of a 200-position book costs ~16,000, an overview of 200 portfolios ~350,000.
    max_query_cost: int = Field(default=500_000, ge=1)
    # Schema introspection (`__schema`, `__type`); unset: on in development and tests, off in
    # production. GraphiQL needs it to show the documentation.
    introspection: bool | None = None
    # Request bodies past these sizes are refused with 413 before they are read whole: JSON
    # bodies, and multipart uploads. Both fit the largest CSV import (10 MB, sent as the `csv`
    # string or as a file) with its escaping or form around it; lower the JSON one when CSV
    # text is not imported that way.
    max_request_bytes: int = Field(default=12 * 1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(default=12 * 1024 * 1024, ge=1024)
    rate_limit_per_minute: int = 100  # per user (per address when anonymous); 0 turns it off
    # Proxies whose X-Forwarded-For is believed; "*" would let any client pick its own address.
    forwarded_allow_ips: str = "127.0.0.1"

    demo_password: str | None = None

    # Market data: providers tried in order for each symbol (polygon, yfinance, file, synthetic).
    market_data_providers: str | None = None
    polygon_api_key: str | None = None
    market_data_file: Path | None = None
    synthetic_seed: int = 42
    latest_price_cache_seconds: int = 900
    backfill_days: int = 90
    # Options engine: the annual, continuously compounded risk-free rate (0.04 = 4%) and how many
    # daily returns the realised-volatility fallback uses when an option's IV cannot be solved.
    risk_free_rate: float = Field(default=0.04, ge=-0.05, le=0.5)
    realized_volatility_window: int = Field(default=30, ge=5, le=252)
    # FIX trade exports: the header's SenderCompID (49) and TargetCompID (56).
    fix_sender_comp_id: str = "SIGMASIGHT"
    fix_target_comp_id: str = "BROKER"
    # Report files: kept in a local folder (`report_dir`, default `<data_dir>/reports`) or, for
    # several API machines, in an S3-compatible bucket (AWS S3, MinIO, R2, ...). Credentials for
    # S3 come from these settings or, when unset, from boto3's usual chain (environment, role).
    report_storage: Literal["local", "s3"] = "local"
    report_dir: Path | None = None
    report_s3_bucket: str | None = None
    report_s3_prefix: str = "reports/"
    report_s3_endpoint_url: str | None = None
    report_s3_region: str | None = None
    report_s3_access_key_id: str | None = None
    report_s3_secret_access_key: SecretStr | None = None
    # A user may have this many reports queued or being made at once.
    reports_in_flight_per_user: int = Field(default=5, ge=1, le=100)
    log_level: str = "INFO"
    # `json` (one object per line, for log collectors) or `text` (for people); unset means json
    # in production and text elsewhere.
    log_format: Literal["json", "text"] | None = None

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str | None) -> str | None:
        """Accept the `postgres://` URLs hosting platforms hand out and make them asyncpg URLs."""
        if not value:
            return None
        for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
            if value.startswith(prefix):
                return "postgresql+asyncpg://" + value[len(prefix) :]
        return value

    @field_validator("fix_sender_comp_id", "fix_target_comp_id")
    @classmethod
    def _check_comp_id(cls, value: str) -> str:
        """A FIX CompID is non-empty printable ASCII: refused at start-up, not at export."""
        value = value.strip()
        if not value or not (value.isascii() and value.isprintable()):
            raise ValueError("FIX comp ids must be non-empty printable ASCII")
        return value

    @model_validator(mode="after")
    def _require_a_bucket_for_s3(self) -> Settings:
        if self.report_storage == "s3" and not self.report_s3_bucket:
            raise ValueError("REPORT_STORAGE=s3 needs REPORT_S3_BUCKET")
        return self

    @property
    def report_folder(self) -> Path:
        """Where local report files are kept."""
        return self.report_dir or self.data_dir / "reports"

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.environment is Environment.PRODUCTION:
            if self.secret_key in _PLACEHOLDER_SECRETS or len(self.secret_key) < 32:
                raise ValueError("SECRET_KEY must be set to a random value of 32+ characters")
            if not self.database_url or not self.redis_url:
                raise ValueError("DATABASE_URL and REDIS_URL are required in production")
        return self

    @property
    def is_development(self) -> bool:
        return self.environment is not Environment.PRODUCTION

    @property
    def json_logs(self) -> bool:
        """Whether log lines are JSON objects (production default) or human-readable text."""
        if self.log_format is None:
            return self.environment is Environment.PRODUCTION
        return self.log_format == "json"

    @property
    def graphiql_enabled(self) -> bool:
        return self.is_development if self.graphiql is None else self.graphiql

    @property
    def introspection_enabled(self) -> bool:
        return self.is_development if self.introspection is None else self.introspection

    @property
    def get_queries_enabled(self) -> bool:
        return self.is_development if self.allow_get_queries is None else self.allow_get_queries

    @property
    def provider_names(self) -> list[str]:
        """Providers in order: as configured, else polygon+yfinance given a key, else synthetic."""
        if self.market_data_providers:
            return [p.strip().lower() for p in self.market_data_providers.split(",") if p.strip()]
        return ["polygon", "yfinance"] if self.polygon_api_key else ["synthetic"]

    @property
    def effective_demo_password(self) -> str | None:
        """The demo users' password: configured, or a documented default outside production."""
        if self.demo_password:
            return self.demo_password
        return DEVELOPMENT_DEMO_PASSWORD if self.is_development else None


@lru_cache
def get_settings() -> Settings:
    return Settings()
