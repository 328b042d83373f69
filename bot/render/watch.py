"""Cards of the /watch and /feeds commands, from the watch service's typed records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.delivery import Delivery
from bot.render.cards import CardBuilder, Mention, Reply, clip
from bot.render.safe import safe_text
from bot.watch.filters import Filters
from bot.watch.records import FeedStatus, Subscription


def target_label(channel_id: str | int, target: Delivery | None) -> str:
    """Where posts go, as `/watch list` and `/digest list` show it: the channel, and what
    kind of target it is (a thread, a forum and its tag mapping, an announcement channel)."""
    where = f"<#{channel_id}>"
    if target is None or target.kind == "text":
        extra = []
    elif target.kind == "thread":
        extra = ["thread"]
    elif target.kind == "forum":
        mapping = ", ".join(
            f"{safe_text(k)}→{safe_text(v)}" for k, v in sorted(target.tag_map.items())
        )
        extra = [f"forum, a post each, tags: {mapping or 'by matching names'}"]
    else:
        extra = ["announcement" + (", published" if target.publish else "")]
    if target is not None and target.thread_per_alert:
        extra.append("a thread each")
    return where + (f" ({'; '.join(extra)})" if extra else "")


def subscription_added(
    sub_id: int,
    channel_id: int,
    filters: Filters,
    queued: int,
    role_id: int | None,
    target: Delivery | None = None,
) -> Reply:
    """`/watch add`: what the new subscription posts, where and how, and whom it pings."""
    card = CardBuilder("Release alerts on")
    card.line(
        f"Subscription **{sub_id}**: {target_label(channel_id, target)} gets {filters.describe()}."
    )
    card.line(
        f"The last {queued} matching entries are on their way."
        if queued
        else "Only entries newer than now will be posted."
    )
    if role_id is not None:
        card.line("Each alert pings ", Mention("role", role_id), ".")
    return card.build(ephemeral=True)


def subscription_list(
    subscriptions: Sequence[Subscription], targets: Mapping[str, Delivery] | None = None
) -> Reply:
    """`/watch list`: one line per subscription, its target, filters and state."""
    targets = targets or {}
    card = CardBuilder("Release alert subscriptions")
    if not subscriptions:
        card.line("None yet. Add one with `/watch add`.")
    for sub in subscriptions:
        state = f"⏸ paused: {sub.pause_reason}" if sub.paused else "active"
        where = target_label(sub.channel_id, targets.get(sub.channel_id))
        line = f"**{sub.id}** · {where} · {sub.filters.describe()} · {state}"
        if sub.role_id:
            card.line(line, " · pings ", Mention("role", int(sub.role_id)))
        else:
            card.line(line)
    return card.build(ephemeral=True)


def subscription_choice(sub: Subscription) -> str:
    """A subscription as an autocomplete choice's label."""
    return clip(f"{sub.id} · #{sub.channel_id} · {sub.filters.describe()}", 100)


def feed_status(sources: Sequence[FeedStatus]) -> Reply:
    """`/feeds status`: every source's health."""
    card = CardBuilder("Feed sources")
    for source in sources:
        card.line(
            f"**{safe_text(source.name)}** (`{source.key}`, {source.kind},"
            f" every {source.poll_minutes} min) — {_health(source)}"
        )
    return card.build(ephemeral=True)


def _health(source: FeedStatus) -> str:
    if source.paused:
        return (
            f"⏸ paused after {source.consecutive_failures} failures: {safe_text(source.last_error)}"
        )
    if source.consecutive_failures:
        return f"⚠ {source.consecutive_failures} failure(s): {safe_text(source.last_error)}"
    if source.last_success:
        return f"✅ ok, last success {source.last_success[:16].replace('T', ' ')} UTC"
    return "not polled yet"
