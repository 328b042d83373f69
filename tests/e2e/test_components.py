"""Selects and modals through the stand-in, with a test-only cog (no feature uses them yet)."""

import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

pytestmark = pytest.mark.asyncio(loop_scope="module")


class NameModal(discord.ui.Modal, title="Name a model"):
    name = discord.ui.TextInput(label="Name", max_length=100)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"submitted {self.name.value}", ephemeral=True)


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

    @app_commands.command(name="pick", description="Shows a select")
    async def pick(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("choose", view=Picker())


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def with_components(harness):
    await harness.bot.add_cog(ComponentsCog())
    await harness.bot.sync_commands()
    yield harness
    await harness.bot.remove_cog("ComponentsCog")
    await harness.bot.sync_commands()


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
