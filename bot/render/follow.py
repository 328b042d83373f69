"""Personal watchlists as replies: the DM of a batch of changes (with an Unfollow button per
follow), /following, and the answers of /follow and /unfollow. Names and titles come from the
catalog and feeds: untrusted, escaped where they enter."""

from __future__ import annotations

from typing import Any

from bot.follow.records import Followed, Watchlist
from bot.render import limits
from bot.render.cards import Action, Card, Reply, clip
from bot.render.fit import fit_lines
from bot.render.safe import link, safe_text

UNFOLLOW_PREFIX = "rr-unfollow"
MAX_BUTTONS = 25  # five rows of five
BUTTON_LABEL = 80
WHAT_LABELS = {
    "license": "📜 license",
    "price": "💲 price",
    "scores": "📊 scores",
    "releases": "🚀",
}
RESUME_HINT = (
    "If your DMs are still closed they pause again: allow DMs from the bot (Privacy"
    " Settings of a server you share with it), then run /following or /follow to resume."
)


def unfollow_custom_id(follow_id: int, user_id: str) -> str:
    """The Unfollow button of one follow, for one user: it works after a restart (the id
    holds all it needs) and only for that user."""
    return f"{UNFOLLOW_PREFIX}:{int(follow_id)}:{int(user_id)}"


def render_follow_dm(payload: dict[str, Any]) -> Reply | None:
    """One DM listing a batch of changes; None (nothing to send) for an empty batch."""
    changes = payload.get("changes") or []
    if not changes:
        return None
    lines = [_change_line(c) for c in changes]
    count = len(changes)
    card = Card(
        f"Your watchlist: {count} change{'s' if count != 1 else ''}",
        fit_lines(lines, limits.EMBED_DESCRIPTION - 200),
        footer="You follow these with /follow · /following lists them · /unfollow all stops all",
    )
    user_id = str(payload.get("user_id") or "0")
    actions = tuple(
        Action(clip(f"Unfollow {name}", BUTTON_LABEL), unfollow_custom_id(int(fid), user_id))
        for fid, name in (payload.get("follows") or [])[:MAX_BUTTONS]
    )
    return Reply([card], actions=actions)


def _change_line(change: dict[str, Any]) -> str:
    what = WHAT_LABELS.get(change.get("what", ""), "")
    title = clip(str(change.get("title") or ""), 300)
    return f"• **{safe_text(change.get('target'))}** {what} · {link(title, change.get('link'))}"


def render_watchlist(view: Watchlist) -> Reply:
    """/following: the user's follows, numbered, and why DMs are paused if they are."""
    lines = [
        f"{i}. {f.kind} **{safe_text(f.target_name)}** · {', '.join(f.what)}"
        for i, f in enumerate(view.follows, 1)
    ]
    head = f"{len(view.follows)} of {view.limit} follows."
    if not view.follows:
        head = "You follow nothing yet: `/follow kind:model target:<name>`."
    notes = []
    if view.user is not None and view.user.paused:
        why = safe_text(view.user.pause_reason or "your DMs failed")
        notes.append(f"⏸️ Your watchlist DMs were paused: {why}.")
        notes.append(f"▶️ Resumed now. {RESUME_HINT}" if view.resumed else RESUME_HINT)
    if view.waiting:
        notes.append(f"{view.waiting} change(s) wait for your next DM (at most one an hour).")
    text = "\n".join([head, *notes, "", fit_lines(lines, 3000) if lines else ""]).strip()
    return Reply([Card("Your watchlist", clip(text, limits.EMBED_DESCRIPTION))], ephemeral=True)


def render_followed(done: Followed) -> Reply:
    verb = "Following" if done.new else "Now following"
    text = f"{verb} {done.kind} **{safe_text(done.target)}**: {', '.join(done.what)}."
    text += " Changes come by DM, at most one DM an hour."
    if done.resumed:
        text += "\nYour paused watchlist DMs are resumed."
    return Reply([Card("Watchlist", text)], ephemeral=True)


def render_unfollowed(what: str) -> Reply:
    return Reply([Card("Watchlist", f"Removed {safe_text(what)}.")], ephemeral=True)
