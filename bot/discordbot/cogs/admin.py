"""/admin: catalog curation for the bot's curators (owners, configured users and roles).

Hidden from members without Manage Server by default, and refused server-side to anyone who is
not a curator, whatever Discord showed them.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import UserError
from bot.core.vocab import EVENT_KINDS
from bot.curation.identity import IdentityCuration
from bot.curation.service import UNITS, Actor, Change, CurationService, ModelForm
from bot.discordbot.checks import GUILD_INSTALL, GUILD_ONLY, bot_config, curators_only, is_curator
from bot.discordbot.choices import benchmark_choices, model_choices
from bot.discordbot.respond import Form, OwnedView, send_reply
from bot.render import admin as render_admin
from bot.render import sync as render_sync
from bot.render.cards import Reply, clip
from bot.render.discord_embed import NO_MENTIONS, card_to_embed
from bot.render.safe import safe_text, user_error_text
from bot.services import Services
from bot.sync.registry import ADAPTERS as SYNC_ADAPTERS

log = logging.getLogger(__name__)
MAX_ATTACHMENT = 5 * 1024 * 1024
CONFIRM_TIMEOUT = 300.0
FORM_TIMEOUT = 900.0  # a form left open is forgotten after this


def actor_of(interaction: discord.Interaction) -> Actor:
    guild = str(interaction.guild_id) if interaction.guild_id else None
    return Actor(str(interaction.user.id), interaction.user.display_name, guild)


class ModelModal(Form):
    """Five inputs, Discord's maximum; the details field carries parameters, context and link.

    discord.py routes a submitted form by its custom_id alone, so every opened form gets its
    own: with a fixed id, a second curator's form replaced the first's, and the first
    curator's edit was saved to the second's model."""

    def __init__(
        self,
        curation: CurationService,
        opener_id: int,
        editing: str | None = None,
        org: str = "",
    ) -> None:
        super().__init__(
            title=f"Edit {clip(editing, 30)}" if editing else "Add a model",
            custom_id=f"admin-model:{secrets.token_hex(8)}",
            timeout=FORM_TIMEOUT,
        )
        self.curation = curation
        self.opener_id = opener_id
        self.editing = editing
        self.name: discord.ui.TextInput[ModelModal] = discord.ui.TextInput(
            label="Name", max_length=100, default=editing
        )
        self.org: discord.ui.TextInput[ModelModal] = discord.ui.TextInput(
            label="Organisation", max_length=100, required=False, default=org or None
        )
        self.release: discord.ui.TextInput[ModelModal] = discord.ui.TextInput(
            label="Release date",
            placeholder="2026-04-02, 2026-04, or 'expected 2026-06'",
            max_length=40,
            required=False,
        )
        self.license: discord.ui.TextInput[ModelModal] = discord.ui.TextInput(
            label="License",
            placeholder="Apache-2.0, Llama 4 Community License, api_only ...",
            max_length=100,
            required=False,
        )
        self.details: discord.ui.TextInput[ModelModal] = discord.ui.TextInput(
            label="Parameters, context window, link",
            style=discord.TextStyle.paragraph,
            placeholder="params: 31B\ncontext: 128K\nlink: https://...",
            max_length=1000,
            required=False,
        )
        for item in (self.name, self.org, self.release, self.license, self.details):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        # Saving may wait on the database (another writer holds it): acknowledge first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        if not is_curator(interaction, bot_config(interaction)):
            raise app_commands.CheckFailure("Only the bot's curators can do this.")
        if interaction.user.id != self.opener_id:
            raise app_commands.CheckFailure("This form belongs to the curator who opened it.")
        form = ModelForm(
            self.name.value,
            self.org.value,
            self.release.value,
            self.license.value,
            self.details.value,
        )
        if self.editing:
            change = await self.curation.edit_model(actor_of(interaction), self.editing, form)
        else:
            change = await self.curation.add_model(actor_of(interaction), form)
        await send_reply(
            interaction,
            Reply.note(
                "Saved",
                _change_text(change),
            ),
        )


class Confirm(OwnedView):
    """Confirm / Cancel for one curator; runs `action` once, on the first Confirm.

    The click is acknowledged at once (the buttons go grey and `working` shows), the action
    runs, and the message is edited with its result: a long action never misses Discord's
    3-second window. A second click (a double click) changes nothing and is told so. An
    unused view's message is edited when it times out, so its buttons never stay clickable
    only to fail."""

    refusal = "Only the curator who asked can confirm this."

    def __init__(
        self,
        owner_id: int,
        action: Callable[[], Awaitable[str]],
        done: str,
        working: str = "Working on it…",
    ) -> None:
        super().__init__(owner_id, CONFIRM_TIMEOUT)
        self.action = action
        self.done = done
        self.working = working
        self.used = False

    async def _claim(self, interaction: discord.Interaction) -> bool:
        """True for the first click on either button; later clicks are told, privately."""
        if self.used:
            await interaction.response.send_message(
                "This was already answered; nothing more happens.",
                ephemeral=True,
                allowed_mentions=NO_MENTIONS,
            )
            return False
        self.used = True  # before any await: a concurrent second click sees it
        self.disable()
        return True

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(
        self, interaction: discord.Interaction, _: discord.ui.Button[Confirm]
    ) -> None:
        if not await self._claim(interaction):
            return
        await interaction.response.edit_message(embed=_note(self.done, self.working), view=self)
        title = self.done
        try:
            text = await self.action()
        except UserError as exc:
            title, text = "Nothing changed", user_error_text(exc)
        except Exception:
            log.exception("a confirmed action failed")
            title, text = "Failed", "Something went wrong on our side. It has been logged."
        await interaction.edit_original_response(embed=_note(title, text), view=self)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button[Confirm]) -> None:
        if not await self._claim(interaction):
            return
        await interaction.response.edit_message(
            embed=_note("Cancelled", "Cancelled; nothing changed."), view=self
        )

    async def on_timeout(self) -> None:
        # A used view lives on until now, so that a click already under way is answered; its
        # message already shows the outcome with the buttons disabled.
        if not self.used:
            await super().on_timeout()

    def expired(self) -> dict[str, Any]:
        return {"embed": _note("Expired", "Nothing changed; run the command again.")}


def _change_text(change: Change) -> str:
    """The answer to a saved change: the summary (it quotes what the curator wrote) escaped."""
    return (
        f"Change **{change.id}**: {safe_text(change.summary)}."
        f" Undo with `/admin undo change_id:{change.id}`."
    )


def _note(title: str, text: str) -> discord.Embed:
    return _embed(render_admin.note(title, text))


def _embed(reply: Reply) -> discord.Embed:
    return card_to_embed(reply.pages[0])


class AdminCog(commands.Cog):
    admin = app_commands.Group(
        name="admin",
        description="Catalog curation (curators only)",
        guild_only=True,
        allowed_contexts=GUILD_ONLY,
        allowed_installs=GUILD_INSTALL,
        default_permissions=discord.Permissions(manage_guild=True),
    )
    model = app_commands.Group(name="model", description="Add, edit or remove models", parent=admin)
    alias = app_commands.Group(
        name="alias", description="Other names that find a model", parent=admin
    )
    score = app_commands.Group(name="score", description="Benchmark scores", parent=admin)
    benchmark = app_commands.Group(name="benchmark", description="Benchmarks", parent=admin)
    license = app_commands.Group(name="license", description="License claims", parent=admin)
    release = app_commands.Group(
        name="release", description="Curated release entries", parent=admin
    )
    sync = app_commands.Group(
        name="sync", description="The live catalog sources (Epoch, OpenRouter, ...)", parent=admin
    )

    def __init__(self, services: Services) -> None:
        self.services = services
        self.curation = services.curation
        self.identity = IdentityCuration(services.curation)

    async def _model_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return model_choices(self.services.lookups, current)

    # ---- models -------------------------------------------------------------------------------

    @model.command(name="add", description="Add a model (opens a form)")
    @curators_only()
    async def model_add(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(ModelModal(self.curation, interaction.user.id))

    @model.command(name="edit", description="Add facts to a model or rename it (opens a form)")
    @app_commands.autocomplete(name=_model_names)
    @curators_only()
    async def model_edit(self, interaction: discord.Interaction, name: str) -> None:
        model_id, current = self.curation.find_model(name)
        report = await self.services.lookups.report(model_id)
        await interaction.response.send_modal(
            ModelModal(
                self.curation, interaction.user.id, current, report.org or "" if report else ""
            )
        )

    @model.command(name="remove", description="Remove a model and its claims (asks first)")
    @app_commands.autocomplete(name=_model_names)
    @curators_only()
    async def model_remove(self, interaction: discord.Interaction, name: str) -> None:
        _, current = self.curation.find_model(name)
        actor = actor_of(interaction)

        async def action() -> str:
            change = await self.curation.remove_model(actor, current)
            return _change_text(change)

        view = Confirm(interaction.user.id, action, "Removed")
        await interaction.response.send_message(
            embed=_embed(render_admin.confirm_remove(current)),
            view=view,
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        view.message = await interaction.original_response()

    # ---- aliases, scores, benchmarks, licenses --------------------------------------------------

    @alias.command(name="add", description="Make another name find a model")
    @app_commands.autocomplete(model=_model_names)
    @curators_only()
    async def alias_add(self, interaction: discord.Interaction, model: str, alias: str) -> None:
        await self._done(interaction, self.curation.add_alias(actor_of(interaction), model, alias))

    @alias.command(name="remove", description="Stop a name from finding a model")
    @app_commands.autocomplete(model=_model_names)
    @curators_only()
    async def alias_remove(self, interaction: discord.Interaction, model: str, alias: str) -> None:
        await self._done(
            interaction, self.curation.remove_alias(actor_of(interaction), model, alias)
        )

    @score.command(name="add", description="Record a benchmark score with its source")
    @app_commands.describe(
        source="A link, or a short note on where it comes from",
        unit="The benchmark's unit, to double-check",
    )
    @app_commands.autocomplete(model=_model_names)
    @curators_only()
    async def score_add(
        self,
        interaction: discord.Interaction,
        model: str,
        benchmark: str,
        value: float,
        source: str,
        unit: str | None = None,
        self_reported: bool = False,
    ) -> None:
        saving = self.curation.add_score(
            actor_of(interaction), model, benchmark, value, unit, source, self_reported
        )
        await self._done(interaction, saving)

    @score_add.autocomplete("benchmark")
    async def _benchmarks(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return benchmark_choices(self.services.lookups, current)

    @benchmark.command(name="add", description="Add a benchmark")
    @app_commands.choices(unit=[app_commands.Choice(name=u, value=u) for u in UNITS])
    @curators_only()
    async def benchmark_add(
        self, interaction: discord.Interaction, name: str, unit: str, higher_is_better: bool
    ) -> None:
        await self._done(
            interaction,
            self.curation.add_benchmark(actor_of(interaction), name, unit, higher_is_better),
        )

    @license.command(name="set", description="Record a license claim for a model, with its source")
    @app_commands.autocomplete(model=_model_names)
    @curators_only()
    async def license_set(
        self, interaction: discord.Interaction, model: str, license: str, source: str
    ) -> None:
        await self._done(
            interaction,
            self.curation.set_license(actor_of(interaction), model, license, source),
        )

    @release.command(
        name="add", description="Add a curated release; subscribed channels are alerted"
    )
    @app_commands.describe(date="YYYY-MM-DD (default today)", models="Model names, comma-separated")
    @app_commands.choices(
        type=[app_commands.Choice(name=k.replace("_", " "), value=k) for k in EVENT_KINDS]
    )
    @curators_only()
    async def release_add(
        self,
        interaction: discord.Interaction,
        title: str,
        type: str = "release",
        link: str | None = None,
        date: str | None = None,
        models: str | None = None,
    ) -> None:
        # Queuing the alerts fans out to every subscribed channel: acknowledge first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        change, queued = await self.curation.add_release(
            actor_of(interaction), title, link, date, models, type
        )
        await send_reply(
            interaction,
            Reply.note(
                "Release added",
                f"Change **{change.id}**: {safe_text(change.summary)}. {queued} channel alert(s) queued.",
            ),
        )
        await self.services.watch.drain()

    # ---- live catalog sync -------------------------------------------------------------------

    @sync.command(name="now", description="Sync a live source now (default: every enabled one)")
    @app_commands.describe(source="The source's key (see /admin sync status)")
    @app_commands.choices(
        source=[app_commands.Choice(name=key, value=key) for key in SYNC_ADAPTERS]
    )
    @curators_only()
    async def sync_now(self, interaction: discord.Interaction, source: str | None = None) -> None:
        engine = self.services.sync
        keys = [engine.adapter(source).key] if source else list(engine.config.sources)
        if not keys:
            raise UserError("No sync source is enabled (config key `sync.sources`).")
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcomes = [await engine.sync_now(actor_of(interaction), key) for key in keys]
        await send_reply(interaction, render_sync.render_sync_outcomes(outcomes))

    @sync.command(name="status", description="Each live source: last sync, size, health")
    @curators_only()
    async def sync_status(self, interaction: discord.Interaction) -> None:
        statuses = await self.services.sync.statuses()
        await send_reply(interaction, render_sync.render_sync_status(statuses))

    # ---- import, export ---------------------------------------------------------------------

    @admin.command(
        name="import",
        description="Import a catalog YAML or an Epoch-style CSV (shows a summary first)",
    )
    @curators_only()
    async def import_file(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        if file.size > MAX_ATTACHMENT:
            raise UserError(
                "{} is {} MB; the limit is {} MB.",
                clip(file.filename, 60),
                f"{file.size / 1024 / 1024:.1f}",
                MAX_ATTACHMENT // 1024 // 1024,
            )
        name = file.filename.lower()
        if not name.endswith((".yaml", ".yml", ".csv")):
            raise UserError("Attach a .yaml (catalog format) or a .csv (Epoch columns).")
        await interaction.response.defer(ephemeral=True, thinking=True)
        batch = await self.curation.read_upload(file.filename, await file.read())
        plan = await self.curation.plan_import(batch, file.filename)
        actor = actor_of(interaction)

        async def action() -> str:
            change = await self.curation.apply_import(actor, plan)
            return _change_text(change)

        view = Confirm(
            interaction.user.id, action, "Imported", "Importing… (large files take a while)"
        )
        view.message = await interaction.followup.send(
            embed=_embed(render_admin.confirm_import(file.filename, plan)),
            view=view,
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
            wait=True,
        )

    @admin.command(name="export", description="The catalog (or only curators' additions) as YAML")
    @app_commands.choices(
        scope=[
            app_commands.Choice(name="everything", value="all"),
            app_commands.Choice(name="curators' additions", value="curated"),
        ]
    )
    @curators_only()
    async def export(self, interaction: discord.Interaction, scope: str = "curated") -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = await self.services.curation.export(curated_only=scope == "curated")
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
        data = await asyncio.to_thread(text.encode)  # tens of MB at 100k models: off the loop
        file = discord.File(io.BytesIO(data), filename=f"release-radar-{scope}-{stamp}.yaml")
        await interaction.followup.send(
            f"Catalog export ({'curators only' if scope == 'curated' else 'everything'}).",
            file=file,
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    # ---- identity: merge, split ---------------------------------------------------------------

    @admin.command(name="merge", description="Make two records of one real model one record")
    @app_commands.describe(
        model="The record to keep", duplicate="The record folded into it (its name stays an alias)"
    )
    @app_commands.autocomplete(model=_model_names, duplicate=_model_names)
    @curators_only()
    async def merge(self, interaction: discord.Interaction, model: str, duplicate: str) -> None:
        await self._done(interaction, self.identity.merge(actor_of(interaction), model, duplicate))

    @admin.command(name="split", description="Split a dated snapshot out of a model record")
    @app_commands.describe(
        record="The source record to split out (an id such as gpt-4o-2024-08-06, or an alias)",
        date="The snapshot's date, when the record does not carry one",
    )
    @app_commands.autocomplete(model=_model_names)
    @curators_only()
    async def split(
        self,
        interaction: discord.Interaction,
        model: str,
        record: str,
        date: str | None = None,
    ) -> None:
        await self._done(
            interaction, self.identity.split(actor_of(interaction), model, record, date)
        )

    # ---- history, undo ----------------------------------------------------------------------

    @admin.command(name="history", description="Who changed what, and when")
    @app_commands.autocomplete(model=_model_names)
    @curators_only()
    async def history(self, interaction: discord.Interaction, model: str | None = None) -> None:
        entries = await self.curation.history(actor_of(interaction), model)
        await send_reply(interaction, render_admin.history(model, entries))

    @admin.command(name="undo", description="Revert one change (see /admin history)")
    @curators_only()
    async def undo(self, interaction: discord.Interaction, change_id: int) -> None:
        await self._done(interaction, self.curation.undo(actor_of(interaction), change_id))

    async def _done(
        self, interaction: discord.Interaction, saving: Coroutine[Any, Any, Change]
    ) -> None:
        """Acknowledge, then run `saving` (it may wait on the database while another writer
        holds it, past Discord's 3-second window) and answer with the change it made."""
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
        except BaseException:
            saving.close()
            raise
        change = await saving
        await send_reply(
            interaction,
            Reply.note(
                "Saved",
                _change_text(change),
            ),
        )
