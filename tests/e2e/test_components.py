"""Selects and modals through the stand-in, with a test-only cog (no feature uses them yet),
and a paged reply sent as a followup."""

import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

from bot.discordbot import respond
from bot.render.cards import CardBuilder

pytestmark = pytest.mark.asyncio(loop_scope="module")


class NameModal(discord.ui.Modal, title="Name a model"):
    name = discord.ui.TextInput(label="Name", max_length=100)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"submitted {self.name.value}", ephemeral=True)


class BrokenForm(respond.Form, title="A form that fails"):
    name = discord.ui.TextInput(label="Name", max_length=100)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        raise RuntimeError("an unexpected failure while saving")


class Picker(discord.ui.View):
    @discord.ui.select(
        custom_id="pick", options=[discord.SelectOption(label=x) for x in ("a", "b")]
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message(f"picked {select.values}")


class ComponentsCog(commands.Cog):
    @app_commands.command(name="askname", description="Opens a modal")
    async def askname(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(NameModal())

    @app_commands.command(name="brokenform", description="Opens a modal that fails")
    async def brokenform(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(BrokenForm())

    @app_commands.command(name="pick", description="Shows a select")
    async def pick(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("choose", view=Picker())

    @app_commands.command(name="pages", description="A long answer, after a deferral")
    async def pages(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        card = CardBuilder("Many lines")
        for i in range(120):
            card.line(f"line {i} " + "x" * 60)
        await respond.send_reply(interaction, card.build())


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def with_components(module_harness):
    await module_harness.bot.add_cog(ComponentsCog())
    await module_harness.bot.sync_commands()
    yield module_harness
    await module_harness.bot.remove_cog("ComponentsCog")
    await module_harness.bot.sync_commands()


async def test_modal_submit(with_components) -> None:
    user = with_components.member
    opened = await user.slash("askname")
    assert opened.type == 9 and opened.modal["title"] == "Name a model"
    submitted = await user.submit_modal(opened, {"Name": "Gemma 5"})
    assert submitted.ephemeral and submitted.text() == "submitted Gemma 5"


async def test_select(with_components) -> None:
    user = with_components.member
    shown = await user.slash("pick")
    picked = await user.select(shown, "pick", ["b"])
    assert picked.text() == "picked ['b']"


async def test_an_expired_pager_sent_as_a_followup_has_its_buttons_disabled(
    with_components, monkeypatch
) -> None:
    monkeypatch.setattr(respond, "PAGE_TIMEOUT", 0.3)
    shown = await with_components.member.slash("pages")
    assert shown.embeds[0]["footer"]["text"].startswith("Page 1/")
    assert [b.get("disabled", False) for b in shown.buttons()] == [True, False]
    await shown.until(lambda r: all(b.get("disabled") for b in r.buttons()), timeout=10)
    assert shown.embeds[0]["footer"]["text"].startswith("Page 1/")
    assert not shown.failed


CALLBACK = r"POST /interactions/\d+/[^/]+/callback"


async def test_a_button_whose_callback_fails_gets_a_private_error_answer(with_components) -> None:
    """discord.py's View.on_error only logs: the user saw "This interaction failed"."""
    user = with_components.member
    shown = await user.slash("pages")
    with_components.standin.fail(CALLBACK, 400, code=50035, message="Invalid Form Body")
    clicked = await user.click(shown, "Next")
    assert not clicked.failed
    assert clicked.ephemeral and "went wrong on our side" in clicked.text()
    assert shown.embeds[0]["footer"]["text"].startswith("Page 1/")


async def test_a_form_whose_submit_fails_gets_a_private_error_answer(
    with_components, caplog
) -> None:
    """discord.py's Modal.on_error only logs; a Form answers like a failed command and logs
    the traceback once."""
    user = with_components.member
    opened = await user.slash("brokenform")
    submitted = await user.submit_modal(opened, {"Name": "Gemma 5"})
    assert not submitted.failed
    assert submitted.ephemeral and "went wrong on our side" in submitted.text()
    logged = [r for r in caplog.records if r.exc_info]
    assert [r.getMessage() for r in logged] == ["BrokenForm form failed"]
