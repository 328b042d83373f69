"""The stand-in's announcement channels, forum channels and threads: forum posts with tags,
threads from messages, archived and locked threads, announcement crossposts, with Discord's
limits on them (a thread name is 1-100 characters, a forum post has at most 5 tags, all of
them the forum's own)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from tests.standin import validation
from tests.standin.common import (
    CREATE_PUBLIC_THREADS,
    MANAGE_MESSAGES,
    MANAGE_THREADS,
    SEND_MESSAGES,
    discord_error,
    json_response,
    now_iso,
    thread_payload,
)

ANNOUNCEMENT = 5
FORUM = 15
THREAD_NAME_MAX = 100
FORUM_TAGS_MAX = 5
CROSSPOSTED = 1 << 0  # message flag
ARCHIVED_THREAD = 50083
THREAD_ALREADY_CREATED = 160004
ALREADY_CROSSPOSTED = 40033
WRONG_CHANNEL_TYPE = 50024


class ThreadsMixin:
    """StandIn's forums and threads (state is the guild's `channels` and `threads`)."""

    # ---- the test API ---------------------------------------------------------------------

    async def add_forum(self, name: str, tags: tuple[str, ...] = ()) -> dict[str, Any]:
        """A forum channel (type 15) with tags of these names (CHANNEL_CREATE to the bot)."""
        forum = self._new_channel(name, FORUM)
        forum["available_tags"] = [
            {
                "id": self.snowflake(),
                "name": tag,
                "moderated": False,
                "emoji_id": None,
                "emoji_name": None,
            }
            for tag in tags
        ]
        forum.update(default_auto_archive_duration=1440, default_forum_layout=0, flags=0)
        await self.dispatch("CHANNEL_CREATE", forum)
        return forum

    async def add_announcement(self, name: str) -> dict[str, Any]:
        """An announcement channel (type 5; CHANNEL_CREATE to the bot)."""
        channel = self._new_channel(name, ANNOUNCEMENT)
        await self.dispatch("CHANNEL_CREATE", channel)
        return channel

    async def archive_thread(self, thread_id: str, *, locked: bool = False) -> None:
        """Archive (and lock) a thread, as Discord does after its inactivity (THREAD_UPDATE)."""
        thread = self._thread(thread_id)
        assert thread is not None, thread_id
        thread["thread_metadata"].update(archived=True, locked=locked, archive_timestamp=now_iso())
        await self.dispatch("THREAD_UPDATE", thread)

    def thread_by_name(self, name: str) -> dict[str, Any]:
        return next(t for g in self.guilds for t in g["threads"] if t["name"] == name)

    def thread_by_id(self, thread_id: str) -> dict[str, Any] | None:
        return self._thread(thread_id)

    def threads_in(self, parent_id: str) -> list[dict[str, Any]]:
        """The threads (forum posts) of a channel, oldest first."""
        return [t for g in self.guilds for t in g["threads"] if t["parent_id"] == parent_id]

    # ---- routes ---------------------------------------------------------------------------

    def thread_routes(self, body: Any, query: Any) -> list[tuple[str, str, Any]]:
        """(method, path pattern, handler) of the thread routes, for RestMixin._route."""
        return [
            ("POST", r"/channels/(\d+)/threads", lambda m: self._start_thread(m.group(1), body)),
            (
                "POST",
                r"/channels/(\d+)/messages/(\d+)/threads",
                lambda m: self._thread_from_message(m.group(1), m.group(2), body),
            ),
            (
                "POST",
                r"/channels/(\d+)/messages/(\d+)/crosspost",
                lambda m: self._crosspost(m.group(1), m.group(2)),
            ),
            (
                "GET",
                r"/channels/(\d+)/messages/(\d+)",
                lambda m: self._get_message(m.group(1), m.group(2)),
            ),
            ("PATCH", r"/channels/(\d+)", lambda m: self._edit_thread(m.group(1), body)),
            ("GET", r"/guilds/(\d+)/threads/active", lambda m: self._active_threads(m.group(1))),
            (
                "GET",
                r"/channels/(\d+)/threads/archived/public",
                lambda m: self._archived_threads(m.group(1)),
            ),
        ]

    def _start_thread(self, channel_id: str, body: Any) -> web.Response:
        """A forum post: a thread and its first message (whose id is the thread's)."""
        problem = self._channel_error(channel_id)
        if problem is not None:
            return problem
        forum = self._find_channel(channel_id)
        assert forum is not None
        if forum.get("type") != FORUM:
            # Threads without a message (in a text channel) are not modelled.
            return discord_error(
                400, WRONG_CHANNEL_TYPE, "Cannot execute action on this channel type"
            )
        if not self._bot_may(forum, SEND_MESSAGES):  # "Create Posts"
            return discord_error(403, 50013, "Missing Permissions")
        payload = body or {}
        message = payload.get("message") or {}
        errors = _name_errors(payload.get("name"))
        errors.update(_tag_errors(payload.get("applied_tags") or [], forum))
        for key, value in validation.check_message(message).items():
            errors.setdefault("message", {})[key] = value
        if errors:
            self.validation_errors.append(("forum post", errors))
            return json_response(validation.form_body(errors), 400)
        empty = self._empty(message)
        if empty is not None:
            return empty
        thread = self._new_thread(forum, payload["name"], self.snowflake())
        thread["applied_tags"] = list(payload.get("applied_tags") or [])
        starter = self._message(thread["id"], message, id=thread["id"])
        self.messages[thread["id"]].append(starter)
        thread["message_count"] = 1
        if self.on_message is not None:
            self.on_message(starter)
        return self._answer_thread(thread, message=starter)

    def _thread_from_message(self, channel_id: str, message_id: str, body: Any) -> web.Response:
        """A public thread started from a message (its id is the message's); once per message."""
        problem = self._channel_error(channel_id)
        if problem is not None:
            return problem
        channel = self._find_channel(channel_id)
        assert channel is not None
        started = next((m for m in self.messages[channel_id] if m["id"] == message_id), None)
        if started is None:
            return discord_error(404, 10008, "Unknown Message")
        if not self._bot_may(channel, CREATE_PUBLIC_THREADS):
            return discord_error(403, 50013, "Missing Permissions")
        if self._thread(message_id) is not None:
            return discord_error(
                400, THREAD_ALREADY_CREATED, "A thread has already been created for this message"
            )
        errors = _name_errors((body or {}).get("name"))
        if errors:
            self.validation_errors.append(("thread", errors))
            return json_response(validation.form_body(errors), 400)
        thread = self._new_thread(channel, body["name"], message_id)
        started["thread"] = thread
        return self._answer_thread(thread)

    def _crosspost(self, channel_id: str, message_id: str) -> web.Response:
        """Publish a message of an announcement channel to the servers following it."""
        problem = self._channel_error(channel_id)
        if problem is not None:
            return problem
        channel = self._find_channel(channel_id)
        assert channel is not None
        message = next((m for m in self.messages[channel_id] if m["id"] == message_id), None)
        if message is None:
            return discord_error(404, 10008, "Unknown Message")
        if channel.get("type") != ANNOUNCEMENT:
            return discord_error(
                400, WRONG_CHANNEL_TYPE, "Cannot execute action on this channel type"
            )
        own = message["author"]["id"] == self.bot_member()["user"]["id"]
        if not self._bot_may(channel, SEND_MESSAGES if own else MANAGE_MESSAGES):
            return discord_error(403, 50013, "Missing Permissions")
        if message["flags"] & CROSSPOSTED:
            return discord_error(
                400, ALREADY_CROSSPOSTED, "This message has already been crossposted."
            )
        message["flags"] |= CROSSPOSTED
        return json_response(_visible(message))

    def _get_message(self, channel_id: str, message_id: str) -> web.Response:
        problem = self._channel_error(channel_id)
        if problem is not None:
            return problem
        message = next((m for m in self.messages[channel_id] if m["id"] == message_id), None)
        if message is None:
            return discord_error(404, 10008, "Unknown Message")
        return json_response(_visible(message))

    def _edit_thread(self, channel_id: str, body: Any) -> web.Response:
        """PATCH a thread: unarchiving (or unlocking) needs Manage Threads."""
        problem = self._channel_error(channel_id)
        if problem is not None:
            return problem
        thread = self._thread(channel_id)
        if thread is None:
            return discord_error(400, 50035, "Invalid Form Body")  # only threads are edited here
        payload = body or {}
        meta = thread["thread_metadata"]
        changes = {k: payload[k] for k in ("archived", "locked") if k in payload}
        if changes and not self._bot_may(thread, MANAGE_THREADS):
            return discord_error(403, 50013, "Missing Permissions")
        meta.update(changes)
        if "name" in payload:
            errors = _name_errors(payload["name"])
            if errors:
                return json_response(validation.form_body(errors), 400)
            thread["name"] = payload["name"]
        self._queue_dispatch("THREAD_UPDATE", thread)
        return json_response(thread)

    def _active_threads(self, guild_id: str) -> web.Response:
        guild = next((g for g in self.guilds if g["id"] == guild_id), None)
        if guild is None:
            return discord_error(404, 10004, "Unknown Guild")
        active = [t for t in guild["threads"] if not t["thread_metadata"]["archived"]]
        return json_response({"threads": active, "members": []})

    def _archived_threads(self, channel_id: str) -> web.Response:
        problem = self._channel_error(channel_id)
        if problem is not None:
            return problem
        archived = [
            t
            for t in reversed(self.threads_in(channel_id))
            if t["thread_metadata"]["archived"] and t["type"] == 11
        ]
        return json_response({"threads": archived, "members": [], "has_more": False})

    def archived_refusal(self, channel_id: str) -> web.Response | None:
        """50083 for a message sent to an archived thread (the bot must unarchive it first)."""
        thread = self._thread(channel_id)
        if thread is not None and thread["thread_metadata"]["archived"]:
            return discord_error(400, ARCHIVED_THREAD, "Thread is archived")
        return None

    # ---- helpers --------------------------------------------------------------------------

    def _new_channel(self, name: str, kind: int) -> dict[str, Any]:
        channel = self._channel(self.guild["id"], name, len(self.guild["channels"]))
        channel["type"] = kind
        self.guild["channels"].append(channel)
        self._channel_ids.add(channel["id"])
        return channel

    def _new_thread(self, parent: dict[str, Any], name: str, thread_id: str) -> dict[str, Any]:
        thread = thread_payload(thread_id, parent, self.bot_member()["user"]["id"], name)
        self.guild_of(parent)["threads"].append(thread)
        self._channel_ids.add(thread_id)
        self._queue_dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return thread

    def _answer_thread(
        self, thread: dict[str, Any], message: dict[str, Any] | None = None
    ) -> web.Response:
        answer = dict(thread)
        if message is not None:
            answer["message"] = _visible(message)
        return json_response(answer)

    def _thread(self, channel_id: str) -> dict[str, Any] | None:
        return next((t for g in self.guilds for t in g["threads"] if t["id"] == channel_id), None)

    def _bot_may(self, channel: dict[str, Any], permission: int) -> bool:
        return bool(self.permissions_of(self.bot_member(), channel) & permission)

    def _queue_dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Tell the bot over the gateway, as Discord does after answering the request."""
        task = asyncio.get_running_loop().create_task(self.dispatch(event, data))
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _name_errors(name: Any) -> dict[str, Any]:
    if not isinstance(name, str) or not 1 <= len(name) <= THREAD_NAME_MAX:
        return {
            "name": validation.error(
                "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {THREAD_NAME_MAX} in length."
            )
        }
    return {}


def _tag_errors(tags: list[Any], forum: dict[str, Any]) -> dict[str, Any]:
    if len(tags) > FORUM_TAGS_MAX:
        return {"applied_tags": validation.too_long(FORUM_TAGS_MAX)}
    own = {t["id"] for t in forum.get("available_tags") or []}
    unknown = {
        str(i): validation.error("TAG_NOT_FOUND", "Unknown tag: not one of the forum's tags.")
        for i, tag in enumerate(tags)
        if str(tag) not in own
    }
    return {"applied_tags": unknown} if unknown else {}


def _visible(message: dict[str, Any]) -> dict[str, Any]:
    hidden = {"nonce", "allowed_mentions", "_files"}
    return {k: v for k, v in message.items() if k not in hidden and not k.startswith("_")}
