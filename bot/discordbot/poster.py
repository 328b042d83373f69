"""Posting outbox rows to Discord channels, mapping Discord's errors to the sender's."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import aiohttp
import discord

from bot.core.delivery import Delivery, choose_tags
from bot.outbox.sender import (
    ChannelUnavailable,
    MessageGone,
    PermanentPostError,
    RateLimited,
    TransientPostError,
)
from bot.render.cards import Reply
from bot.render.discord_embed import NO_MENTIONS, card_to_embed
from bot.render.outbox_marker import read_outbox_id
from bot.render.threads import thread_title

log = logging.getLogger(__name__)

UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
MISSING_ACCESS = 50001
CANNOT_EDIT_OTHERS = 50005
MISSING_PERMISSIONS = 50013
ARCHIVED_THREAD = 50083
CANNOT_DM = 50007  # the user closed their DMs to the bot (or shares no server with it)
# An outbox channel naming a user: the post goes to the bot's DM channel with them, opened on
# first use (POST /users/@me/channels); discord.py keeps it for the process's lifetime.
USER_CHANNEL = "user:"
ALREADY_CROSSPOSTED = 40033
THREAD_ALREADY_CREATED = 160004
# An unknown outcome is looked for in the channel's messages from a little before the row's
# first attempt (the margin covers clock skew between this host and Discord), a page of 100 at
# a time, oldest first; a channel busier than this many pages since then is not read further.
LOOKUP_MARGIN = timedelta(minutes=10)
LOOKUP_PAGES = 20


class DiscordPoster:
    def __init__(self, client: discord.Client, forum_tags: dict[str, str] | None = None) -> None:
        self.client = client
        self.forum_tags = forum_tags or {}  # configured label -> tag name (delivery.forum_tags)

    async def post(
        self,
        channel_id: str,
        reply: Reply,
        *,
        nonce: str,
        role_id: str | None = None,
        target: Delivery | None = None,
    ) -> str:
        """Post `reply` to the channel as `target` says (a forum post, then a thread or a
        crosspost); the id of the message (of a forum post: its thread's)."""
        content = None
        mentions = NO_MENTIONS
        if role_id:  # an admin chose this role explicitly: ping it and nothing else
            content = f"<@&{role_id}>"
            mentions = discord.AllowedMentions(
                everyone=False, users=False, roles=[discord.Object(int(role_id))]
            )
        embeds = [card_to_embed(card) for card in reply.pages[:1]]
        view = action_view(reply)
        if target is not None and target.kind == "forum":
            return await self._forum_post(channel_id, reply, content, embeds, mentions, target)
        with discord_errors(maybe_posted=True):
            message = await self._send(
                channel_id,
                content=content,
                embeds=embeds,
                nonce=nonce,
                allowed_mentions=mentions,
                view=view if view is not None else discord.utils.MISSING,
            )
        if view is not None:  # its clicks are handled by the registered dynamic items
            view.stop()
        if target is not None:
            await self.complete(channel_id, str(message.id), reply, target)
        return str(message.id)

    async def edit(self, channel_id: str, message_id: str, reply: Reply) -> None:
        """PATCH the bot's message with the reply's first page; its content (a role ping, if
        it had one) stays, and the edit mentions no one."""
        channel = self.client.get_partial_messageable(int(channel_id))
        message = channel.get_partial_message(int(message_id))
        embeds = [card_to_embed(card) for card in reply.pages[:1]]
        with discord_errors(maybe_posted=True):
            await message.edit(embeds=embeds, allowed_mentions=NO_MENTIONS)

    async def shows(self, channel_id: str, message_id: str, reply: Reply) -> bool:
        """Whether the message's first embed already reads as the reply's first page (title,
        text and footer, the footer's outbox marker included). Where the bot may not read
        the message, False: it is edited again, to the same text."""
        channel = self.client.get_partial_messageable(int(channel_id))
        with discord_errors(maybe_posted=False):
            try:
                message = await channel.fetch_message(int(message_id))
            except discord.Forbidden:  # no Read Message History: the same edit again is harmless
                return False
        if not message.embeds or not reply.pages:
            return False
        shown, wanted = message.embeds[0], card_to_embed(reply.pages[0])
        return (shown.title, shown.description, shown.footer.text) == (
            wanted.title,
            wanted.description,
            wanted.footer.text,
        )

    async def _channel(self, channel_id: str) -> discord.abc.Messageable:
        """The channel an outbox row names: a channel id, or `user:<id>` for a DM."""
        if channel_id.startswith(USER_CHANNEL):
            user = discord.Object(int(channel_id.removeprefix(USER_CHANNEL)))
            with discord_errors(maybe_posted=False):
                return await self.client.create_dm(user)
        return self.client.get_partial_messageable(int(channel_id))

    async def _send(self, channel_id: str, **message: object) -> discord.Message:
        """Send; a thread that is archived is unarchived first when the bot may (Manage
        Threads), else ChannelUnavailable."""
        channel = await self._channel(channel_id)
        try:
            return await channel.send(**message)  # type: ignore[call-overload]
        except discord.HTTPException as exc:
            if exc.code != ARCHIVED_THREAD:
                raise
        await self._unarchive(channel_id)
        return await channel.send(**message)  # type: ignore[call-overload]

    async def _unarchive(self, thread_id: str) -> None:
        thread = self.client.get_channel(int(thread_id)) or await self.client.fetch_channel(
            int(thread_id)
        )
        if not isinstance(thread, discord.Thread):
            raise ChannelUnavailable("the thread is archived")
        if not thread.permissions_for(thread.guild.me).manage_threads:
            raise ChannelUnavailable(
                "the thread is archived and the bot may not unarchive it (Manage Threads)"
            )
        await thread.edit(archived=False, locked=False)
        log.info("thread %s was archived: unarchived it", thread_id)

    async def _forum(self, channel_id: str) -> discord.ForumChannel:
        """The forum from the cache, else from Discord (right after a start the cache may not
        hold it yet); ChannelUnavailable if it is gone or no longer a forum."""
        forum = self.client.get_channel(int(channel_id))
        if forum is None:
            with discord_errors(maybe_posted=False):
                forum = await self.client.fetch_channel(int(channel_id))
        if not isinstance(forum, discord.ForumChannel):
            raise ChannelUnavailable("the channel is no longer a forum")
        return forum

    async def _forum_post(
        self,
        channel_id: str,
        reply: Reply,
        content: str | None,
        embeds: list[discord.Embed],
        mentions: discord.AllowedMentions,
        target: Delivery,
    ) -> str:
        """A new post in the forum, titled and tagged from the reply."""
        forum = await self._forum(channel_id)
        available = {tag.name: tag.id for tag in forum.available_tags}
        ids = choose_tags(reply.labels, available, target.tag_map, self.forum_tags)
        tags = [tag for tag in (forum.get_tag(i) for i in ids) if tag is not None]
        with discord_errors(maybe_posted=True):
            made = await forum.create_thread(
                name=_title(reply),
                content=content,
                embeds=embeds,
                allowed_mentions=mentions,
                applied_tags=tags,
            )
        return str(made.thread.id)

    async def complete(
        self, channel_id: str, message_id: str, reply: Reply, target: Delivery
    ) -> None:
        """What follows a message on its target, each step once however often it is asked
        for: the announcement's crosspost, the thread for discussion. A refusal here comes
        after the message was posted (ChannelUnavailable with `maybe_posted`)."""
        http = self.client.http
        try:
            with discord_errors(maybe_posted=True):
                if target.publish and target.kind == "announcement":
                    await _once(http.publish_message(channel_id, message_id), ALREADY_CROSSPOSTED)
                if target.thread_per_alert and target.kind in ("text", "announcement"):
                    started = http.start_thread_with_message(
                        channel_id, message_id, name=_title(reply), auto_archive_duration=1440
                    )
                    await _once(started, THREAD_ALREADY_CREATED)
        except ChannelUnavailable as exc:
            raise ChannelUnavailable(str(exc), maybe_posted=True) from exc

    async def until_clear(self) -> bool:
        """Wait out discord.py's own pause after a global 429 (it holds every request until
        `retry_after` has passed); True if there was one."""
        pause = getattr(self.client.http, "_global_over", None)
        if not isinstance(pause, asyncio.Event) or pause.is_set():
            return False
        await pause.wait()
        return True

    async def find_posted(
        self, channel_id: str, since: datetime, target: Delivery | None = None
    ) -> dict[int, str]:
        """Outbox ids in the footers of the bot's own messages posted since `since` (less a
        margin), with their message ids (in a forum: of the posts' first messages, with the
        posts' ids). Without Read Message History Discord shows no messages: nothing is
        found."""
        if target is not None and target.kind == "forum":
            return await self._find_in_forum(channel_id, since)
        channel = await self._channel(channel_id)
        me = self.client.user.id if self.client.user else None
        found: dict[int, str] = {}
        read = 0
        with discord_errors(maybe_posted=False):
            async for message in channel.history(
                limit=LOOKUP_PAGES * 100, after=since - LOOKUP_MARGIN, oldest_first=True
            ):
                read += 1
                if message.author.id != me or message.webhook_id is not None:
                    continue
                for embed in message.embeds[:1]:
                    outbox_id = read_outbox_id(embed.footer.text)
                    if outbox_id is not None:
                        found.setdefault(outbox_id, str(message.id))
        if read >= LOOKUP_PAGES * 100:
            log.warning("channel %s: looked at %d messages only", channel_id, read)
        return found

    async def _find_in_forum(self, forum_id: str, since: datetime) -> dict[int, str]:
        """The bot's posts in the forum (active or archived) opened since `since`: their
        first message's outbox id, with the post's id."""
        forum = await self._forum(forum_id)
        me = self.client.user.id if self.client.user else None
        after = since - LOOKUP_MARGIN
        found: dict[int, str] = {}
        with discord_errors(maybe_posted=False):
            threads = [t for t in await forum.guild.active_threads() if t.parent_id == forum.id]
            async for thread in forum.archived_threads(limit=LOOKUP_PAGES * 5):
                threads.append(thread)
            for thread in threads:
                if thread.owner_id != me or discord.utils.snowflake_time(thread.id) < after:
                    continue
                try:
                    first = await thread.fetch_message(thread.id)
                except discord.NotFound:  # its first message was deleted
                    continue
                for embed in first.embeds[:1]:
                    outbox_id = read_outbox_id(embed.footer.text)
                    if outbox_id is not None:
                        found.setdefault(outbox_id, str(thread.id))
        return found


@contextmanager
def discord_errors(*, maybe_posted: bool) -> Iterator[None]:
    """Map Discord's answers to the sender's classes. The channel is the cause of a 403, a 404
    and an archived thread; any other 4xx refuses the message itself; 429, 401, 5xx and
    network errors are retried (`maybe_posted`: whether a 5xx or network error may hide a
    message that was created all the same)."""
    try:
        yield
    except discord.RateLimited as exc:  # a wait longer than the client would sleep
        raise RateLimited(exc.retry_after) from exc
    except discord.NotFound as exc:
        if exc.code == UNKNOWN_MESSAGE:  # an edit of a message since deleted
            raise MessageGone("the message was deleted") from exc
        if exc.code == UNKNOWN_CHANNEL:
            raise ChannelUnavailable("the channel no longer exists") from exc
        raise ChannelUnavailable(f"Discord answered 404 {_reason(exc)}") from exc
    except discord.Forbidden as exc:
        if exc.code == CANNOT_EDIT_OTHERS:  # the message itself, not the channel
            raise PermanentPostError(f"Discord refused the edit: 403 {_reason(exc)}") from exc
        if exc.code == CANNOT_DM:
            raise ChannelUnavailable("the user does not accept DMs from the bot (50007)") from exc
        if exc.code in (MISSING_ACCESS, MISSING_PERMISSIONS):
            raise ChannelUnavailable(
                "the bot may not post in that channel (missing permission)"
            ) from exc
        raise ChannelUnavailable(f"Discord answered 403 {_reason(exc)}") from exc
    except discord.DiscordServerError as exc:
        raise TransientPostError(
            f"Discord answered {exc.status}", maybe_posted=maybe_posted
        ) from exc
    except discord.HTTPException as exc:
        if exc.status == 429:  # still limited after the client's own retries
            raise RateLimited(
                _retry_after(exc.response), is_global=_is_global(exc.response)
            ) from exc
        if exc.status == 401:  # the token, not the message: nothing would be posted anywhere
            raise TransientPostError("Discord refused the bot's token (401)") from exc
        if exc.code == ARCHIVED_THREAD:
            raise ChannelUnavailable("the thread is archived") from exc
        raise PermanentPostError(
            f"Discord refused the message: {exc.status} {_reason(exc)}"
        ) from exc
    except (aiohttp.ClientError, OSError) as exc:  # OSError: a reset discord.py re-raises
        raise TransientPostError(
            f"network: {type(exc).__name__}", maybe_posted=maybe_posted
        ) from exc


def action_view(reply: Reply) -> discord.ui.View | None:
    """The reply's persistent buttons as a view (None without any), five to a row."""
    if not reply.actions:
        return None
    view = discord.ui.View(timeout=None)
    for number, action in enumerate(reply.actions[:25]):
        view.add_item(
            discord.ui.Button(
                label=action.label,
                custom_id=action.custom_id,
                style=discord.ButtonStyle.secondary,
                row=number // 5,
            )
        )
    return view


async def _once(request: Awaitable[object], done_code: int) -> None:
    """A request that Discord refuses with `done_code` when it was already carried out."""
    try:
        await request
    except discord.HTTPException as exc:
        if exc.code != done_code:
            raise


def _title(reply: Reply) -> str:
    """A post's or thread's name: the reply's own, else its first page's title."""
    if reply.post_title:
        return reply.post_title
    return thread_title(reply.pages[0].title if reply.pages else "")


def _reason(exc: discord.HTTPException) -> str:
    """Discord's code and message (for an invalid form body, which fields)."""
    return f"({exc.code}: {exc.text})" if exc.text else f"({exc.code})"


def _retry_after(response: aiohttp.ClientResponse) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0


def _is_global(response: aiohttp.ClientResponse) -> bool:
    """Discord's global limit (every request refused), not one route's bucket."""
    headers = response.headers
    return (
        headers.get("X-RateLimit-Global") == "true" or headers.get("X-RateLimit-Scope") == "global"
    )
