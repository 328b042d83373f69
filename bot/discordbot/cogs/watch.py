"""/watch (guild admins) and /feeds (status for all, changes for curators)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import UserError, channel_ref
from bot.discordbot.checks import GUILD_INSTALL, GUILD_ONLY, curators_only
from bot.discordbot.poster import DiscordPoster
from bot.discordbot.respond import send_reply
from bot.discordbot.targets import (
    PostTarget,
    require_pingable,
    require_target,
    tag_map_option,
)
from bot.outbox.sender import ChannelUnavailable, PermanentPostError, TransientPostError
from bot.render.cards import Reply, clip
from bot.render.limits import AUTOCOMPLETE_CHOICES
from bot.render.safe import safe_text
from bot.render.watch import (
    feed_status,
    subscription_added,
    subscription_choice,
    subscription_list,
)
from bot.services import Services
from bot.watch.filters import parse_filters
from bot.watch.sources import DEFAULT_POLL_MINUTES, FEED_KINDS, validate_source

log = logging.getLogger(__name__)

FILTER_HELP = {
    "orgs": "Organisations, comma-separated (Alibaba, Google ...)",
    "openness": "open, open_permissive, api_only ... comma-separated",
    "modality": "Modalities, comma-separated (audio, video, language ...)",
    "types": "release, license_change, shutdown, price_change, research ... comma-separated",
    "keywords": "Words that must appear, comma-separated",
    "new_only": "Only entries that add a model or snapshot to the catalog (yes/no, default no)",
}
YES_NO = [app_commands.Choice(name="yes", value="yes"), app_commands.Choice(name="no", value="no")]


class WatchCog(commands.Cog):
    watch = app_commands.Group(
        name="watch",
        description="Release alerts for this server's channels",
        guild_only=True,
        allowed_contexts=GUILD_ONLY,
        allowed_installs=GUILD_INSTALL,
        default_permissions=discord.Permissions(manage_guild=True),
    )
    feeds = app_commands.Group(name="feeds", description="The feed sources release watch polls")

    def __init__(self, services: Services) -> None:
        self.services = services
        self.service = services.watch

    # ---- /watch ---------------------------------------------------------------------------

    @watch.command(name="add", description="Post release alerts to a channel")
    @app_commands.describe(
        channel="Where alerts go: a text or announcement channel, a thread, or a forum",
        backlog="Also post the last N matching entries (0-10, default 0)",
        role="A role to ping with each alert (none by default)",
        publish="Announcement channels: publish each alert to the servers following it",
        thread_per_alert="Text channels: open a thread on each alert for discussion",
        tags="Forums: which tag each label gets, like api_only=Closed, Google=Gemini",
        **FILTER_HELP,
    )
    @app_commands.choices(new_only=YES_NO)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def watch_add(
        self,
        interaction: discord.Interaction,
        channel: PostTarget,
        orgs: str | None = None,
        openness: str | None = None,
        modality: str | None = None,
        types: str | None = None,
        keywords: str | None = None,
        backlog: app_commands.Range[int, 0, 10] = 0,
        role: discord.Role | None = None,
        publish: bool = False,
        thread_per_alert: bool = False,
        tags: str | None = None,
        new_only: str | None = None,
    ) -> None:
        # Saving may wait on the database (another writer holds it): acknowledge first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        filters = parse_filters(orgs, openness, modality, types, keywords, new_only)
        target = require_target(
            channel,
            guild_id=str(interaction.guild_id),
            purpose="alert",
            publish=publish,
            thread_per_alert=thread_per_alert,
            tag_map=tag_map_option(tags),
        )
        if role is not None:
            require_pingable(role, channel)
        sub_id, queued = await self.service.subscribe(
            str(interaction.guild_id),
            str(channel.id),
            filters,
            role_id=str(role.id) if role else None,
            notify_channel_id=str(interaction.channel_id),
            user_id=str(interaction.user.id),
            backlog=backlog,
            target=target,
        )
        reply = subscription_added(
            sub_id, channel.id, filters, queued, role.id if role else None, target
        )
        await send_reply(interaction, reply)

    @watch.command(name="list", description="This server's release-alert subscriptions")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def watch_list(self, interaction: discord.Interaction) -> None:
        guild_id = str(interaction.guild_id)
        subscriptions = await self.service.subscriptions(guild_id)
        targets = await self.service.targets(guild_id)
        await send_reply(interaction, subscription_list(subscriptions, targets))

    @watch.command(name="remove", description="Stop a release-alert subscription")
    @app_commands.describe(id="The subscription's number (see /watch list)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def watch_remove(self, interaction: discord.Interaction, id: int) -> None:
        # Writes may wait on the database (another writer holds it): acknowledge first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.service.unsubscribe(str(interaction.guild_id), id)
        await send_reply(
            interaction,
            Reply.note(
                "Subscription removed",
                f"Subscription {id} is gone; queued alerts for it are dropped.",
            ),
        )

    @watch.command(name="resume", description="Resume a paused subscription; held alerts follow")
    @app_commands.describe(id="The subscription's number (see /watch list)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def watch_resume(self, interaction: discord.Interaction, id: int) -> None:
        # Writes may wait on the database (another writer holds it): acknowledge first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        released = await self.service.resume(str(interaction.guild_id), id)
        await send_reply(
            interaction,
            Reply.note(
                "Subscription resumed",
                f"Subscription {id} is active; {released} held alert(s) will be posted.",
            ),
        )

    @watch_remove.autocomplete("id")
    @watch_resume.autocomplete("id")
    async def subscription_ids(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        subscriptions = await self.service.subscriptions(str(interaction.guild_id))
        choices = [
            app_commands.Choice(name=subscription_choice(sub), value=sub.id)
            for sub in subscriptions
            if current in str(sub.id)
        ]
        return choices[:AUTOCOMPLETE_CHOICES]

    @watch.command(name="test", description="Post a sample alert to a channel now")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def watch_test(self, interaction: discord.Interaction, channel: PostTarget) -> None:
        # Posting waits for the channel's rate-limit bucket, which may outlast Discord's
        # 3-second window: acknowledge first, answer when the post is through.
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = require_target(channel, guild_id=str(interaction.guild_id), purpose="alert")
        reply = await self.service.sample_alert()
        poster = DiscordPoster(interaction.client, self.services.config.watch.forum_tags)
        try:
            await poster.post(
                str(channel.id),
                reply,
                nonce=f"test{interaction.id}"[:25],
                target=None if target.plain else target,
            )
        except (ChannelUnavailable, PermanentPostError, TransientPostError) as exc:
            raise UserError(
                "The test alert could not be posted in " + channel_ref(channel.id) + ": {}.", exc
            ) from exc
        await send_reply(
            interaction, Reply.note("Test alert posted", f"A sample alert is in {channel.mention}.")
        )

    # ---- /feeds ---------------------------------------------------------------------------

    @feeds.command(name="status", description="Health of every feed source")
    async def feeds_status(self, interaction: discord.Interaction) -> None:
        await send_reply(interaction, feed_status(await self.service.feed_statuses()))

    @feeds.command(name="add", description="Add a feed source (curators only)")
    @app_commands.describe(
        key="Short id (lowercase)",
        url="Feed URL",
        kind="rss, atom, rdf or json",
        poll_minutes="5-1440",
    )
    @app_commands.choices(kind=[app_commands.Choice(name=k, value=k) for k in FEED_KINDS])
    @curators_only()
    async def feeds_add(
        self,
        interaction: discord.Interaction,
        key: str,
        name: str,
        url: str,
        kind: str,
        org: str | None = None,
        poll_minutes: app_commands.Range[int, 5, 1440] = DEFAULT_POLL_MINUTES,
    ) -> None:
        # Writes may wait on the database (another writer holds it): acknowledge first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        source = validate_source(
            {
                "key": key,
                "name": name,
                "url": url,
                "kind": kind,
                "org": org,
                "poll_minutes": poll_minutes,
            },
            "feed",
        )
        await self.service.add_source(source, str(interaction.user.id))
        await send_reply(
            interaction,
            Reply.note(
                "Feed added",
                f"**{safe_text(source.name)}** (`{source.key}`) will be polled every {source.poll_minutes} min.",
            ),
        )

    @feeds.command(name="remove", description="Remove a feed source (curators only)")
    @curators_only()
    async def feeds_remove(self, interaction: discord.Interaction, key: str) -> None:
        # Writes may wait on the database (another writer holds it): acknowledge first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        if not await self.service.remove_source(key):
            raise UserError("No feed source has the key '{}'. See `/feeds status`.", clip(key, 40))
        await send_reply(
            interaction,
            Reply.note("Feed removed", f"`{key}` is no longer polled; its entries stay."),
        )
