"""The stand-in's faults and limits: planned failures, lost answers, network latency, the global
rate limit, per-route buckets and the invalid-request count.

Discord's figures, from its documentation (docs.discord.com/developers/topics/rate-limits) and
its developer support article "My Bot is Being Rate Limited" (support-dev.discord.com, 6223003921559):
- "All bots can make up to 50 requests per second to our API", independent of any per-route
  limit; a 429 for it carries `Retry-After`, `X-RateLimit-Global: true` and
  `X-RateLimit-Scope: global` and none of the bucket headers, with `"global": true` and
  `retry_after` (seconds, a float) in the body (the docs' "Example Exceeded Global Rate Limit
  Response"). Interaction endpoints are not bound to the global limit.
- Per-route buckets (`X-RateLimit-Limit`, `-Remaining`, `-Reset`, `-Reset-After`, `-Bucket` on
  every answer) are counted per top-level resource: a channel's messages have their own bucket,
  5 per 5 s for a bot (`DISCORD_MESSAGE_BUCKET`; observed as "Limit: 5 ... Route:
  /channels/:id/messages" with ~4.5 s timeouts, github.com/alexemanuelol/rustplusplus/issues/475).
- 10,000 invalid requests (401, 403, 429 other than scope `shared`) in 10 minutes ban the IP.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.standin.common import (
    ATTACHMENT_SIZE_LIMIT,
    INTERACTION_WINDOW,
    MESSAGE_ROUTE,
    NONCE_WINDOW,
    TEST_MESSAGE_BUCKET,
    TOKEN_LIFETIME,
    json_response,
)

# (regex over 'METHOD /path', limit, seconds): the first match sets a route's bucket.
# A channel's messages: Discord allows 5 per 5 s (DISCORD_MESSAGE_BUCKET); the suite
# runs with 5 per 1 s, which keeps its fan-outs quick. Insert Discord's at 0 to test it.
BUCKET_LIMITS: tuple[tuple[str, int, float], ...] = (
    (MESSAGE_ROUTE, *TEST_MESSAGE_BUCKET),
    (r".*", 50, 1.0),
)


@dataclass
class Fault:
    """A planned failure for requests whose 'METHOD path' matches `pattern`."""

    pattern: re.Pattern[str]
    status: int
    times: int
    body: dict[str, Any]
    headers: dict[str, str]


class FaultsMixin:
    """StandIn's fault injection and rate limits (state is set in StandIn.__init__)."""

    # Seconds each REST request takes on the network, there and back (half each way): the
    # request reaches Discord (is recorded, counted and rate limited) `latency / 2` after it was
    # sent and its answer arrives `latency / 2` later. 0: the stand-in answers at once.
    latency: float = 0.0

    # ---- faults ---------------------------------------------------------------------------

    def fail(
        self,
        route: str,
        status: int,
        *,
        times: int = 1,
        code: int = 0,
        message: str = "",
        retry_after: float | None = None,
        scope: str = "user",
    ) -> None:
        """Make the next `times` requests matching the regex `route` ('POST /channels/.*') fail.
        A 429's `scope` is "user" (a route's bucket), "shared" or "global" (Discord's answer
        to the global limit: `"global": true`, `X-RateLimit-Global`, no bucket headers)."""
        body: dict[str, Any] = {"message": message or f"stand-in fault {status}", "code": code}
        headers: dict[str, str] = {}
        if status == 429:
            retry = 0.05 if retry_after is None else retry_after
            if scope == "global":
                body, headers = global_limit_answer(retry)
            else:
                body |= {"retry_after": retry, "global": False}
                headers = {
                    "Retry-After": str(retry),
                    "Via": "1.1 google",
                    "X-RateLimit-Scope": scope,
                }
        self.faults.append(Fault(re.compile(route), status, times, body, headers))

    def limit_rate(self, per_second: float = 50.0) -> None:
        """Enforce a global requests-per-second limit (Discord's default global limit is 50/s)."""
        self.rate_limit = per_second
        self._window.clear()

    def lose_answers(self, route: str, *, times: int = 1) -> None:
        """Carry out the next `times` requests matching `route`, then drop the connection
        instead of answering (a network fault after Discord acted: the outcome is unknown)."""
        self.lost_answers.append(Fault(re.compile(route), 0, times, {}, {}))

    def disarm(self) -> None:
        """Undo every fault and knob a test may have left set: planned failures, lost answers,
        the global limit, buckets (and tightened bucket limits), closed and deleted channels,
        shortened windows and the `on_message` and `on_edit` hooks, the attachment size limit. The invalid-request count is kept: the
        budget is the whole session's."""
        self.faults.clear()
        self.lost_answers.clear()
        self.rate_limit = None
        self._window.clear()
        self.bucket_limits = list(BUCKET_LIMITS)
        self.buckets.clear()
        self.deleted_channels.clear()
        self.forbidden_channels.clear()
        self.nonce_window = NONCE_WINDOW
        self.interaction_window = INTERACTION_WINDOW
        self.token_lifetime = TOKEN_LIFETIME
        self.on_message = None
        self.on_edit = None
        self.blocked_dms.clear()
        self.attachment_size_limit = ATTACHMENT_SIZE_LIMIT

    def _planned_fault(self, key: str, faults: list[Fault] | None = None) -> web.Response | None:
        for fault in self.faults if faults is None else faults:
            if fault.times > 0 and fault.pattern.fullmatch(key):
                fault.times -= 1
                return json_response(fault.body, fault.status, fault.headers)
        return None

    def _rate_limited(self, key: str) -> web.Response | None:
        """Discord's global limit over a sliding second; interaction callbacks and followups
        (`/interactions/...`, `/webhooks/{app}/{token}...`) are not bound by it."""
        if self.rate_limit is None or UNLIMITED_ROUTES.match(key):
            return None
        now = time.monotonic()
        self._window = [t for t in self._window if now - t < 1.0]
        if len(self._window) >= self.rate_limit:
            retry = max(0.001, 1.0 - (now - self._window[0]))
            body, headers = global_limit_answer(retry)
            return json_response(body, 429, headers)
        self._window.append(now)
        return None

    async def _travel(self) -> None:
        """One way of the network's round trip (`latency`)."""
        if self.latency > 0:
            await asyncio.sleep(self.latency / 2)

    # ---- strict rules: per-route rate-limit buckets ------------------------------------------

    def _bucket_for(self, method: str, path: str) -> Bucket:
        route = f"{method} {ROUTE_IDS.sub('/{}', path)}"
        major = MAJOR_PARAMETER.match(path)
        key = (route, major.group(0) if major else "")
        bucket = self.buckets.get(key)
        if bucket is None:
            limit, per = next(
                (lim, sec)
                for pattern, lim, sec in self.bucket_limits
                if re.fullmatch(pattern, f"{method} {path}")
            )
            digest = hashlib.sha1(route.encode()).hexdigest()[:16]
            bucket = self.buckets[key] = Bucket(digest, limit, per, limit, 0.0)
        bucket.refresh(time.monotonic())
        return bucket

    def exhaust_bucket(self, method: str, path: str, reset_after: float) -> Bucket:
        """Use up the bucket of `METHOD path` (e.g. a channel's messages) for `reset_after` s."""
        bucket = self._bucket_for(method, path)
        bucket.remaining = 0
        bucket.reset_at = time.monotonic() + reset_after
        return bucket

    def _bucket_exhausted(self, bucket: Bucket) -> web.Response | None:
        now = time.monotonic()
        if bucket.remaining > 0:
            bucket.remaining -= 1
            if bucket.reset_at <= now:
                bucket.reset_at = now + bucket.per
            return None
        retry = max(0.001, bucket.reset_at - now)
        body = {"message": "You are being rate limited.", "retry_after": retry, "global": False}
        headers = {"Via": "1.1 google", "X-RateLimit-Scope": "user", "Retry-After": f"{retry:.3f}"}
        return json_response(body, 429, headers)

    def _stamp_bucket(self, response: web.Response, bucket: Bucket) -> None:
        """Every REST answer carries its bucket's X-RateLimit-* headers, as Discord's do."""
        if response.headers.get("X-RateLimit-Global") == "true":
            return  # Discord's global 429 carries no bucket headers
        reset_after = max(0.0, bucket.reset_at - time.monotonic()) if bucket.reset_at else 0.0
        if not reset_after:
            reset_after = bucket.per
        response.headers.update(
            {
                "X-RateLimit-Limit": str(bucket.limit),
                "X-RateLimit-Remaining": str(bucket.remaining),
                "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                "X-RateLimit-Reset-After": f"{reset_after:.3f}",
                "X-RateLimit-Bucket": bucket.hash,
            }
        )
        if response.status == 429:
            response.headers.setdefault("X-RateLimit-Global", "false")
            response.headers.setdefault("X-RateLimit-Scope", "user")
            response.headers.setdefault("Via", "1.1 google")

    # ---- strict rules: invalid requests (401, 403, 429) ----------------------------------------

    def _count_invalid(self, response: web.Response) -> None:
        shared = response.headers.get("X-RateLimit-Scope") == "shared"
        if response.status in (401, 403) or (response.status == 429 and not shared):
            self._invalid_at.append(time.monotonic())

    @property
    def invalid_requests(self) -> int:
        """401, 403 and 429 answers in the last `invalid_request_window` seconds (Discord bans
        an IP at 10,000 in 10 minutes)."""
        cutoff = time.monotonic() - self.invalid_request_window
        while self._invalid_at and self._invalid_at[0] < cutoff:
            self._invalid_at.popleft()
        return len(self._invalid_at)


def global_limit_answer(retry: float) -> tuple[dict[str, Any], dict[str, str]]:
    """The body and headers of Discord's 429 for the global limit (its documented example:
    `Retry-After` in whole seconds, rounded up; `retry_after` exact)."""
    body = {"message": "You are being rate limited.", "retry_after": retry, "global": True}
    headers = {
        "Retry-After": str(max(1, math.ceil(retry))),
        "X-RateLimit-Global": "true",
        "X-RateLimit-Scope": "global",
        "Via": "1.1 google",
    }
    return body, headers


UNLIMITED_ROUTES = re.compile(r"\w+ /(?:interactions/|webhooks/\d+/tok-)")
ROUTE_IDS = re.compile(r"/(?:\d+|tok-[^/]+)(?=/|$)")
MAJOR_PARAMETER = re.compile(r"/(?:channels|guilds)/\d+|/(?:webhooks|interactions)/\d+/[^/]+")


@dataclass
class Bucket:
    """One rate-limit bucket: `limit` requests per `per` seconds."""

    hash: str
    limit: int
    per: float
    remaining: int
    reset_at: float

    def refresh(self, now: float) -> None:
        if self.reset_at and now >= self.reset_at:
            self.remaining = self.limit
            self.reset_at = 0.0
