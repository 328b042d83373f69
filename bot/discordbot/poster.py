"""Posting outbox rows to Discord channels, mapping Discord's errors to the sender's."""

from __future__ import annotations

import aiohttp
import discord

from bot.render.cards import Reply
from bot.render.discord_embed import NO_MENTIONS, card_to_embed
from bot.watch.sender import ChannelUnavailable, RateLimited, TransientPostError

UNKNOWN_CHANNEL = 10003
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013


class DiscordPoster:
    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def post(
        self, channel_id: str, reply: Reply, *, nonce: str, role_id: str | None = None
    ) -> str:
        channel = self.client.get_partial_messageable(int(channel_id))
        content = None
        mentions = NO_MENTIONS
        if role_id:  # an admin chose this role explicitly: ping it and nothing else
            content = f"<@&{role_id}>"
            mentions = discord.AllowedMentions(
                everyone=False, users=False, roles=[discord.Object(int(role_id))]
            )
        embeds = [card_to_embed(card) for card in reply.pages[:1]]
        try:
            message = await channel.send(
                content=content, embeds=embeds, nonce=nonce, allowed_mentions=mentions
            )
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_CHANNEL:
                raise ChannelUnavailable("the channel no longer exists") from exc
            raise TransientPostError(f"Discord answered 404 ({exc.code})") from exc
        except discord.Forbidden as exc:
            if exc.code in (MISSING_ACCESS, MISSING_PERMISSIONS):
                raise ChannelUnavailable(
                    "the bot may not post in that channel (missing permission)"
                ) from exc
            raise TransientPostError(f"Discord answered 403 ({exc.code})") from exc
        except discord.RateLimited as exc:  # a wait longer than the client would sleep
            raise RateLimited(exc.retry_after) from exc
        except discord.HTTPException as exc:
            if exc.status == 429:  # still limited after the client's own retries
                raise RateLimited(_retry_after(exc.response)) from exc
            raise TransientPostError(f"Discord answered {exc.status}") from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransientPostError(f"network: {type(exc).__name__}") from exc
        return str(message.id)


def _retry_after(response: aiohttp.ClientResponse) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0
