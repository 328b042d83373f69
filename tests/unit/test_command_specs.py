"""The slash commands and the offline CLI describe the same commands and options."""

from discord.ext import commands

from bot.commands import COMMANDS
from bot.discordbot.cogs.lookups import LookupCog


async def test_cog_commands_match_the_specs(services) -> None:
    bot = commands.Bot(command_prefix="!", intents=__import__("discord").Intents.none())
    await bot.add_cog(LookupCog(services))
    tree = {c.name: c for c in bot.tree.get_commands()}
    assert set(tree) == set(COMMANDS)
    for name, spec in COMMANDS.items():
        params = {p.name: p for p in tree[name].parameters}
        assert list(params) == [o.name for o in spec.options], name
        for option in spec.options:
            assert params[option.name].required == option.required, (name, option.name)
            assert params[option.name].autocomplete == bool(option.autocomplete)


def test_no_two_commands_share_a_name() -> None:
    names = [c.name for c in COMMANDS.values()]
    assert len(names) == len(set(names))
