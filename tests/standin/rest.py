"""The stand-in's REST API: routes and handlers, interaction callbacks, followups and edits,
channel messages and attachments, with Discord's checks on them."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from aiohttp import web

from tests.standin import validation
from tests.standin.common import (
    APP_ID,
    BOT_USER,
    EPHEMERAL,
    MENTION_EVERYONE,
    READ_MESSAGE_HISTORY,
    TOKEN,
    Interaction,
    Recorded,
    discord_error,
    json_response,
    now_iso,
)


def shown(message: Any) -> Any:
    """A stored message as Discord returns it: the uploaded files' bytes stay in the stand-in
    (tests read them from `_files`); the answer lists them under `attachments`."""
    if not isinstance(message, dict):
        return message
    return {k: v for k, v in message.items() if k != "_files"}


class RestMixin:
    """StandIn's REST routes and handlers (state is set in StandIn.__init__)."""

    # ---- REST -----------------------------------------------------------------------------

    async def rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body = await self._read_body(request)
        await self._travel()  # the request on its way to Discord
        record = Recorded(request.method, path, dict(request.query), body, at=time.monotonic())
        self.requests.append(record)
        key = f"{request.method} {path}"
        bucket = self._bucket_for(request.method, path)
        response = (
            self._planned_fault(key) or self._rate_limited(key) or self._bucket_exhausted(bucket)
        )
        if response is None:
            response = await self._route(request, path, body, record)
        self._stamp_bucket(response, bucket)
        self._count_invalid(response)
        record.status = response.status
        if self._planned_fault(f"{request.method} {path}", self.lost_answers) is not None:
            assert request.transport is not None
            request.transport.close()  # done, but the connection drops before the answer
        await self._travel()  # the answer on its way back
        record.answered_at = time.monotonic()
        return response

    async def _read_body(self, request: web.Request) -> Any:
        if request.content_type.startswith("multipart/"):
            parts: dict[str, Any] = {"files": []}
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    parts["payload"] = json.loads(await part.text())
                else:
                    data = await part.read()
                    parts["files"].append(
                        {
                            "name": part.name,
                            "filename": part.filename,
                            "size": len(data),
                            "data": data,
                        }
                    )
            payload = parts.get("payload", {})
            payload["_files"] = parts["files"]
            return payload
        raw = await request.read()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode(errors="replace")

    async def _route(
        self, request: web.Request, path: str, body: Any, record: Recorded
    ) -> web.Response:
        method = request.method
        routes: list[tuple[str, str, Any]] = [
            ("GET", r"/users/@me", lambda m: json_response(BOT_USER)),
            ("POST", r"/users/@me/channels", lambda m: self._open_dm(body)),
            ("GET", r"/oauth2/applications/@me", lambda m: json_response(self._application())),
            ("GET", r"/gateway", lambda m: json_response({"url": self.gateway_url})),
            ("GET", r"/gateway/bot", lambda m: json_response(self.gateway_bot())),
            ("PUT", r"/applications/(\d+)/commands", lambda m: self._sync(body, None)),
            ("GET", r"/applications/(\d+)/commands", lambda m: json_response(self.global_commands)),
            (
                "PUT",
                r"/applications/(\d+)/guilds/(\d+)/commands",
                lambda m: self._sync(body, m.group(2)),
            ),
            (
                "GET",
                r"/applications/(\d+)/guilds/(\d+)/commands",
                lambda m: json_response(self.guild_commands.get(m.group(2), [])),
            ),
            (
                "POST",
                r"/interactions/(\d+)/([^/]+)/callback",
                lambda m: self._callback(m.group(1), m.group(2), body),
            ),
            ("POST", r"/webhooks/(\d+)/([^/]+)", lambda m: self._followup(m.group(2), body)),
            (
                "GET",
                r"/webhooks/(\d+)/([^/]+)/messages/@original",
                lambda m: self._original(m.group(2)),
            ),
            (
                "PATCH",
                r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)",
                lambda m: self._edit(m.group(2), m.group(3), body),
            ),
            (
                "DELETE",
                r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)",
                lambda m: self._delete(m.group(2), m.group(3)),
            ),
            ("POST", r"/channels/(\d+)/messages", lambda m: self._post_message(m.group(1), body)),
            (
                "PATCH",
                r"/channels/(\d+)/messages/(\d+)",
                lambda m: self._edit_message(m.group(1), m.group(2), body),
            ),
            (
                "GET",
                r"/channels/(\d+)/messages/(\d+)",
                lambda m: self._get_message(m.group(1), m.group(2)),
            ),
            (
                "GET",
                r"/channels/(\d+)/messages",
                lambda m: self._get_messages(m.group(1), request.query),
            ),
            ("GET", r"/channels/(\d+)", lambda m: self._get_channel(m.group(1))),
            *self.thread_routes(body, request.query),
        ]
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                if (
                    "/interactions/" not in path
                    and "/webhooks/" not in path
                    and not self._authorised(request)
                ):
                    return discord_error(401, 0, "401: Unauthorized")
                return handler(match)
        self.unknown_routes.append(record)
        return discord_error(404, 0, "404: Not Found")

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {TOKEN}"

    def _application(self) -> dict[str, Any]:
        owner = self.member("owner")["user"]
        return {
            "id": APP_ID,
            "name": "Release Radar",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": owner,
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
            "summary": "",
        }

    def _sync(self, body: Any, guild_id: str | None) -> web.Response:
        if not isinstance(body, list):
            return discord_error(400, 50035, "Invalid Form Body")
        errors = validation.check_commands(body)
        if errors:
            self.validation_errors.append(("commands", errors))
            return json_response(validation.form_body(errors), 400)
        stored = []
        for command in body:
            entry = {
                **command,
                "id": self.snowflake(),
                "application_id": APP_ID,
                "version": self.snowflake(),
            }
            entry.setdefault("type", 1)
            if guild_id:
                entry["guild_id"] = guild_id
            stored.append(entry)
        if guild_id:
            self.guild_commands[guild_id] = stored
        else:
            self.global_commands = stored
        return json_response(stored)

    def command(self, name: str, guild_id: str | None = None) -> dict[str, Any]:
        """The synced command `/name` as a user of the guild (the first by default) sees it."""
        guild_commands = self.guild_commands.get(guild_id or self.guild["id"], [])
        for command in (*guild_commands, *self.global_commands):
            if command["name"] == name and command.get("type", 1) == 1:
                return command
        raise KeyError(f"no synced command /{name}")

    def _message(self, channel_id: str, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {
            "id": self.snowflake(),
            "type": 0,
            "channel_id": channel_id,
            "author": BOT_USER,
            "content": payload.get("content") or "",
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            **self._mentions(channel_id, payload),
            "attachments": [self._posted_file(f) for f in payload.get("_files", [])],
            "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [],
            "pinned": False,
            "flags": payload.get("flags") or 0,
            "nonce": payload.get("nonce"),
            "allowed_mentions": payload.get("allowed_mentions"),
            "_files": payload.get("_files", []),
            **extra,
        }

    def _invalid(self, where: str, payload: dict[str, Any]) -> web.Response | None:
        if validation.too_large(payload, self.attachment_size_limit):
            self.validation_errors.append((where, {"_files": "too large"}))
            return discord_error(413, 40005, "Request entity too large")
        errors = validation.check_message(payload) | validation.check_files(payload)
        if errors:
            self.validation_errors.append((where, errors))
            return json_response(validation.form_body(errors), 400)
        return None

    def _callback(self, interaction_id: str, token: str, body: Any) -> web.Response:
        interaction = self.interactions.get(interaction_id)
        if interaction is None or interaction.token != token:
            return discord_error(404, 10062, "Unknown interaction")
        if interaction.callback_type is not None:
            return discord_error(400, 40060, "Interaction has already been acknowledged.")
        if time.monotonic() - interaction.created > self.interaction_window:
            interaction.failed = True
            return discord_error(404, 10062, "Unknown interaction")
        kind = body.get("type")
        data = body.get("data") or {}
        if body.get("_files"):  # multipart: the files go with the message in `data`
            data = {**data, "_files": body["_files"]}
        refused = self._callback_refused(interaction, kind, data)
        if refused is not None:
            return refused
        if kind == 8:
            errors = validation.check_autocomplete(data)
            if errors:
                self.validation_errors.append(("autocomplete", errors))
                return json_response(validation.form_body({"data": errors}), 400)
        elif kind in (4, 7):
            invalid = self._invalid("callback", data)
            if invalid is None and kind == 7:
                target = self._find_message(interaction.payload["message"]["id"])
                if target is not None:
                    invalid = self._empty_after_edit(target, data)
            if invalid is not None:
                return invalid
        interaction.callback_type = kind
        interaction.callback_data = data
        channel_id = interaction.payload.get("channel_id", "0")
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 5):
            flags = (data.get("flags") or 0) | (128 if kind == 5 else 0)
            interaction.message = self._message(
                channel_id, {**data, "flags": flags}, application_id=APP_ID, webhook_id=APP_ID
            )
            resource["message"] = interaction.message
        elif kind in (6, 7):
            target = self._find_message(interaction.payload["message"]["id"])
            if target is not None and kind == 7:
                self._apply_edit(target, data)
            interaction.message = target
            if target is not None:
                resource["message"] = target
        elif kind == 9:
            interaction.modal = data
        interaction.event.set()
        if kind in (1, 8):
            return web.Response(status=204)
        message_id = (interaction.message or {}).get("id")
        return json_response(
            {
                "interaction": {
                    "id": interaction.id,
                    "type": interaction.type,
                    "response_message_id": message_id,
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": bool((data.get("flags") or 0) & EPHEMERAL),
                },
                "resource": {k: shown(v) if k == "message" else v for k, v in resource.items()},
            }
        )

    def _by_token(self, token: str) -> Interaction | None:
        return next((i for i in self.interactions.values() if i.token == token), None)

    def _find_message(self, message_id: str) -> dict[str, Any] | None:
        for interaction in self.interactions.values():
            for message in (interaction.message, *interaction.followups):
                if message is not None and message["id"] == message_id:
                    return message
        for messages in self.messages.values():
            for message in messages:
                if message["id"] == message_id:
                    return message
        return None

    def _mentions(self, channel_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Who a message from the bot pings, as Discord fills `mentions`, `mention_roles` and
        `mention_everyone`: only what the content mentions (never embeds) and
        `allowed_mentions` lets through (everything when it is absent); a role only if it is
        mentionable or the bot may mention everyone in the channel; @everyone and @here only
        with that permission."""
        content = payload.get("content") or ""
        allowed = payload.get("allowed_mentions")
        parse = (
            {"everyone", "users", "roles"} if allowed is None else set(allowed.get("parse") or [])
        )
        listed_roles = {str(r) for r in (allowed or {}).get("roles") or []}
        listed_users = {str(u) for u in (allowed or {}).get("users") or []}
        guild, channel = self._guild_and_channel(channel_id)
        may_everyone = False
        if guild is not None:
            bot = next(m for m in guild["members"] if m["user"]["id"] == APP_ID)
            perms = self.permissions_of(bot, channel) if channel is not None else 0
            may_everyone = bool(perms & MENTION_EVERYONE)
        roles = {r["id"]: r for r in (guild or {}).get("roles", [])}
        users = {m["user"]["id"]: m["user"] for m in (guild or {}).get("members", [])}
        pinged_roles = [
            role_id
            for role_id in dict.fromkeys(ROLE_MENTION.findall(content))
            if role_id in roles
            and role_id != (guild or {}).get("id")
            and ("roles" in parse or role_id in listed_roles)
            and (roles[role_id]["mentionable"] or may_everyone)
        ]
        pinged_users = [
            users[user_id]
            for user_id in dict.fromkeys(USER_MENTION.findall(content))
            if user_id in users and ("users" in parse or user_id in listed_users)
        ]
        everyone = bool(EVERYONE_MENTION.search(content)) and "everyone" in parse and may_everyone
        return {
            "mention_everyone": everyone,
            "mentions": pinged_users,
            "mention_roles": pinged_roles,
        }

    def _guild_and_channel(
        self, channel_id: str
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        for guild in self.guilds:
            for channel in (*guild["channels"], *guild.get("threads", [])):
                if channel["id"] == channel_id:
                    return guild, channel
        return None, None

    def _apply_edit(self, message: dict[str, Any], data: dict[str, Any]) -> None:
        for key in ("content", "embeds", "components"):
            if key in data:
                message[key] = (
                    data[key] if data[key] is not None else ([] if key != "content" else "")
                )
        if "content" in data or "allowed_mentions" in data:
            if "allowed_mentions" in data:
                message["allowed_mentions"] = data["allowed_mentions"]
            message.update(self._mentions(message["channel_id"], message))
        message["edited_timestamp"] = now_iso()
        message["flags"] = (message.get("flags") or 0) & ~128

    def _followup(self, token: str, body: Any) -> web.Response:
        interaction = self._by_token(token)
        refused = self._webhook_refused(interaction)
        if refused is not None:
            return refused
        assert interaction is not None
        invalid = self._invalid("followup", body or {}) or self._empty(body or {})
        if invalid is not None:
            return invalid
        message = self._message(
            interaction.payload.get("channel_id", "0"),
            body or {},
            webhook_id=APP_ID,
            application_id=APP_ID,
        )
        interaction.followups.append(message)
        interaction.event.set()
        return json_response(shown(message))

    def _original(self, token: str) -> web.Response:
        interaction = self._by_token(token)
        refused = self._webhook_refused(interaction)
        if refused is not None:
            return refused
        if interaction is None or interaction.message is None:
            return discord_error(404, 10008, "Unknown Message")
        return json_response(shown(interaction.message))

    def _edit(self, token: str, message_id: str, body: Any) -> web.Response:
        interaction = self._by_token(token)
        refused = self._webhook_refused(interaction)
        if refused is not None:
            return refused
        assert interaction is not None
        target = (
            interaction.message if message_id == "@original" else self._find_message(message_id)
        )
        if target is None:
            return discord_error(404, 10008, "Unknown Message")
        invalid = self._invalid("edit", body or {}) or self._empty_after_edit(target, body or {})
        if invalid is not None:
            return invalid
        self._apply_edit(target, body or {})
        interaction.event.set()
        return json_response(shown(target))

    def _delete(self, token: str, message_id: str) -> web.Response:
        interaction = self._by_token(token)
        refused = self._webhook_refused(interaction)
        if refused is not None:
            return refused
        if interaction is None or interaction.message is None:
            return discord_error(404, 10008, "Unknown Message")
        interaction.message["deleted"] = True
        return web.Response(status=204)

    def _channel_error(self, channel_id: str) -> web.Response | None:
        known = channel_id in self._channel_ids
        if channel_id in self.deleted_channels or not known:
            return discord_error(404, 10003, "Unknown Channel")
        if channel_id in self.forbidden_channels:
            return discord_error(403, 50013, "Missing Permissions")
        return self._access_error(channel_id)

    def _post_message(self, channel_id: str, body: Any) -> web.Response:
        problem = self._channel_error(channel_id) or self._dm_refused(channel_id)
        if problem is not None:
            return problem
        refused = self._send_refused(channel_id) or self.archived_refusal(channel_id)
        if refused is not None:
            return refused
        payload = body or {}
        invalid = self._invalid("channel", payload) or self._empty(payload)
        if invalid is not None:
            return invalid
        nonce = payload.get("nonce")
        if nonce is not None and payload.get("enforce_nonce"):
            earlier = self._nonces.get(str(nonce))
            if earlier is not None and time.monotonic() - earlier[0] < self.nonce_window:
                return json_response(shown(earlier[1]))  # Discord returns the earlier message
        message = self._message(channel_id, payload)
        self.messages[channel_id].append(message)
        if nonce is not None:
            self._nonces[str(nonce)] = (time.monotonic(), message)
        if self.on_message is not None:
            self.on_message(message)
        return json_response(shown(message))

    def _channel_message(self, channel_id: str, message_id: str) -> dict[str, Any] | None:
        return next((m for m in self.messages[channel_id] if m["id"] == message_id), None)

    def _edit_message(self, channel_id: str, message_id: str, body: Any) -> web.Response:
        """PATCH /channels/{id}/messages/{id}: the channel's rules as for a read (10003, 50001,
        50013 where the bot is refused), 10008 for a message not (or no longer) there, 50005
        for another user's message, the message rules as for a send; the stored message
        changes (`edited_timestamp`) and `on_edit` is called before the answer."""
        problem = self._channel_error(channel_id)
        if problem is not None:
            return problem
        message = self._channel_message(channel_id, message_id)
        if message is None:
            return discord_error(404, 10008, "Unknown Message")
        if message["author"]["id"] != APP_ID:
            return discord_error(403, 50005, "Cannot edit a message authored by another user")
        payload = body or {}
        invalid = self._invalid("channel edit", payload) or self._empty_after_edit(message, payload)
        if invalid is not None:
            return invalid
        self._apply_edit(message, payload)
        self.edits.append((channel_id, message_id))
        if self.on_edit is not None:
            self.on_edit(message)
        return json_response(self._visible(message))

    def _get_message(self, channel_id: str, message_id: str) -> web.Response:
        """GET /channels/{id}/messages/{id}: 10008 for a message not (or no longer) there;
        without Read Message History Discord refuses it (50001)."""
        problem = self._channel_error(channel_id)
        if problem is not None:
            return problem
        channel = self._find_channel(channel_id)
        if (
            channel is not None
            and not self.permissions_of(self.bot_member(), channel) & READ_MESSAGE_HISTORY
        ):
            return discord_error(403, 50001, "Missing Access")
        message = self._channel_message(channel_id, message_id)
        if message is None:
            return discord_error(404, 10008, "Unknown Message")
        return json_response(self._visible(message))

    @staticmethod
    def _visible(message: dict[str, Any]) -> dict[str, Any]:
        """A stored message as Discord returns it once posted (no nonce)."""
        return {
            k: v for k, v in message.items() if k not in {"nonce", "allowed_mentions", "_files"}
        }

    def delete_message(self, channel_id: str, message_id: str) -> None:
        """A message deleted (by a moderator, say): gone from the channel, its id unknown."""
        self.messages[channel_id] = [m for m in self.messages[channel_id] if m["id"] != message_id]

    def add_user_message(self, channel_id: str, username: str, content: str) -> dict[str, Any]:
        """A message a member of the guild posted in the channel (not the bot's)."""
        message = {
            **self._message(channel_id, {"content": content}),
            "author": self.member(username)["user"],
        }
        self.messages[channel_id].append(message)
        return message

    def _get_messages(self, channel_id: str, query: Any) -> web.Response:
        """GET /channels/{id}/messages: newest first, `limit` 1-100 (default 50), `before` or
        `after` a message id; as Discord returns them (no nonce). Without Read Message History
        in the channel the bot sees none (an empty list, not an error, as on Discord)."""
        problem = self._channel_error(channel_id)
        if problem is not None:
            return problem
        try:
            limit = int(query.get("limit", "50"))
            before = int(query["before"]) if "before" in query else None
            after = int(query["after"]) if "after" in query else None
        except ValueError:
            return discord_error(400, 50035, "Invalid Form Body")
        if not 1 <= limit <= 100:
            return json_response(
                validation.form_body(
                    {"limit": {"_errors": [{"code": "NUMBER_TYPE_MAX", "message": "1 to 100"}]}}
                ),
                400,
            )
        channel = self._find_channel(channel_id)
        if (
            channel is not None
            and not self.permissions_of(self.bot_member(), channel) & READ_MESSAGE_HISTORY
        ):
            return json_response([])  # Discord: without Read Message History, no messages
        found = [
            m
            for m in reversed(self.messages[channel_id])
            if (before is None or int(m["id"]) < before) and (after is None or int(m["id"]) > after)
        ]
        chosen = found[-limit:] if after is not None and before is None else found[:limit]
        return json_response([self._visible(m) for m in chosen])

    def _get_channel(self, channel_id: str) -> web.Response:
        problem = self._channel_error(channel_id)
        if problem is not None:
            return problem
        return json_response(self._find_channel(channel_id) or self.channel_by_id(channel_id))

    # ---- attachments (what a user uploads with a slash command) -----------------------------

    def add_attachment(
        self, value: tuple[str, bytes] | tuple[str, bytes, str], resolved: dict[str, Any]
    ) -> str:
        """Store an upload (filename, bytes[, content type]) and describe it as Discord would."""
        filename, data, *rest = value
        content_type = rest[0] if rest else "application/octet-stream"
        attachment_id = self.snowflake()
        self.attachments[attachment_id] = (filename, data, content_type)
        url = f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{filename}"
        resolved.setdefault("attachments", {})[attachment_id] = {
            "id": attachment_id,
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }
        return attachment_id

    def _posted_file(self, file: dict[str, Any]) -> dict[str, Any]:
        """A file the bot posted, as a message's attachment: Discord always gives its `url` and
        `proxy_url` (discord.py reads them); the stand-in serves it there."""
        data = file.get("data", b"")
        content_type = file.get("content_type") or "application/octet-stream"
        attachment_id = self.snowflake()
        self.attachments[attachment_id] = (file["filename"], data, content_type)
        url = f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{file['filename']}"
        return {
            "id": attachment_id,
            "filename": file["filename"],
            "size": file["size"],
            "url": url,
            "proxy_url": url,
        }

    async def attachment(self, request: web.Request) -> web.Response:
        stored = self.attachments.get(request.match_info["id"])
        if stored is None:
            return web.Response(status=404)
        return web.Response(body=stored[1], content_type=stored[2])

    # ---- strict rules: interaction windows and callback types ---------------------------------

    def _callback_refused(
        self, interaction: Interaction, kind: Any, data: dict[str, Any]
    ) -> web.Response | None:
        """A callback type the interaction does not take, or a body Discord would refuse."""
        allowed = set(CALLBACKS_FOR.get(interaction.type, ()))
        if interaction.type == 5 and "message" in interaction.payload:
            allowed |= {6, 7}  # a modal opened from a button may update that button's message
        if kind not in allowed:
            errors = {
                "type": validation.error(
                    "INTERACTION_CALLBACK_TYPE_INVALID",
                    f"Callback type {kind} is not valid for interaction type {interaction.type}.",
                )
            }
            self.validation_errors.append(("callback type", errors))
            return json_response(validation.form_body(errors), 400)
        if kind == 9:
            errors = validation.check_modal(data)
            if errors:
                self.validation_errors.append(("modal", {"data": errors}))
                return json_response(validation.form_body({"data": errors}), 400)
        if kind == 4:
            return self._empty(data)
        return None

    def _empty(self, payload: dict[str, Any]) -> web.Response | None:
        if validation.is_empty_message(payload):
            self.validation_errors.append(("empty message", {}))
            return discord_error(400, 50006, "Cannot send an empty message")
        return None

    def _empty_after_edit(
        self, message: dict[str, Any], data: dict[str, Any]
    ) -> web.Response | None:
        """Discord refuses (50006) an edit that would leave the message showing nothing."""
        edited = {
            **message,
            **{k: data[k] for k in ("content", "embeds", "components") if k in data},
        }
        if "attachments" in data:
            edited["_files"] = data["attachments"]
        return self._empty(edited)

    def _webhook_refused(self, interaction: Interaction | None) -> web.Response | None:
        """Followups and edits need an acknowledged interaction whose token is still valid."""
        if interaction is None or interaction.callback_type is None:
            return discord_error(404, 10015, "Unknown Webhook")
        if time.monotonic() - interaction.created > self.token_lifetime:
            return discord_error(401, 50027, "Invalid Webhook Token")
        return None


# Which callback types each interaction type takes (PING, command, component, autocomplete,
# modal submit); 12 is LAUNCH_ACTIVITY.
CALLBACKS_FOR: dict[int, tuple[int, ...]] = {
    1: (1,),
    2: (4, 5, 9, 12),
    3: (4, 5, 6, 7, 9, 12),
    4: (8,),
    5: (4, 5),
}
USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
EVERYONE_MENTION = re.compile(r"@(?:everyone|here)")
