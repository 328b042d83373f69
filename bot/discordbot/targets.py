"""Checks on where the bot is asked to post and whom it is asked to ping, before anything is
saved: refusing with what is missing beats a subscription that fails at its first alert."""

from __future__ import annotations

from collections.abc import Mapping

import discord

from bot.core.delivery import Delivery, parse_tag_map
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

# A forum post is a thread and its first message: "Create Posts" is Send Messages on the
# forum; a digest's later pages are messages in that post.
_NEEDED_IN_FORUMS = {
    "view_channel": "View Channel",
    "send_messages": "Create Posts",
    "send_messages_in_threads": "Send Messages in Posts",
    "embed_links": "Embed Links",
    "read_message_history": "Read Message History",
}
_NEEDED_FOR_ARCHIVED = {"manage_threads": "Manage Threads (the thread is archived)"}
_NEEDED_FOR_THREADS = {"create_public_threads": "Create Public Threads"}

# A text channel (types 0 and 5: an announcement channel is a TextChannel), a thread
# (10, 11, 12) or a forum (15).
PostTarget = discord.TextChannel | discord.Thread | discord.ForumChannel


def bot_permissions(channel: PostTarget) -> discord.Permissions:
    """The bot's own permissions in `channel`, from the guild cache (roles and overwrites)."""
    return channel.permissions_for(channel.guild.me)


def target_kind(channel: PostTarget) -> str:
    """text, announcement, thread or forum (bot.core.delivery.TARGET_KINDS)."""
    if isinstance(channel, discord.ForumChannel):
        return "forum"
    if isinstance(channel, discord.Thread):
        return "thread"
    return "announcement" if channel.is_news() else "text"


def missing_post_permissions(channel: PostTarget, *, thread_per_alert: bool = False) -> list[str]:
    """Names of the permissions the bot lacks to post embeds in `channel` (and, with
    `thread_per_alert`, to open a thread on each post)."""
    have = bot_permissions(channel)
    kind = target_kind(channel)
    needed = {"thread": _NEEDED_IN_THREADS, "forum": _NEEDED_IN_FORUMS}.get(kind, _NEEDED)
    if isinstance(channel, discord.Thread) and (channel.archived or channel.locked):
        needed = {**needed, **_NEEDED_FOR_ARCHIVED}
    if thread_per_alert:
        needed = {**needed, **_NEEDED_FOR_THREADS}
    return [label for flag, label in needed.items() if not getattr(have, flag)]


def require_target(
    channel: PostTarget,
    *,
    guild_id: str,
    purpose: str,
    publish: bool = False,
    thread_per_alert: bool = False,
    tag_map: Mapping[str, str] | None = None,
) -> Delivery:
    """How posts will reach `channel`, after refusing options its kind does not take and a
    channel the bot could not post in as asked (naming what is missing)."""
    kind = target_kind(channel)
    if publish and kind != "announcement":
        raise UserError(
            "Only announcement channels publish posts to following servers; "
            + channel_ref(channel.id)
            + " is a {} channel.",
            kind,
        )
    if thread_per_alert and kind not in ("text", "announcement"):
        raise UserError(
            "A thread per alert needs a text or announcement channel; "
            + channel_ref(channel.id)
            + " is a {}.",
            kind,
        )
    if tag_map and kind != "forum":
        raise UserError(
            "Tags only apply to forum channels; " + channel_ref(channel.id) + " is a {}.", kind
        )
    _refuse_missing(channel, missing_post_permissions(channel, thread_per_alert=thread_per_alert))
    return Delivery(
        str(channel.id),
        kind,
        publish,
        thread_per_alert,
        dict(tag_map or {}),
        guild_id,
        purpose,
    )


def require_post_permissions(channel: PostTarget) -> None:
    """Refuse a channel the bot cannot post embeds in, naming what is missing."""
    _refuse_missing(channel, missing_post_permissions(channel))


def _refuse_missing(channel: PostTarget, missing: list[str]) -> None:
    if missing:
        raise UserError(
            "I can't post in " + channel_ref(channel.id) + ": I'm missing {} there. "
            "Give the bot these permissions in the channel's settings and try again.",
            ", ".join(missing),
        )


def tag_map_option(text: str | None) -> dict[str, str]:
    """The `tags` option (`label=Tag name, ...`) as a mapping; a UserError naming a bad pair."""
    try:
        return parse_tag_map(text)
    except ValueError as exc:
        raise UserError(
            "Tags are `label=Forum tag` pairs, comma-separated (like `api_only=Closed, "
            "Google=Gemini`); “{}” is not one.",
            clip(str(exc), 60),
        ) from None


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
