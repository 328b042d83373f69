"""Lookup slash commands: /model, /license, /compare, /leaderboard, /price, /search, /about,
/fit."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands import COMMANDS, run_command
from bot.discordbot.choices import Choices, benchmark_choices, model_choices
from bot.discordbot.respond import send_reply
from bot.services import Services


class LookupCog(commands.Cog):
    def __init__(self, services: Services) -> None:
        self.services = services

    async def _answer(
        self, interaction: discord.Interaction, command: str, /, **options: object
    ) -> None:
        given = {k: v for k, v in options.items() if v is not None}
        _, reply = await run_command(self.services, command, given, charts=True)
        await send_reply(interaction, reply)

    # ---- autocomplete: served from memory, never blocks --------------------------------

    async def model_names(self, _: discord.Interaction, current: str) -> Choices:
        return model_choices(self.services.lookups, current)

    async def benchmark_names(self, _: discord.Interaction, current: str) -> Choices:
        return benchmark_choices(self.services.lookups, current)

    # ---- commands -----------------------------------------------------------------------

    @app_commands.command(name="model", description=COMMANDS["model"].description)
    @app_commands.describe(name="Model name (typos are fine)")
    @app_commands.autocomplete(name=model_names)
    async def model(self, interaction: discord.Interaction, name: str) -> None:
        await self._answer(interaction, "model", name=name)

    @app_commands.command(name="license", description=COMMANDS["license"].description)
    @app_commands.describe(
        query="A model, a license (Apache-2.0) or a class (api_only)",
        commercial=COMMANDS["license"].options[1].description,
    )
    @app_commands.autocomplete(query=model_names)
    async def license(
        self, interaction: discord.Interaction, query: str, commercial: str | None = None
    ) -> None:
        await self._answer(interaction, "license", query=query, commercial=commercial)

    @app_commands.command(name="compare", description=COMMANDS["compare"].description)
    @app_commands.describe(
        model1="First model",
        model2="Second model",
        model3="Third model",
        model4="Fourth model",
        benchmark="Only this benchmark",
    )
    @app_commands.autocomplete(
        model1=model_names,
        model2=model_names,
        model3=model_names,
        model4=model_names,
        benchmark=benchmark_names,
    )
    async def compare(
        self,
        interaction: discord.Interaction,
        model1: str,
        model2: str,
        model3: str | None = None,
        model4: str | None = None,
        benchmark: str | None = None,
    ) -> None:
        await self._answer(
            interaction,
            "compare",
            model1=model1,
            model2=model2,
            model3=model3,
            model4=model4,
            benchmark=benchmark,
        )

    @app_commands.command(name="leaderboard", description=COMMANDS["leaderboard"].description)
    @app_commands.describe(
        benchmark="Benchmark name",
        openness="Only this openness class (open, api_only, open_permissive ...)",
        limit="How many rows (1-25, default 10)",
        setting="Evaluation setting (pass@1, cons@64, 5-shot ...)",
        sort="score (best first, the default) or price (cheapest first)",
        min_score="Only models scoring at least this",
        max_price="Only models at most this blended $ per 1M tokens (3 in : 1 out)",
        fits="Only models whose weights fit: a GPU (RTX 4090) or memory (24GB)",
    )
    @app_commands.autocomplete(benchmark=benchmark_names)
    @app_commands.choices(sort=[app_commands.Choice(name=n, value=n) for n in ("score", "price")])
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        benchmark: str,
        openness: str | None = None,
        limit: app_commands.Range[int, 1, 25] | None = None,
        setting: str | None = None,
        sort: str | None = None,
        min_score: float | None = None,
        max_price: float | None = None,
        fits: str | None = None,
    ) -> None:
        await self._answer(
            interaction,
            "leaderboard",
            benchmark=benchmark,
            openness=openness,
            limit=limit,
            setting=setting,
            sort=sort,
            min_score=min_score,
            max_price=max_price,
            fits=fits,
        )

    @app_commands.command(name="price", description=COMMANDS["price"].description)
    @app_commands.describe(model="Model name (typos are fine)")
    @app_commands.autocomplete(model=model_names)
    async def price(self, interaction: discord.Interaction, model: str) -> None:
        await self._answer(interaction, "price", model=model)

    @app_commands.command(name="search", description=COMMANDS["search"].description)
    @app_commands.describe(text="What to look for")
    async def search(self, interaction: discord.Interaction, text: str) -> None:
        await self._answer(interaction, "search", text=text)

    @app_commands.command(name="about", description=COMMANDS["about"].description)
    async def about(self, interaction: discord.Interaction) -> None:
        # The guild ("" in a DM) tells /about which shard serves where it was asked.
        await self._answer(interaction, "about", guild_id=str(interaction.guild_id or ""))

    @app_commands.command(name="fit", description=COMMANDS["fit"].description)
    @app_commands.describe(
        model="Model name (typos are fine)",
        gpu="A GPU (RTX 4090, H100, Mac 64GB) or memory like 24GB",
        context="Context in tokens, like 8192 or 32k (default 8192)",
        quantization="Only this one: FP16, FP8, Q8_0, Q6_K, Q5_K_M, Q4_K_M",
    )
    @app_commands.autocomplete(model=model_names)
    async def fit(
        self,
        interaction: discord.Interaction,
        model: str,
        gpu: str | None = None,
        context: str | None = None,
        quantization: str | None = None,
    ) -> None:
        await self._answer(
            interaction, "fit", model=model, gpu=gpu, context=context, quantization=quantization
        )
