"""Personal watchlists: /follow, /following, /unfollow, and the DM's Unfollow button.

Every answer is ephemeral (a user's list is theirs alone) and keyed by the user's id, never
the guild's: the commands work in any server, in DMs with the bot, and where only the user
installed the app (the tree's default contexts)."""

from __future__ import annotations

import re
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.discordbot.choices import Choices, to_choices
from bot.discordbot.respond import answer_failure, send_reply
from bot.render.cards import Reply
from bot.render.discord_embed import NO_MENTIONS
from bot.render.follow import (
    UNFOLLOW_PREFIX,
    render_followed,
    render_unfollowed,
    render_watchlist,
    unfollow_custom_id,
)
from bot.services import Services

Kind = Literal["model", "org", "license", "benchmark"]


class FollowCog(commands.Cog):
    def __init__(self, services: Services) -> None:
        self.services = services
        self.follows = services.follow

    async def targets(self, interaction: discord.Interaction, current: str) -> Choices:
        kind = getattr(interaction.namespace, "kind", None)
        return to_choices(self.follows.target_choices(kind, current))

    async def followed(self, interaction: discord.Interaction, current: str) -> Choices:
        listed = await self.follows.names(str(interaction.user.id))
        text = current.strip().lower()
        names = [name for name in listed if text in name.lower()]
        return to_choices([*names, "all"] if "all".startswith(text) else names)

    @app_commands.command(
        name="follow", description="Hear by DM when a model, org, license or benchmark changes"
    )
    @app_commands.describe(
        kind="What to follow",
        target="Its name (typos are fine)",
        what="Which changes: license, price, scores, releases (comma-separated; default all)",
    )
    @app_commands.autocomplete(target=targets)
    async def follow(
        self, interaction: discord.Interaction, kind: Kind, target: str, what: str | None = None
    ) -> None:
        done = await self.follows.follow(str(interaction.user.id), kind, target, what)
        await send_reply(interaction, render_followed(done))

    @app_commands.command(name="following", description="Your watchlist (only you see it)")
    async def following(self, interaction: discord.Interaction) -> None:
        await send_reply(
            interaction, render_watchlist(await self.follows.following(str(interaction.user.id)))
        )

    @app_commands.command(name="unfollow", description="Stop following a target, or all")
    @app_commands.describe(target="A followed name, its number in /following, or all")
    @app_commands.autocomplete(target=followed)
    async def unfollow(self, interaction: discord.Interaction, target: str) -> None:
        removed = await self.follows.unfollow(str(interaction.user.id), target)
        await send_reply(interaction, render_unfollowed(removed))


class UnfollowButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.escape(UNFOLLOW_PREFIX) + r":(?P<follow>\d+):(?P<user>\d+)",
):
    """The Unfollow button of a watchlist DM: its custom_id names the follow and its user,
    so it works after a restart, and only for that user."""

    def __init__(self, follow_id: int, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Unfollow",
                custom_id=unfollow_custom_id(follow_id, str(user_id)),
                style=discord.ButtonStyle.secondary,
            )
        )
        self.follow_id = follow_id
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> UnfollowButton:
        return cls(int(match["follow"]), int(match["user"]))

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.user_id:
            await interaction.response.send_message(
                "This button belongs to someone else's watchlist.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return False
        return True

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            services: Services = interaction.client.services  # type: ignore[attr-defined]
            follow = await services.follow.unfollow_id(str(interaction.user.id), self.follow_id)
            if follow is None:
                reply = Reply.note("Watchlist", "You no longer follow that.")
            else:
                reply = render_unfollowed(f"{follow.kind} {follow.target_name}")
            await send_reply(interaction, reply)
        except Exception as exc:  # the user must not see "This interaction failed"
            await answer_failure(interaction, exc, "Unfollow button")
