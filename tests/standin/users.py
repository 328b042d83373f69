"""The test API: Discord users who type slash commands, pick autocomplete, click and submit.

resp = await admin.slash("compare", model1="Qwen3.5-Omni", model2="GPT-4o")
choices = await member.autocomplete("model", "name", "gem")
page2 = await member.click(resp, "Next")
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from tests.standin.server import Interaction as _Interaction
from tests.standin.server import StandIn

OPTION_TYPES = {
    "string": 3,
    "integer": 4,
    "boolean": 5,
    "channel": 7,
    "role": 8,
    "number": 10,
    "attachment": 11,
}


class CommandHidden(Exception):
    """Discord would not show this command to the user (default_member_permissions)."""


class ButtonDisabled(Exception):
    """Discord greys out a disabled button: the user cannot click it."""


class Response:
    """What the bot answered to one interaction, kept live: later edits show up here too."""

    def __init__(self, interaction: _Interaction) -> None:
        self.interaction = interaction

    @property
    def type(self) -> int | None:
        return self.interaction.callback_type

    @property
    def failed(self) -> bool:
        return self.interaction.failed

    @property
    def ephemeral(self) -> bool:
        return self.interaction.ephemeral

    @property
    def message(self) -> dict[str, Any] | None:
        if self.interaction.followups and (self.interaction.message is None or self.type == 5):
            return self.interaction.followups[-1]
        return self.interaction.message

    @property
    def messages(self) -> list[dict[str, Any]]:
        first = [self.interaction.message] if self.interaction.message else []
        return first + self.interaction.followups

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return (self.message or {}).get("embeds") or []

    @property
    def modal(self) -> dict[str, Any] | None:
        return self.interaction.modal

    @property
    def choices(self) -> list[dict[str, Any]]:
        return (self.interaction.callback_data or {}).get("choices") or []

    def text(self) -> str:
        """Every visible piece of text of the answer, for asserting on."""
        parts = []
        for message in self.messages:
            parts.append(message.get("content") or "")
            for embed in message.get("embeds") or []:
                parts += [embed.get("title") or "", embed.get("description") or ""]
                for f in embed.get("fields") or []:
                    parts += [f["name"], f["value"]]
                parts.append((embed.get("footer") or {}).get("text") or "")
        return "\n".join(p for p in parts if p)

    async def until(self, check: Callable[[Response], bool], timeout: float = 10.0) -> Response:
        """Wait for a later edit or followup after which `check(self)` holds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not check(self):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"the answer never got there; it says: {self.text()!r}")
            self.interaction.event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.interaction.event.wait(), min(remaining, 0.1))
        return self

    def buttons(self) -> list[dict[str, Any]]:
        found = []
        for row in (self.message or {}).get("components") or []:
            found += [c for c in row.get("components", []) if c.get("type") == 2]
        return found


