"""/digest: scheduled per-channel summaries (guild admins)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.digest.schedule import WEEKDAYS, available_zones, parse_schedule
from bot.discordbot.checks import GUILD_INSTALL, GUILD_ONLY
from bot.discordbot.respond import send_reply
from bot.discordbot.targets import PostTarget, require_target
from bot.render.limits import AUTOCOMPLETE_CHOICES
from bot.render.schedules import digest_list, digest_off, digest_posted, digest_scheduled
from bot.services import Services
from bot.watch.filters import parse_filters

log = logging.getLogger(__name__)


class DigestCog(commands.Cog):
    digest = app_commands.Group(
        name="digest",
        description="Scheduled summaries of AI releases for this server's channels",
        guild_only=True,
        allowed_contexts=GUILD_ONLY,
        allowed_installs=GUILD_INSTALL,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, services: Services) -> None:
        self.services = services
        self.digests = services.digests

    @digest.command(name="set", description="Post a digest to a channel daily or weekly")
    @app_commands.describe(
        channel="Where the digest goes: a text or announcement channel, a thread, or a forum",
        publish="Announcement channels: publish each digest to the servers following it",
        frequency="daily or weekly",
        time="Local time, 24-hour, like 09:00",
        timezone="IANA time zone, like Europe/Berlin",
        day="For weekly digests: the weekday (default Monday)",
        quiet="When nothing is new: post a short line, or skip",
        orgs="Organisations, comma-separated",
        openness="open, api_only ... comma-separated",
        modality="Modalities, comma-separated",
        types="release, license_change, shutdown ... comma-separated",
    )
    @app_commands.choices(
        frequency=[app_commands.Choice(name=f, value=f) for f in ("daily", "weekly")],
        day=[app_commands.Choice(name=d.title(), value=d) for d in WEEKDAYS],
        quiet=[
            app_commands.Choice(name="post a short line", value="line"),
            app_commands.Choice(name="post nothing", value="skip"),
        ],
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def digest_set(
        self,
        interaction: discord.Interaction,
        channel: PostTarget,
        frequency: str,
        time: str,
        timezone: str,
        day: str | None = None,
        quiet: str = "line",
        orgs: str | None = None,
        openness: str | None = None,
        modality: str | None = None,
        types: str | None = None,
        publish: bool = False,
    ) -> None:
        # Saving may wait on the database (another writer holds it): acknowledge first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        schedule = parse_schedule(frequency, time, timezone, day)
        filters = parse_filters(orgs, openness, modality, types)
        target = require_target(
            channel, guild_id=str(interaction.guild_id), purpose="digest", publish=publish
        )
        done = await self.digests.set(
            str(interaction.guild_id),
            str(channel.id),
            schedule,
            filters,
            quiet,
            str(interaction.user.id),
            notify_channel_id=str(interaction.channel_id),
            target=target,
        )
        reply = digest_scheduled(channel.id, filters, schedule, done.next_run, done.released)
        await send_reply(interaction, reply)

    @digest_set.autocomplete("timezone")
    async def zones(self, _: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        wanted = current.strip().lower().replace(" ", "_")
        names = sorted(z for z in available_zones() if wanted in z.lower())
        names.sort(key=lambda z: (not z.lower().startswith(wanted), "/" not in z, z))
        return [app_commands.Choice(name=z, value=z) for z in names[:AUTOCOMPLETE_CHOICES]]

    @digest.command(
        name="preview", description="What the next digest would contain (only you see it)"
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def digest_preview(
        self, interaction: discord.Interaction, channel: PostTarget | None = None
    ) -> None:
        # Rendering a digest reads the whole window from the database: acknowledge first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = channel.id if channel else interaction.channel_id
        await send_reply(
            interaction, await self.digests.preview(str(interaction.guild_id), str(target))
        )

    @digest.command(name="now", description="Post a digest now (the schedule stays as it is)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def digest_now(self, interaction: discord.Interaction, channel: PostTarget) -> None:
        # Posting waits for the outbox sender, which a large fan-out may hold for a while:
        # acknowledge first so the interaction never misses Discord's 3-second window.
        await interaction.response.defer(ephemeral=True, thinking=True)
        pages = await self.digests.post_now(
            str(interaction.guild_id), str(channel.id), str(interaction.id)
        )
        await self.services.watch.drain()
        await send_reply(interaction, digest_posted(pages, channel.id))

    @digest.command(name="list", description="This server's digests")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def digest_list(self, interaction: discord.Interaction) -> None:
        guild_id = str(interaction.guild_id)
        schedules = await self.digests.schedules(guild_id)
        targets = await self.digests.targets(guild_id)
        await send_reply(interaction, digest_list(schedules, targets))

    @digest.command(name="off", description="Stop a channel's digest")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def digest_off(self, interaction: discord.Interaction, channel: PostTarget) -> None:
        # Writes may wait on the database (another writer holds it): acknowledge first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.digests.off(str(interaction.guild_id), str(channel.id))
        await send_reply(interaction, digest_off(channel.id))
