"""The discord.py client: cogs, command sync and the central error handler.

`setup_hook` is the one place the Discord adapters are wired to the services: the poster the
outbox sends through, the shards this process runs, the cogs, and the background loops
(stopped again in `close`).

The client is always discord.py's AutoShardedBot: with one shard it is a plain bot (one
gateway connection, IDENTIFY with shard [0, 1]), so one class serves a small bot and a
sharded one; `discord.shard_count` absent means as many shards as Discord recommends."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.config import DiscordConfig
from bot.core.periodic import run_periodically
from bot.core.shards import ShardScope
from bot.discordbot.background import BackgroundTask
from bot.discordbot.checks import ANY_INSTALL, EVERYWHERE, install_refusal
from bot.discordbot.poster import DiscordPoster
from bot.discordbot.respond import answer_failure, send_reply
from bot.outbox.budget import shared_budget
from bot.outbox.sender import Claims, Pacing
from bot.render.cards import Reply
from bot.services import Services

log = logging.getLogger(__name__)

# Discord: one IDENTIFY per 5 s in each of `max_concurrency` buckets (shard_id % max_concurrency).
IDENTIFY_INTERVAL = 5.0


def point_discord_at(config: DiscordConfig) -> None:
    """Send REST and gateway traffic to another endpoint (the test stand-in); unset in production."""
    if config.api_base:
        discord.http.Route.BASE = config.api_base
    if config.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


class RadarTree(app_commands.CommandTree):
    """Answers every failed command with a short private message; logs unexpected errors once."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        name = interaction.command.qualified_name if interaction.command else "?"
        await answer_failure(interaction, error, f"command /{name}")

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Guild-only commands are refused, clearly, where the bot's server install is not."""
        refusal = install_refusal(interaction)
        if refusal is None:
            return True
        await send_reply(interaction, Reply.error(refusal))
        return False