class DiscordUser:
    """A guild member of the stand-in, typing in one channel."""

    def __init__(
        self, standin: StandIn, name: str, channel: str | None = None, *, where: str = "guild"
    ) -> None:
        """`channel` is where the user types: by name, by default their guild's first (general).
        `where` 'dm' types in a DM with the bot, 'foreign' in a server the bot is not in (the
        user installed the app): only global commands available there can be run."""
        self.standin = standin
        self.where = where
        self.member = standin.member(name)
        self.guild = standin.guild_of(self.member)
        self.channel = standin.channel(channel) if channel else self.guild["channels"][0]

    @property
    def id(self) -> str:
        return self.member["user"]["id"]

    def _definition(self, name: str) -> dict[str, Any]:
        if self.where == "guild":
            return self.standin.command(name, self.guild["id"])
        return self.standin.global_command(name)

    def can_see(self, command: str) -> bool:
        definition = self._definition(command)
        if self.where != "guild":
            return self.standin.available_outside(definition, self.where)
        needed = definition.get("default_member_permissions")
        if needed is None:
            return True
        return self.standin.permissions_of(self.member) & int(needed) == int(needed)

    async def slash(
        self, command: str, *, force: bool = False, timeout: float = 5.0, **options: Any
    ) -> Response:
        """Run `/command [subcommand] option=value ...`; `force` sends it even if hidden."""
        name, *path = command.split()
        definition = self._definition(name)
        if not force and not self.can_see(name):
            raise CommandHidden(f"/{name} is hidden from {self.member['user']['username']}")
        data: dict[str, Any] = {"id": definition["id"], "name": name, "type": 1}
        if "guild_id" in definition:
            data["guild_id"] = definition["guild_id"]
        data["options"], resolved = self._options(definition, path, options, focused=None)
        if resolved:
            data["resolved"] = resolved
        return await self._send(2, data, timeout)

    async def autocomplete(
        self, command: str, option: str, value: str, **others: Any
    ) -> list[dict[str, Any]]:
        """The choices the bot offers while the user types `value` into `option`."""
        name, *path = command.split()
        definition = self._definition(name)
        data: dict[str, Any] = {"id": definition["id"], "name": name, "type": 1}
        if "guild_id" in definition:
            data["guild_id"] = definition["guild_id"]
        data["options"], _ = self._options(
            definition, path, {**others, option: value}, focused=option
        )
        response = await self._send(4, data, 5.0)
        if response.type != 8:
            raise AssertionError(f"autocomplete answered with callback type {response.type}")
        return response.choices

    async def click(
        self, response: Response, label: str, timeout: float = 5.0, *, force: bool = False
    ) -> Response:
        """Click the button labelled `label` (or with that custom_id) on the answer's message.
        A disabled button cannot be clicked (`ButtonDisabled`); `force` sends the click anyway,
        as for one already under way when the button was disabled."""
        if response.message is None:
            raise AssertionError("the answer has no message")
        return await self.click_on(response.message, label, timeout, force=force)

    async def click_on(
        self, message: dict[str, Any], label: str, timeout: float = 5.0, *, force: bool = False
    ) -> Response:
        """Click the button labelled `label` (or with that custom_id) on a message the bot
        posted (a channel message or a DM), as `click` does on an answer."""
        buttons = [
            c
            for row in message.get("components") or []
            for c in row.get("components", [])
            if c.get("type") == 2
        ]
        button = next((b for b in buttons if label in (b.get("label"), b.get("custom_id"))), None)
        if button is None:
            raise AssertionError(
                f"no button {label!r}; buttons: {[b.get('label') for b in buttons]}"
            )
        if button.get("disabled") and not force:
            raise ButtonDisabled(f"the button {label!r} is disabled")
        public = {k: v for k, v in message.items() if not k.startswith("_")}
        data = {"custom_id": button["custom_id"], "component_type": 2}
        return await self._send(3, data, timeout, message=public)

    async def select(
        self, response: Response, custom_id: str, values: list[str], timeout: float = 5.0
    ) -> Response:
        """Choose `values` in the select menu `custom_id` on the answer's message."""
        message = response.message
        if message is None:
            raise AssertionError("the answer has no message")
        public = {k: v for k, v in message.items() if not k.startswith("_")}
        data = {"custom_id": custom_id, "component_type": 3, "values": values}
        return await self._send(3, data, timeout, message=public)

    async def submit_modal(
        self, response: Response, values: dict[str, str], timeout: float = 5.0
    ) -> Response:
        """Fill the modal the bot opened (values keyed by custom_id or label) and submit it."""
        modal = response.modal
        if modal is None:
            raise AssertionError("the bot did not open a modal")
        rows = []
        for component in modal.get("components", []):
            if component["type"] == 1:
                inputs = [self._filled(c, values) for c in component["components"]]
                rows.append({"type": 1, "components": inputs})
            elif component["type"] == 18:
                rows.append(
                    {
                        "type": 18,
                        "component": self._filled(
                            component["component"], values, component.get("label")
                        ),
                    }
                )
        data = {"custom_id": modal["custom_id"], "components": rows}
        return await self._send(5, data, timeout)

    @staticmethod
    def _filled(
        component: dict[str, Any], values: dict[str, str], label: str | None = None
    ) -> dict[str, Any]:
        key = component["custom_id"]
        value = values.get(
            key, values.get(label or component.get("label") or "", component.get("value") or "")
        )
        return {"type": component["type"], "custom_id": key, "value": value}

    def _options(
        self,
        definition: dict[str, Any],
        path: list[str],
        given: dict[str, Any],
        focused: str | None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        schema = definition.get("options") or []
        for part in path:  # subcommand groups and subcommands nest their options
            sub = next((o for o in schema if o["name"] == part and o["type"] in (1, 2)), None)
            if sub is None:
                raise AssertionError(f"/{definition['name']} has no subcommand {part!r}")
            schema = sub.get("options") or []
        resolved: dict[str, Any] = {}
        options = []
        for key, value in given.items():
            option = next((o for o in schema if o["name"] == key), None)
            if option is None:
                raise AssertionError(f"/{definition['name']} has no option {key!r}")
            options.append(self._option(option, value, focused == key, resolved))
        for part in reversed(path):
            kind = 1 if part == path[-1] else 2
            options = [{"name": part, "type": kind, "options": options}]
        return options, resolved

    def _option(
        self, option: dict[str, Any], value: Any, focused: bool, resolved: dict[str, Any]
    ) -> dict[str, Any]:
        kind = option["type"]
        if kind == 7 and not focused:
            channel = value if isinstance(value, dict) else self.standin.channel(value)
            resolved.setdefault("channels", {})[channel["id"]] = {
                **channel,
                "permissions": str(self.standin.permissions_of(self.member, channel)),
            }
            value = channel["id"]
        elif kind == 8 and not focused:
            role = next(r for r in self.guild["roles"] if value in (r["id"], r["name"]))
            resolved.setdefault("roles", {})[role["id"]] = role
            value = role["id"]
        elif kind == 11 and not focused:
            value = self.standin.add_attachment(value, resolved)
        entry = {"name": option["name"], "type": kind, "value": value}
        if focused:
            entry["focused"] = True
        return entry

    async def _send(
        self, kind: int, data: dict[str, Any], timeout: float, message: dict[str, Any] | None = None
    ) -> Response:
        interaction = self.standin.new_interaction(
            kind, self.member, self.channel, data, message, where=self.where
        )
        await self.standin.dispatch("INTERACTION_CREATE", interaction.payload)
        await _settle(self.standin, interaction, timeout)
        return Response(interaction)


async def _settle(standin: StandIn, interaction: _Interaction, timeout: float) -> None:
    """Wait for the initial response and, after a defer, for the followup or edit."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        kind = interaction.callback_type
        deferred_done = interaction.followups or (interaction.message or {}).get("edited_timestamp")
        if kind is not None and (kind not in (5, 6) or deferred_done):
            return
        remaining = deadline - loop.time()
        if remaining <= 0:
            await standin.expire_unanswered()
            return
        interaction.event.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(interaction.event.wait(), remaining)
