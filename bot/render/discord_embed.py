"""Cards to discord.py embeds. The only module of the rendering layer that imports discord."""

from __future__ import annotations

import discord

from bot.core.urls import checked_url
from bot.render.cards import Card

# Every message the bot sends uses this: no @everyone, no roles, no users, no reply pings.
NO_MENTIONS = discord.AllowedMentions.none()


def card_to_embed(card: Card) -> discord.Embed:
    embed = discord.Embed(
        title=card.title,
        description=card.description or None,
        url=checked_url(card.url),  # also a card stored before links were checked
        color=card.color,
    )
    for field in card.fields:
        embed.add_field(name=field.name, value=field.value, inline=field.inline)
    if card.footer:
        embed.set_footer(text=card.footer)
    return embed