class ReleaseRadarBot(commands.AutoShardedBot):
    def __init__(self, services: Services, **options: Any) -> None:
        """`options` go to discord.py (tests lower `guild_ready_timeout`)."""
        ids = services.config.discord.shard_ids
        if ids is not None:  # absent: every shard (its type hints take no None)
            options["shard_ids"] = list(ids)
        super().__init__(
            shard_count=services.config.discord.shard_count,
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=RadarTree,
            allowed_contexts=EVERYWHERE,
            allowed_installs=ANY_INSTALL,
            **options,
        )
        self.services = services
        self.scope = ShardScope.everything()  # set in setup_hook, once the shard count is known
        self.max_concurrency = 1  # from GET /gateway/bot's session_start_limit
        self.identify_interval = IDENTIFY_INTERVAL
        self._identified_at: dict[int, float] = {}  # identify bucket -> when it last IDENTIFYed
        self._background: list[BackgroundTask] = []  # the leader's loops, while it leads
        self._always: list[BackgroundTask] = []  # every process's loops

    async def setup_hook(self) -> None:
        discord_config = self.services.config.discord
        pacing = Pacing(discord_config.max_requests_per_second, discord_config.max_in_flight)
        poster = DiscordPoster(self, self.services.config.watch.forum_tags)
        await self.resolve_shards()
        self.services.outbox.attach_poster(
            poster,
            pacing,
            self._claims(),
            shared_budget(self.services.db, discord_config.max_requests_per_second),
        )
        await self.services.charts.warm()  # before any command: not inside the 3 s window
        await self.add_cogs()
        await self._start_leading_when_leader()
        await self.sync_commands()

    def _claims(self) -> Claims | None:
        """The outbox rows this process sends: those it claims (several may share the store)."""
        leadership = self.services.leadership
        if leadership is None:
            return None
        seconds = self.services.config.scale.claim_seconds
        return Claims(leadership.process, self.services.outbox.scope, seconds)

    async def _start_leading_when_leader(self) -> None:
        """Take the leader lease (alone on the store: at once) and run the leader's loops
        while this process holds it; every process follows catalog changes and sends the
        outbox rows it claims."""
        services = self.services
        leadership = services.leadership
        if leadership is None:  # no lease: this process does everything
            self._lead()
        else:
            leadership.on_change(self._on_leadership)
            await leadership.step()
            self._always.append(BackgroundTask("leader-lease", leadership.run))
            self._always.append(BackgroundTask("outbox-sender", self._send_while_following))
            poll = services.config.scale.catalog_poll_seconds
            self._always.append(
                BackgroundTask(
                    "catalog-follow", lambda stop: services.lookups.follow_catalog(poll, stop)
                )
            )
        for task in self._always:
            task.start()

    async def _on_leadership(self, leader: bool) -> None:
        if leader:
            self._lead()
        else:
            await self._stop_leading()

    def _lead(self) -> None:
        self._background = self._background_tasks()
        for task in self._background:
            task.start()

    async def _stop_leading(self) -> None:
        tasks, self._background = self._background, []
        for task in tasks:
            await task.stop()

    async def _send_while_following(self, stop: asyncio.Event) -> None:
        """A follower sends its claimed outbox rows itself (the leader's release watch drains
        them beside its polls)."""
        leadership = self.services.leadership

        async def step() -> None:
            if leadership is not None and not leadership.is_leader:
                await self.services.outbox.drain()

        tick = self.services.config.watch.tick_seconds
        await run_periodically(step, tick, stop, label="outbox drain")

    async def resolve_shards(self) -> None:
        """Fix the shard count before connecting (Discord's recommendation when the config
        has none) and hand the process's ShardScope to the services before any background
        work starts, so no loop ever works on another process's guilds."""
        recommended, _, limit = await self.http.get_bot_gateway()
        if self.shard_count is None:
            self.shard_count = recommended
        elif recommended > self.shard_count:
            log.warning(
                "Discord recommends %d shards; discord.shard_count is %d (each shard may hold"
                " at most 2,500 guilds, or Discord closes it: 4011 Sharding required)",
                recommended,
                self.shard_count,
            )
        self.max_concurrency = max(1, int(limit.get("max_concurrency", 1)))
        self.scope = ShardScope.of(self.shard_count, self.shard_ids)
        self.services.outbox.set_scope(self.scope)
        log.info("running %s", self.scope.describe())

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Discord's identify pacing: a shard waits only while its bucket (shard_id %
        max_concurrency) identified less than 5 s ago (discord.py waits 5 s for every shard
        but the first, whatever max_concurrency allows)."""
        loop = asyncio.get_running_loop()
        bucket = (shard_id or 0) % self.max_concurrency
        last = self._identified_at.get(bucket)
        if last is not None:
            await asyncio.sleep(max(0.0, last + self.identify_interval - loop.time()))
        self._identified_at[bucket] = loop.time()

    async def add_cogs(self) -> None:
        """Load every cog, which registers the whole command tree (no connection needed)."""
        from bot.discordbot.cogs.admin import AdminCog
        from bot.discordbot.cogs.digest import DigestCog
        from bot.discordbot.cogs.follow import FollowCog, UnfollowButton
        from bot.discordbot.cogs.lookups import LookupCog
        from bot.discordbot.cogs.watch import WatchCog

        await self.add_cog(LookupCog(self.services))
        await self.add_cog(WatchCog(self.services))
        await self.add_cog(DigestCog(self.services))
        await self.add_cog(AdminCog(self.services))
        await self.add_cog(FollowCog(self.services))
        self.add_dynamic_items(UnfollowButton)

    def _background_tasks(self) -> list[BackgroundTask]:
        """The leader's loops: the release watch (when enabled), the digest schedule, the
        store's upkeep, the follow DMs' batching and the catalog sync."""
        services = self.services
        tasks = [
            BackgroundTask("digest-schedule", services.digests.run),
            BackgroundTask("store-upkeep", services.upkeep.run),
            BackgroundTask("follow-dms", services.follow.run),
        ]
        if services.config.watch.enabled:
            tasks.insert(0, BackgroundTask("release-watch", services.watch.run))
        if services.config.sync.enabled and services.config.sync.sources:
            tasks.append(BackgroundTask("catalog-sync", services.sync.run))
        return tasks

    async def close(self) -> None:
        """Stop the background loops (giving the leader lease up), then the cogs and the
        connection."""
        await self._stop_leading()
        for task in self._always:
            await task.stop()
        await super().close()

    async def sync_commands(self) -> None:
        """Guild sync for the configured development guilds (instant), else global sync."""
        guild_ids = self.services.config.dev_guild_ids
        if guild_ids:
            for guild_id in guild_ids:
                guild = discord.Object(guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()
        log.info("application commands synced (%s)", "guilds" if guild_ids else "global")

    async def on_ready(self) -> None:
        log.info(
            "connected as %s, %s, %d guilds", self.user, self.scope.describe(), len(self.guilds)
        )

    async def on_shard_ready(self, shard_id: int) -> None:
        guilds = sum(1 for g in self.guilds if g.shard_id == shard_id)
        log.info("shard %d of %s ready: %d guilds", shard_id, self.shard_count, guilds)
