# Release Radar: slim Python image, non-root user, database on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY data ./data
# Editable: the code stays in /app beside data/, where the bot finds its bundled data.
RUN pip install -e . && useradd --create-home --uid 10001 radar && mkdir -p /var/lib/release-radar \
    && chown radar /var/lib/release-radar

USER radar
VOLUME ["/var/lib/release-radar"]
# The token comes from the environment: docker run -e DISCORD_TOKEN=... -v radar:/var/lib/release-radar
# (one process on SQLite). compose.yaml runs the same image on PostgreSQL with a config file each.
ENTRYPOINT ["python", "-m", "bot", "--db", "/var/lib/release-radar/release-radar.db"]
CMD ["run"]
