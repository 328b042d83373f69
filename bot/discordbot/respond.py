"""Sending replies to interactions: paged with buttons, mentions always disabled; and the one
answer every failed command, button or form gets (`answer_failure`)."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from typing import Any

import discord
from discord import app_commands

from bot.core.errors import UserError
from bot.render.cards import Attachment, Reply
from bot.render.discord_embed import NO_MENTIONS, card_to_embed
from bot.render.safe import safe_text, user_error_text

log = logging.getLogger(__name__)
PAGE_TIMEOUT = 300.0


class OwnedView(discord.ui.View):
    """Components only the user who asked may use; anyone else is told so, privately.

    When the view times out its components are disabled on its `message` (set once it is
    sent), so they never stay clickable only to fail ("This interaction failed")."""

    refusal = "Only the person who asked can use these buttons."

    def __init__(self, owner_id: int, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.InteractionMessage | discord.WebhookMessage | None = None

    def disable(self) -> None:
        for child in self.children:
            child.disabled = True  # type: ignore[attr-defined]

    def expired(self) -> dict[str, Any]:
        """What else the message shows once the view has timed out (edit keyword arguments)."""
        return {}

    async def on_timeout(self) -> None:
        if self.message is None:
            return
        self.disable()
        try:
            await self.message.edit(view=self, **self.expired())
        except discord.HTTPException:
            log.warning("could not disable the buttons of an expired view", exc_info=True)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        # discord.py's default only logs: the user would see "This interaction failed".
        await answer_failure(interaction, error, f"{type(self).__name__} component")

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(
                self.refusal, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return False
        return True


class Form(discord.ui.Modal):
    """A modal whose failures get the same private answer as a failed command."""

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        # discord.py's default only logs: the user would see "This interaction failed".
        await answer_failure(interaction, error, f"{type(self).__name__} form")


class Pager(OwnedView):
    """Previous/Next buttons over a reply's pages; only the person who asked can turn them."""

    refusal = "Only the person who asked can turn these pages; run the command yourself."

    def __init__(self, reply: Reply, owner_id: int) -> None:
        super().__init__(owner_id, PAGE_TIMEOUT)
        self.embeds = [card_to_embed(card) for card in reply.pages]
        self.index = 0
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index == len(self.embeds) - 1

    async def _show(self, interaction: discord.Interaction, step: int) -> None:
        self.index = max(0, min(len(self.embeds) - 1, self.index + step))
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.embeds[self.index], view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button[Pager]) -> None:
        await self._show(interaction, -1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button[Pager]) -> None:
        await self._show(interaction, +1)


async def send_reply(interaction: discord.Interaction, reply: Reply) -> None:
    """Answer an interaction with `reply`, whether or not it was already responded to."""
    kwargs: dict[str, Any] = {"ephemeral": reply.ephemeral, "allowed_mentions": NO_MENTIONS}
    if len(reply.pages) > 1:
        kwargs["view"] = Pager(reply, interaction.user.id)
        kwargs["embed"] = kwargs["view"].embeds[0]
    else:
        kwargs["embed"] = card_to_embed(reply.pages[0])
    files = _within_limit(reply.files, interaction.filesize_limit)
    if files:
        kwargs["files"] = [
            discord.File(io.BytesIO(f.data), filename=f.filename, description=f.description or None)
            for f in files
        ]
    message: discord.InteractionMessage | discord.WebhookMessage | None
    if interaction.response.is_done():
        message = await interaction.followup.send(**kwargs, wait=True)
    else:
        await interaction.response.send_message(**kwargs)
        message = await interaction.original_response() if "view" in kwargs else None
    if "view" in kwargs:
        kwargs["view"].message = message


def _within_limit(files: Sequence[Attachment], limit: int) -> list[Attachment]:
    """The files Discord will take here (`limit`: the interaction's attachment size limit);
    one too large is left out, the text answer still goes."""
    kept = [f for f in files if len(f.data) <= limit]
    if len(kept) < len(files):
        log.warning(
            "left out %d attachment(s) over the %d-byte limit", len(files) - len(kept), limit
        )
    return kept


# Permission names as Discord's own UI shows them.
_PERMISSION_NAMES = {"manage_guild": "Manage Server", "manage_channels": "Manage Channels"}
OUR_FAULT = "Something went wrong on our side. It has been logged; please try again."


def failure_text(error: Exception, where: str) -> str:
    """What the user is told about `error`; an unexpected one is logged here, once, with its
    traceback (`where` names the command, button or form)."""
    cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(cause, UserError):
        return user_error_text(cause)
    if isinstance(cause, app_commands.CommandSignatureMismatch):
        return (
            "This command's options do not match what the bot expects (missing or outdated)."
            " Reload Discord (Ctrl+R) and try again."
        )
    if isinstance(cause, app_commands.TransformerError):
        return f"The value '{safe_text(str(cause.value)[:50])}' is not valid for this option."
    if isinstance(cause, app_commands.MissingPermissions):
        needed = ", ".join(
            _PERMISSION_NAMES.get(p, p.replace("_", " ").title()) for p in cause.missing_permissions
        )
        return f"You need the {needed} permission for this command."
    if isinstance(cause, app_commands.CheckFailure):
        return str(cause) or "You are not allowed to use this command."
    log.error("%s failed", where, exc_info=cause)
    return OUR_FAULT


async def answer_failure(interaction: discord.Interaction, error: Exception, where: str) -> None:
    """Tell the user privately why their command, click or form failed, whether or not the
    interaction was already responded to."""
    message = failure_text(error, where)
    try:
        await send_reply(interaction, Reply.error(message))
    except discord.HTTPException:
        log.warning("could not send the error message for %s", where, exc_info=True)
