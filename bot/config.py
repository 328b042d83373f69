"""Configuration: `config.yaml` (optional) plus `DISCORD_TOKEN` from the environment.

Every key is documented in `config.example.yaml`. A bad value raises `ConfigError` naming the key
and what is wrong, so start-up fails with a message a person can act on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from yarl import URL

from bot.core.errors import ImportRejected
from bot.importers.catalog_yaml import safe_yaml
from bot.watch.sources import load_curated, load_feed_sources

DEFAULT_CONFIG_PATH = Path("config.yaml")
DEFAULT_DATABASE = Path("var/release-radar.db")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TOKEN = re.compile(r"[A-Za-z0-9._-]{1,200}")
_DIGITS = re.compile(r"[0-9]{1,20}")
_SHARD_RANGE = re.compile(r"([0-9]{1,5})\s*-\s*([0-9]{1,5})")
_HUB_AUTHOR = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
BACKENDS = ("sqlite", "postgresql")
_PROCESS_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")


class ConfigError(Exception):
    """A configuration problem, worded for the person who wrote the config."""


@dataclass(frozen=True)
class CuratorConfig:
    users: frozenset[int] = frozenset()
    roles: frozenset[int] = frozenset()


@dataclass(frozen=True)
class DiscordConfig:
    """Where discord.py connects (production configs never set these; the test stand-in
    does) and how fast the outbox posts: requests per second, kept just under Discord's global
    limit of 50, and how many may be under way at once (more than rate x round trip)."""

    api_base: str | None = None
    gateway_url: str | None = None
    max_requests_per_second: float = 48.0
    max_in_flight: int = 50
    # Sharding (bot/core/shards.py): None = as many shards as Discord's /gateway/bot
    # recommends; shard_ids None = all of them, in this one process.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class WatchConfig:
    """Release watch: where the curated feed lives, how often to poll, whom to tell."""

    enabled: bool = True
    feeds_file: Path | None = None  # None: the bundled data/feeds.yaml
    releases_dir: Path | None = None  # None: the bundled data/releases/
    tick_seconds: float = 30.0
    failure_threshold: int = 5
    fetch_timeout: float = 20.0
    max_feed_bytes: int = 5 * 1024 * 1024
    parse_workers: int = 2  # processes that parse feeds side by side; 0: a thread per parse
    parse_timeout: float = 60.0  # seconds a feed may take to parse before it is given up
    ops_channel_id: int | None = None
    allow_private_feed_hosts: bool = False  # feeds on loopback/private/link-local addresses
    max_alerts_per_poll: int = 5  # per channel and poll round; the rest: one summary per source
    edit_updated_alerts: bool = True  # an item its source updates edits its posted alerts
    # Forum posts: which forum tag an alert's label (organisation, openness, type) gets;
    # a label without one takes the tag of its own name, where the forum has it.
    forum_tags: dict[str, str] = field(default_factory=dict)
    provisional_records: bool = True  # announced models the catalog lacks get a record


@dataclass(frozen=True)
class RetentionConfig:
    """How long what piles up is kept, and how often the store is tidied (bot/core/upkeep.py)."""

    sent_outbox_days: int = 30  # posts sent (or given up) that long ago are deleted
    notice_days: int = 90  # operator and admin notices, whatever their outcome
    entry_body_days: int = 90  # older entries keep their summary's opening only
    identity_days: int = 1095  # older entries' identities go (see config.example.yaml)
    upkeep_hours: float = 24.0  # how often pruning and PRAGMA optimize run
    vacuum_days: int = 7  # how often VACUUM rebuilds the file (sooner once a quarter is free)


@dataclass(frozen=True)
class FollowConfig:
    """Personal watchlists (bot/follow): how many follows a user may keep, and DM batching."""

    max_per_user: int = 50
    batch_minutes: float = 60.0  # at most one watchlist DM per user this often
    tick_seconds: float = 60.0  # how often new changes are looked for and batches queued


@dataclass(frozen=True)
class ChartsConfig:
    """PNG charts attached beside /compare and /leaderboard answers (the text stays)."""

    enabled: bool = True
    cache_entries: int = 64  # charts kept by content, so the same question is drawn once
    max_bytes: int = 8 * 1024 * 1024  # a bigger chart is left out (Discord's limit is 10 MiB)


# Entry bodies feed the re-guid check for 90 days (bot/watch/ingest.py REGUID_WINDOW), and an
# identity must outlive every feed that still lists its item: the lower bounds of the keys.
MIN_BODY_DAYS = 90
MIN_IDENTITY_DAYS = 365


@dataclass(frozen=True)
class SyncSourceConfig:
    """One enabled sync source: how often it is fetched, and from where (None: its adapter's
    default URL)."""

    cadence_minutes: float = 1440.0
    url: str | None = None


DEFAULT_SYNC_SOURCES = {
    "epoch": SyncSourceConfig(cadence_minutes=24 * 60),
    "openrouter": SyncSourceConfig(cadence_minutes=6 * 60),
    "litellm": SyncSourceConfig(cadence_minutes=24 * 60),
    "genai-prices": SyncSourceConfig(cadence_minutes=24 * 60),
}


@dataclass(frozen=True)
class SyncConfig:
    """The live catalog (bot/sync): which sources are synced, how often the loop looks, and
    the bounds of a fetch. The bundled snapshots stay the offline default."""

    enabled: bool = True
    sources: dict[str, SyncSourceConfig] = field(default_factory=lambda: dict(DEFAULT_SYNC_SOURCES))
    tick_seconds: float = 300.0
    failure_threshold: int = 5
    fetch_timeout: float = 60.0
    max_bytes: int = 64 * 1024 * 1024
    allow_private_hosts: bool = False  # sources on loopback/private addresses (tests)


@dataclass(frozen=True)
class HubConfig:
    """The Hugging Face Hub source (`huggingface:`): where it is, which organisations' new
    repos to list (Hub author -> the organisation's name in the catalog), how many each."""

    endpoint: str = "https://huggingface.co"
    organisations: tuple[tuple[str, str], ...] = ()
    per_organisation: int = 50
    timeout: float = 20.0


@dataclass(frozen=True)
class StoreConfig:
    """Where the store lives: SQLite (the `database` file) or a PostgreSQL server at `dsn`,
    its password from the environment variable `password_env` (None: a login without one)."""

    backend: Literal["sqlite", "postgresql"] = "sqlite"
    dsn: str | None = None
    password_env: str | None = "RADAR_DB_PASSWORD"
    pool_size: int = 10
    password: str | None = field(default=None, repr=False)  # read at start-up, never logged


@dataclass(frozen=True)
class ScaleConfig:
    """Several processes on one store: the leader lease, outbox claims, catalog coherence."""

    enabled: bool = False  # off: this process is the only one (no lease, no claims)
    lease_seconds: float = 20.0  # another process takes over after this long without renewal
    lease_renew_seconds: float = 5.0  # how often the leader renews (at most half the lease)
    process_name: str | None = None  # None: hostname-pid
    claim_seconds: float = 60.0  # how long a process's claim on outbox rows lasts unrenewed
    catalog_poll_seconds: float = 5.0  # how often a catalog change by another process is looked for


@dataclass(frozen=True)
class Config:
    database: Path = DEFAULT_DATABASE
    database_busy_timeout: float = 5.0  # seconds a write waits for another process's write
    log_level: str = "INFO"
    dev_guild_ids: tuple[int, ...] = ()
    owners: frozenset[int] = frozenset()
    curators: CuratorConfig = field(default_factory=CuratorConfig)
    discord: DiscordConfig = field(default_factory=DiscordConfig)
    watch: WatchConfig = field(default_factory=WatchConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    follow: FollowConfig = field(default_factory=FollowConfig)
    sync: SyncConfig = field(default_factory=SyncConfig)
    token: str | None = None
    huggingface: HubConfig = field(default_factory=HubConfig)
    charts: ChartsConfig = field(default_factory=ChartsConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    scale: ScaleConfig = field(default_factory=ScaleConfig)


def load_config(
    path: Path | None = None, env: Mapping[str, str] | None = None, *, database: Path | None = None
) -> Config:
    """Read the YAML file at `path` (or `config.yaml` if present) and the token from `env`."""
    env = os.environ if env is None else env
    raw: dict[str, Any] = {}
    if path is not None and not path.exists():
        raise ConfigError(f"config file {path} does not exist")
    chosen = path if path is not None else DEFAULT_CONFIG_PATH
    if chosen.exists():
        raw = _read_yaml(chosen)
    config = parse_config(raw)
    token = _token(env.get("DISCORD_TOKEN"))
    overrides: dict[str, Any] = {"token": token, "store": store_password(config.store, env)}
    if database is not None:
        if config.store.backend != "sqlite":
            raise ConfigError("--db names an SQLite file, but store.backend is postgresql")
        overrides["database"] = _database(database, "--db")
    return replace(config, **overrides)


def store_password(store: StoreConfig, env: Mapping[str, str]) -> StoreConfig:
    """`store` with the PostgreSQL password read from its environment variable."""
    if store.backend != "postgresql" or store.password_env is None:
        return store
    password = env.get(store.password_env, "")
    if not password:
        raise ConfigError(
            f"environment variable {store.password_env} (named by key 'store.password_env') is"
            " not set: set it to the database user's password, or set store.password_env: null"
            " for a login that needs none (trust, peer, .pgpass)"
        )
    return replace(store, password=password)


def _store(raw: dict[str, Any]) -> StoreConfig:
    _reject_unknown(raw, {"backend", "dsn", "password_env", "pool_size"}, prefix="store.")
    backend = raw.get("backend", "sqlite")
    if backend not in BACKENDS:
        raise ConfigError(f"key 'store.backend' must be sqlite or postgresql, got {backend!r}")
    dsn = _dsn(raw.get("dsn"))
    if backend == "postgresql" and dsn is None:
        raise ConfigError(
            "key 'store.dsn' is required when store.backend is postgresql"
            " (e.g. postgresql://radar@db:5432/radar)"
        )
    if backend == "sqlite" and dsn is not None:
        raise ConfigError(
            "key 'store.dsn' is set but store.backend is sqlite: set store.backend: postgresql"
            " to use it, or remove it"
        )
    password_env = raw.get("password_env", "RADAR_DB_PASSWORD")
    if password_env is not None and (
        not isinstance(password_env, str) or not _ENV_NAME.fullmatch(password_env)
    ):
        raise ConfigError(
            "key 'store.password_env' must name an environment variable (letters, digits, _)"
            f" or be null, got {password_env!r}"
        )
    return StoreConfig(
        backend=backend,
        dsn=dsn,
        password_env=password_env,
        pool_size=_integer(raw, "pool_size", 10, 1, 200, "store."),
    )


def _dsn(value: Any) -> str | None:
    """A postgresql:// URL with a host and a database, and no password in it."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(("postgresql://", "postgres://")):
        shown = value if not isinstance(value, str) or "@" not in value else "<hidden>"
        raise ConfigError(
            "key 'store.dsn' must be a postgresql:// URL such as postgresql://radar@db:5432/radar,"
            f" got {shown!r}"
        )
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (a bad port raises here)
    except ValueError as exc:
        raise ConfigError(f"key 'store.dsn' is not a valid URL: {exc}") from exc
    if parts.password is not None:
        raise ConfigError(
            "key 'store.dsn' holds a password: remove it from the URL (config files get shared"
            " and logged) and put it in the environment variable named by store.password_env"
        )
    if not parts.hostname or parts.path.strip("/") == "":
        raise ConfigError(
            "key 'store.dsn' must name a host and a database, e.g. postgresql://radar@db:5432/radar"
        )
    return value


def _token(value: str | None) -> str | None:
    """`DISCORD_TOKEN`, refused before it is used when it cannot be a bot token: a CR or LF
    in it would end the Authorization header and start another (header injection)."""
    token = (value or "").strip(" \t")
    if not token:
        return None
    if "\r" in token or "\n" in token:
        raise ConfigError(
            "DISCORD_TOKEN was refused: it contains a line break (CR/LF); set it to the token alone"
        )
    if not _TOKEN.fullmatch(token):
        raise ConfigError(
            "DISCORD_TOKEN was refused: a bot token holds only letters, digits, '.', '_' and '-'"
            f" ({len(token)} characters given)"
        )
    return token


def parse_config(raw: dict[str, Any]) -> Config:
    """Validate a parsed YAML mapping and build a `Config`; unknown keys are errors (typos)."""
    _reject_unknown(
        raw,
        {
            "database",
            "database_busy_timeout",
            "log_level",
            "dev_guild_ids",
            "owners",
            "curators",
            "discord",
            "watch",
            "retention",
            "follow",
            "sync",
            "huggingface",
            "charts",
            "store",
            "scale",
        },
    )
    curators = _mapping(raw, "curators")
    _reject_unknown(curators, {"users", "roles"}, prefix="curators.")
    discord_raw = _mapping(raw, "discord")
    _reject_unknown(
        discord_raw,
        {
            "api_base",
            "gateway_url",
            "max_requests_per_second",
            "max_in_flight",
            "shard_count",
            "shard_ids",
        },
        prefix="discord.",
    )
    shard_count, shard_ids = _shards(discord_raw)
    watch = _watch(_mapping(raw, "watch"))
    store = _store(_mapping(raw, "store"))
    # A shared store or a shard range means other processes: lease and claims, unless told not.
    shared = store.backend == "postgresql" or shard_ids is not None
    return Config(
        huggingface=_hub(_mapping(raw, "huggingface")),
        watch=watch,
        charts=_charts(_mapping(raw, "charts")),
        scale=_scale(_mapping(raw, "scale"), shared),
        retention=_retention(_mapping(raw, "retention")),
        follow=_follow(_mapping(raw, "follow")),
        sync=_sync(_mapping(raw, "sync")),
        store=store,
        database=_database(Path(_string(raw, "database", str(DEFAULT_DATABASE))), "database"),
        database_busy_timeout=_number(raw, "database_busy_timeout", 5.0, 0.05, 600),
        log_level=_log_level(raw),
        dev_guild_ids=tuple(_snowflakes(raw, "dev_guild_ids")),
        owners=frozenset(_snowflakes(raw, "owners")),
        curators=CuratorConfig(
            users=frozenset(_snowflakes(curators, "users", "curators.users")),
            roles=frozenset(_snowflakes(curators, "roles", "curators.roles")),
        ),
        discord=DiscordConfig(
            api_base=_url(discord_raw, "api_base", "discord.api_base", ("http://", "https://")),
            gateway_url=_url(
                discord_raw, "gateway_url", "discord.gateway_url", ("ws://", "wss://")
            ),
            max_requests_per_second=_number(
                discord_raw, "max_requests_per_second", 48.0, 1, 1000, "discord."
            ),
            max_in_flight=_integer(discord_raw, "max_in_flight", 50, 1, 1000, "discord."),
            shard_count=shard_count,
            shard_ids=shard_ids,
        ),
    )


MAX_SHARDS = 10000


def _shards(raw: dict[str, Any]) -> tuple[int | None, tuple[int, ...] | None]:
    """`discord.shard_count` (absent: Discord recommends) and `discord.shard_ids` (a list or
    a "0-3" range of this process's shards, each below shard_count; absent: all)."""
    count = None
    if raw.get("shard_count") is not None:
        count = _integer(raw, "shard_count", 1, 1, MAX_SHARDS, "discord.")
    if raw.get("shard_ids") is None:
        return count, None
    if count is None:
        raise ConfigError(
            "key 'discord.shard_ids' needs discord.shard_count: a process runs some of a known"
            " number of shards"
        )
    ids = _shard_ids(raw["shard_ids"])
    stray = [shard for shard in ids if shard >= count]
    if stray:
        raise ConfigError(
            f"key 'discord.shard_ids' holds {stray[0]}: shard ids run from 0 to"
            f" {count - 1} (shard_count {count})"
        )
    return count, ids


def _shard_ids(value: Any) -> tuple[int, ...]:
    """A list of whole numbers, or "A-B" (both included); no duplicates, not empty."""
    label = "key 'discord.shard_ids'"
    if isinstance(value, str):
        match = _SHARD_RANGE.fullmatch(value.strip())
        if not match:
            raise ConfigError(
                f'{label} must be a list of shard ids or a range like "0-3", got {value!r}'
            )
        low, high = int(match[1]), int(match[2])
        if low > high:
            raise ConfigError(f"{label}: the range {value!r} runs backwards")
        return tuple(range(low, high + 1))
    if not isinstance(value, list) or not value:
        raise ConfigError(
            f'{label} must be a list of shard ids or a range like "0-3", got {value!r}'
        )
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or item < 0:
            raise ConfigError(f"{label} holds {item!r}, which is not a shard id (0, 1, 2 ...)")
    duplicates = sorted({item for item in value if value.count(item) > 1})
    if duplicates:
        raise ConfigError(f"{label} holds {duplicates[0]} more than once")
    return tuple(sorted(value))


def _hub(raw: dict[str, Any]) -> HubConfig:
    _reject_unknown(
        raw, {"endpoint", "organisations", "per_organisation", "timeout"}, prefix="huggingface."
    )
    endpoint = _url(raw, "endpoint", "huggingface.endpoint", ("http://", "https://"))
    orgs = raw.get("organisations") or {}
    if not isinstance(orgs, dict):
        raise ConfigError(
            "key 'huggingface.organisations' must map Hub authors to organisation names"
            f" (meta-llama: Meta), got {type(orgs).__name__}"
        )
    pairs = []
    for author, name in orgs.items():
        if not isinstance(author, str) or not _HUB_AUTHOR.fullmatch(author):
            raise ConfigError(f"key 'huggingface.organisations' holds {author!r}: not a Hub author")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(
                f"key 'huggingface.organisations.{author}' must be the organisation's name"
            )
        pairs.append((author, name.strip()))
    return HubConfig(
        endpoint=endpoint or HubConfig.endpoint,
        organisations=tuple(pairs),
        per_organisation=_integer(raw, "per_organisation", 50, 1, 1000, "huggingface."),
        timeout=_number(raw, "timeout", 20.0, 1, 300, "huggingface."),
    )


def _database(path: Path, label: str) -> Path:
    """The database file: it may not exist yet, but it cannot be a directory or under a file."""
    if path.is_dir():
        raise ConfigError(f"key '{label}': {path} is a directory, not a database file")
    parent = next((p for p in path.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise ConfigError(f"key '{label}': {parent} is a file, so {path} cannot be created")
    return path


def _watch(raw: dict[str, Any]) -> WatchConfig:
    defaults = WatchConfig()
    _reject_unknown(
        raw,
        {
            "enabled",
            "feeds_file",
            "releases_dir",
            "tick_seconds",
            "failure_threshold",
            "fetch_timeout",
            "max_feed_bytes",
            "parse_workers",
            "parse_timeout",
            "ops_channel_id",
            "allow_private_feed_hosts",
            "max_alerts_per_poll",
            "edit_updated_alerts",
            "forum_tags",
            "provisional_records",
        },
        prefix="watch.",
    )
    ops = _snowflakes(
        {"ops": [raw["ops_channel_id"]]} if raw.get("ops_channel_id") is not None else {},
        "ops",
        "watch.ops_channel_id",
    )
    return WatchConfig(
        enabled=_flag(raw, "enabled", defaults.enabled, "watch."),
        feeds_file=_feeds_file(raw),
        releases_dir=_releases_dir(raw),
        tick_seconds=_number(raw, "tick_seconds", defaults.tick_seconds, 0.05, 3600, "watch."),
        failure_threshold=_integer(
            raw, "failure_threshold", defaults.failure_threshold, 1, 100, "watch."
        ),
        fetch_timeout=_number(raw, "fetch_timeout", defaults.fetch_timeout, 0.1, 300, "watch."),
        max_feed_bytes=_integer(
            raw, "max_feed_bytes", defaults.max_feed_bytes, 1024, 100 * 1024 * 1024, "watch."
        ),
        parse_workers=_integer(raw, "parse_workers", defaults.parse_workers, 0, 8, "watch."),
        parse_timeout=_number(raw, "parse_timeout", defaults.parse_timeout, 0.01, 3600, "watch."),
        ops_channel_id=ops[0] if ops else None,
        allow_private_feed_hosts=_flag(
            raw, "allow_private_feed_hosts", defaults.allow_private_feed_hosts, "watch."
        ),
        max_alerts_per_poll=_integer(
            raw, "max_alerts_per_poll", defaults.max_alerts_per_poll, 1, 100, "watch."
        ),
        edit_updated_alerts=_flag(
            raw, "edit_updated_alerts", defaults.edit_updated_alerts, "watch."
        ),
        forum_tags=_forum_tags(raw.get("forum_tags")),
        provisional_records=_flag(
            raw, "provisional_records", defaults.provisional_records, "watch."
        ),
    )


def _forum_tags(raw: Any) -> dict[str, str]:
    """watch.forum_tags: label -> forum tag name, both non-empty text (a tag name at most
    20 characters, as Discord allows)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError("key 'watch.forum_tags': must be a mapping of label: tag name")
    mapping: dict[str, str] = {}
    for label, tag in raw.items():
        if not isinstance(tag, str) or not tag.strip() or len(tag.strip()) > 20:
            raise ConfigError(
                f"key 'watch.forum_tags.{label}': must be a tag name of 1 to 20 characters"
            )
        if not str(label).strip():
            raise ConfigError("key 'watch.forum_tags': a label is empty")
        mapping[str(label).strip()] = tag.strip()
    return mapping


def _charts(raw: dict[str, Any]) -> ChartsConfig:
    defaults, prefix = ChartsConfig(), "charts."
    _reject_unknown(raw, {"enabled", "cache_entries", "max_bytes"}, prefix=prefix)
    return ChartsConfig(
        enabled=_flag(raw, "enabled", defaults.enabled, prefix),
        cache_entries=_integer(raw, "cache_entries", defaults.cache_entries, 1, 10_000, prefix),
        max_bytes=_integer(
            raw, "max_bytes", defaults.max_bytes, 64 * 1024, 10 * 1024 * 1024, prefix
        ),
    )


def _retention(raw: dict[str, Any]) -> RetentionConfig:
    defaults, prefix = RetentionConfig(), "retention."
    _reject_unknown(
        raw,
        {
            "sent_outbox_days",
            "notice_days",
            "entry_body_days",
            "identity_days",
            "upkeep_hours",
            "vacuum_days",
        },
        prefix=prefix,
    )
    return RetentionConfig(
        sent_outbox_days=_integer(
            raw, "sent_outbox_days", defaults.sent_outbox_days, 1, 36500, prefix
        ),
        notice_days=_integer(raw, "notice_days", defaults.notice_days, 1, 36500, prefix),
        entry_body_days=_integer(
            raw, "entry_body_days", defaults.entry_body_days, MIN_BODY_DAYS, 36500, prefix
        ),
        identity_days=_integer(
            raw, "identity_days", defaults.identity_days, MIN_IDENTITY_DAYS, 36500, prefix
        ),
        upkeep_hours=_number(raw, "upkeep_hours", defaults.upkeep_hours, 0.01, 8760, prefix),
        vacuum_days=_integer(raw, "vacuum_days", defaults.vacuum_days, 1, 3650, prefix),
    )


def _scale(raw: dict[str, Any], shared: bool) -> ScaleConfig:
    """The `scale:` section; `enabled` defaults to `shared` (a PostgreSQL store or a shard range)."""
    defaults, prefix = ScaleConfig(), "scale."
    _reject_unknown(
        raw,
        {
            "enabled",
            "lease_seconds",
            "lease_renew_seconds",
            "process_name",
            "claim_seconds",
            "catalog_poll_seconds",
        },
        prefix=prefix,
    )
    lease = _number(raw, "lease_seconds", defaults.lease_seconds, 2, 3600, prefix)
    renew = _number(raw, "lease_renew_seconds", defaults.lease_renew_seconds, 0.2, 1800, prefix)
    if renew > lease / 2:
        raise ConfigError(
            f"key 'scale.lease_renew_seconds' must be at most half of scale.lease_seconds"
            f" ({lease:g}), so the leader renews well before its lease runs out; got {renew:g}"
        )
    name = raw.get("process_name")
    if name is not None and (not isinstance(name, str) or not _PROCESS_NAME.fullmatch(name)):
        raise ConfigError(
            "key 'scale.process_name' must be 1 to 100 letters, digits, '.', '_' or '-',"
            f" got {name!r}"
        )
    return ScaleConfig(
        enabled=_flag(raw, "enabled", shared, prefix),
        lease_seconds=lease,
        lease_renew_seconds=renew,
        process_name=name,
        claim_seconds=_number(raw, "claim_seconds", defaults.claim_seconds, 5, 3600, prefix),
        catalog_poll_seconds=_number(
            raw, "catalog_poll_seconds", defaults.catalog_poll_seconds, 0.1, 3600, prefix
        ),
    )


def _follow(raw: dict[str, Any]) -> FollowConfig:
    defaults, prefix = FollowConfig(), "follow."
    _reject_unknown(raw, {"max_per_user", "batch_minutes", "tick_seconds"}, prefix=prefix)
    return FollowConfig(
        max_per_user=_integer(raw, "max_per_user", defaults.max_per_user, 1, 500, prefix),
        batch_minutes=_number(raw, "batch_minutes", defaults.batch_minutes, 1, 10080, prefix),
        tick_seconds=_number(raw, "tick_seconds", defaults.tick_seconds, 0.05, 3600, prefix),
    )


def _sync(raw: dict[str, Any]) -> SyncConfig:
    defaults, prefix = SyncConfig(), "sync."
    _reject_unknown(
        raw,
        {
            "enabled",
            "sources",
            "tick_seconds",
            "failure_threshold",
            "fetch_timeout",
            "max_bytes",
            "allow_private_hosts",
        },
        prefix=prefix,
    )
    allow_private = _flag(raw, "allow_private_hosts", defaults.allow_private_hosts, prefix)
    return SyncConfig(
        enabled=_flag(raw, "enabled", defaults.enabled, prefix),
        sources=_sync_sources(raw, allow_private) if "sources" in raw else defaults.sources,
        tick_seconds=_number(raw, "tick_seconds", defaults.tick_seconds, 0.05, 86400, prefix),
        failure_threshold=_integer(
            raw, "failure_threshold", defaults.failure_threshold, 1, 100, prefix
        ),
        fetch_timeout=_number(raw, "fetch_timeout", defaults.fetch_timeout, 0.1, 600, prefix),
        max_bytes=_integer(raw, "max_bytes", defaults.max_bytes, 1024, 1024 * 1024 * 1024, prefix),
        allow_private_hosts=allow_private,
    )


def _sync_sources(raw: dict[str, Any], allow_private: bool) -> dict[str, SyncSourceConfig]:
    """`sync.sources`: source key -> {cadence_hours, url}, each key a known adapter."""
    from bot.sync.adapter import collects
    from bot.sync.registry import ADAPTERS
    from bot.watch.addresses import url_refusal

    value = raw["sources"]
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(
            f"key 'sync.sources' must be a mapping of source keys, got {type(value).__name__}"
        )
    sources = {}
    for key, options in value.items():
        label = f"sync.sources.{key}"
        if key not in ADAPTERS:
            raise ConfigError(
                f"key '{label}': no such sync source (known: {', '.join(sorted(ADAPTERS))})"
            )
        options = {} if options is None else options
        if not isinstance(options, dict):
            raise ConfigError(f"key '{label}' must be a mapping, got {type(options).__name__}")
        _reject_unknown(options, {"cadence_hours", "url"}, prefix=label + ".")
        hours = _number(options, "cadence_hours", 24.0, 0.01, 24 * 90, label + ".")
        url = options.get("url")
        if url is not None and collects(ADAPTERS[key]):
            raise ConfigError(
                f"key '{label}.url': {key} is not read from one URL"
                + (" (set huggingface.endpoint instead)" if key == "huggingface" else "")
            )
        if url is not None:
            refusal = url_refusal(url, allow_private=allow_private) if isinstance(url, str) else ""
            if refusal is not None:
                why = refusal or "must be a URL"
                raise ConfigError(f"key '{label}.url' is refused: {why} (got {url!r})")
        if url is None and not ADAPTERS[key].default_url:
            raise ConfigError(
                f"key '{label}.url' is required: {ADAPTERS[key].source.name} has no default"
                " URL (point it at the downloaded or hosted file)"
            )
        sources[key] = SyncSourceConfig(cadence_minutes=hours * 60, url=url)
    return sources


def _flag(raw: dict[str, Any], key: str, default: bool, prefix: str = "") -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"key '{prefix}{key}' must be true or false, got {value!r}")
    return value


def _feeds_file(raw: dict[str, Any]) -> Path | None:
    """`watch.feeds_file`: an existing, valid feeds file (read now, so a bad one fails start-up)."""
    if "feeds_file" not in raw:
        return None
    path = Path(_string(raw, "feeds_file", "", "watch.feeds_file"))
    if not path.is_file():
        problem = "is a directory" if path.is_dir() else "does not exist"
        raise ConfigError(f"key 'watch.feeds_file': {path} {problem}")
    _check_file_contents("watch.feeds_file", lambda: load_feed_sources(path))
    return path


def _releases_dir(raw: dict[str, Any]) -> Path | None:
    """`watch.releases_dir`: an existing directory whose `*.yaml` files are valid entries."""
    if "releases_dir" not in raw:
        return None
    path = Path(_string(raw, "releases_dir", "", "watch.releases_dir"))
    if not path.is_dir():
        problem = "is a file, not a directory" if path.exists() else "does not exist"
        raise ConfigError(f"key 'watch.releases_dir': {path} {problem}")
    _check_file_contents("watch.releases_dir", lambda: load_curated(sorted(path.glob("*.yaml"))))
    return path


def _check_file_contents(label: str, read: Callable[[], object]) -> None:
    try:
        read()
    except ImportRejected as exc:
        head = str(exc).split("\n", 1)[0]
        listed = "; ".join(exc.problems[:3])
        more = f" (and {len(exc.problems) - 3} more)" if len(exc.problems) > 3 else ""
        raise ConfigError(f"key '{label}': {head}{' ' + listed if listed else ''}{more}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"key '{label}': cannot be read: {exc}") from exc


def _integer(
    raw: dict[str, Any], key: str, default: int, low: int, high: int, prefix: str = ""
) -> int:
    """A whole number in [low, high]; 2.7 or "5" is refused, not truncated or coerced."""
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(
            f"key '{prefix}{key}' must be a whole number from {low} to {high}, got {value!r}"
        )
    return value


def _number(
    raw: dict[str, Any], key: str, default: float, low: float, high: float, prefix: str = ""
) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(
            f"key '{prefix}{key}' must be a number from {low:g} to {high:g}, got {value!r}"
        )
    return float(value)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = safe_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must be a mapping of keys to values, not {type(data).__name__}")
    return data


def _reject_unknown(raw: dict[str, Any], known: set[str], prefix: str = "") -> None:
    for key in raw:
        if key not in known:
            choices = ", ".join(sorted(prefix + k for k in known))
            raise ConfigError(f"unknown key '{prefix}{key}' (known keys: {choices})")


def _mapping(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"key '{key}' must be a mapping, got {type(value).__name__}")
    return value


def _string(raw: dict[str, Any], key: str, default: str, label: str | None = None) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise ConfigError(f"key '{label or key}' must be a non-empty string, got {value!r}")
    return value


def _log_level(raw: dict[str, Any]) -> str:
    value = raw.get("log_level", "INFO")
    if not isinstance(value, str) or value.upper() not in LOG_LEVELS:
        raise ConfigError(f"key 'log_level' must be one of {', '.join(LOG_LEVELS)}, got {value!r}")
    return value.upper()


def _snowflakes(raw: dict[str, Any], key: str, label: str | None = None) -> list[int]:
    label = label or key
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(
            f"key '{label}' must be a list of Discord ids, got {type(value).__name__}"
        )
    ids = []
    for item in value:
        # str.isdigit() also accepts '²' and other non-ASCII digits, which int() refuses.
        if (
            isinstance(item, bool)
            or not isinstance(item, int | str)
            or not _DIGITS.fullmatch(str(item))
        ):
            raise ConfigError(f"key '{label}' holds {item!r}, which is not a Discord id (digits)")
        number = int(item)
        if not 0 < number < 2**64:
            raise ConfigError(f"key '{label}' holds {item!r}, which is out of the Discord id range")
        ids.append(number)
    return ids


def _url(raw: dict[str, Any], key: str, label: str, schemes: tuple[str, ...]) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(schemes) or not _has_host(value):
        raise ConfigError(
            f"key '{label}' must be a URL with a host, starting with {' or '.join(schemes)}"
        )
    return value.rstrip("/")


def _has_host(url: str) -> bool:
    if any(c.isspace() for c in url):
        return False
    try:
        return bool(URL(url).host)
    except ValueError:
        return False
