# syntax=docker/dockerfile:1
# Build: resolve and install dependencies with uv into /app/.venv.
FROM python:3.11-slim AS build
COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY src ./src
COPY workers ./workers
COPY migrations ./migrations
COPY seeds ./seeds
COPY alembic.ini schema.graphql ./
RUN uv sync --frozen --no-dev --no-editable

# Run: the virtual environment and the migrations, as an unprivileged user.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 sigmasight
WORKDIR /app
COPY --from=build --chown=sigmasight /app/.venv /app/.venv
COPY --from=build --chown=sigmasight /app/migrations /app/migrations
COPY --from=build --chown=sigmasight /app/alembic.ini /app/alembic.ini
COPY --from=build --chown=sigmasight /app/seeds /app/seeds
# Report files go to DATA_DIR/reports unless REPORT_STORAGE=s3 (needed when the API and the
# worker run on different machines, as on Railway).
RUN mkdir /app/data && chown sigmasight /app/data
ENV PATH="/app/.venv/bin:$PATH" ENVIRONMENT=production PYTHONUNBUFFERED=1 DATA_DIR=/app/data
USER sigmasight
# Build matplotlib's font list once here, not on the first report of every new container.
RUN python -c "import matplotlib.font_manager"
EXPOSE 8000
# Migrations run as the release step (see railway.toml); this serves the API.
CMD ["sigmasight", "serve"]
