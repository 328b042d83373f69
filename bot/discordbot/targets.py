"""Checks on where the bot is asked to post and whom it is asked to ping, before anything is
saved: refusing with what is missing beats a subscription that fails at its first alert."""

from __future__ import annotations

import discord

from bot.core.errors import UserError, channel_ref
from bot.render.cards import clip

# What a post of the bot needs, named as Discord's channel settings show them. Read Message
# History: without it Discord shows the bot no messages, so a post whose outcome is unknown
# could not be found and would be posted again.
_NEEDED = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "read_message_history": "Read Message History",
}
_NEEDED_IN_THREADS = {
    "view_channel": "View Channel",
    "send_messages_in_threads": "Send Messages in Threads",
    "embed_links": "Embed Links",
    "read_message_history": "Read Message History",
}

PostTarget = discord.TextChannel | discord.Thread


def bot_permissions(channel: PostTarget) -> discord.Permissions:
    """The bot's own permissions in `channel`, from the guild cache (roles and overwrites)."""
    return channel.permissions_for(channel.guild.me)


def missing_post_permissions(channel: PostTarget) -> list[str]:
    """Names of the permissions the bot lacks to post embeds in `channel`."""
    have = bot_permissions(channel)
    needed = _NEEDED_IN_THREADS if isinstance(channel, discord.Thread) else _NEEDED
    return [label for flag, label in needed.items() if not getattr(have, flag)]


def require_post_permissions(channel: PostTarget) -> None:
    """Refuse a channel the bot cannot post embeds in, naming what is missing."""
    missing = missing_post_permissions(channel)
    if missing:
        raise UserError(
            "I can't post in " + channel_ref(channel.id) + ": I'm missing {} there. "
            "Give the bot these permissions in the channel's settings and try again.",
            ", ".join(missing),
        )


def require_pingable(role: discord.Role, channel: PostTarget) -> None:
    """Refuse a role the bot's alerts could not ping in `channel` (or must never ping)."""
    if role.is_default():
        raise UserError(
            "@everyone can't be the alert role. Create a role for alerts and choose that."
        )
    if not role.mentionable and not bot_permissions(channel).mention_everyone:
        raise UserError(
            "The bot can't ping the role “{}” in " + channel_ref(channel.id) + ": it is not "
            "mentionable. Allow anyone to mention it (Server Settings → Roles), or give the "
            "bot the Mention @everyone, @here and All Roles permission in that channel.",
            clip(role.name, 50),
        )
