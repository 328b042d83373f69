"""Personal watchlists through the stand-in: /follow, /following, /unfollow, the DMs a change
brings (batched, at most one an hour), DMs closed to the bot (50007), the Unfollow button, and
commands run where the user installed the app (a DM with the bot, a server it is not in)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from bot.config import FollowConfig
from tests.standin import DiscordUser
from tests.standin.users import CommandHidden

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Global sync (user-installable commands are global); no background round during a test.
HARNESS_CONFIG = {"dev_guild_ids": (), "follow": FollowConfig(max_per_user=3, tick_seconds=3600)}
MODEL = "GPT-4o"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest_asyncio.fixture(loop_scope="module")
async def watch(harness):
    """The harness with nobody following anything, everything seen so far already collected,
    and the watchlists on a clock the test moves."""
    services = harness.services
    for user in (harness.member, harness.admin, harness.owner):
        await services.follow.unfollow(user.id, "all")
    clock = Clock()
    services.follow.clock = clock
    await services.follow.collect()
    harness.clock = clock
    yield harness
    services.follow.clock = services.watch.clock


async def deliver(harness) -> None:
    """One watchlist round, and the outbox drained."""
    await harness.services.follow.round()
    await harness.services.outbox.drain()


def dms(harness, user) -> list[dict]:
    return harness.standin.dms_of(user.id)


def dm_text(message: dict) -> str:
    embed = message["embeds"][0]
    return f"{embed['title']}\n{embed.get('description', '')}"


async def license_edit(harness, model: str, license: str) -> None:
    saved = await harness.owner.slash(
        "admin license set", model=model, license=license, source="vendor terms page"
    )
    assert "Saved" in saved.text(), saved.text()


async def release(harness, title: str, model: str, kind: str = "announcement") -> None:
    """A curated entry about `model`, of its own link (an entry's identity includes it); not a
    'release' by default: two releases of one model within days are one story."""
    slug = "-".join(title.lower().split())
    added = await harness.owner.slash(
        "admin release add",
        title=title,
        models=model,
        link=f"https://example.org/{slug}",
        type=kind,
    )
    assert "Release added" in added.text(), added.text()


async def test_a_curator_license_edit_reaches_a_follower_by_dm(watch) -> None:
    followed = await watch.member.slash("follow", kind="model", target="gpt 4o")  # fuzzy
    assert followed.ephemeral and MODEL in followed.text(), followed.text()
    await license_edit(watch, MODEL, "MIT")
    await deliver(watch)
    [message] = dms(watch, watch.member)
    text = dm_text(message)
    assert "1 change" in text and MODEL in text and "license" in text
    assert "license claim 'MIT'" in text  # the curator's change as the audit log has it
    assert [b["label"] for b in message["components"][0]["components"]] == [f"Unfollow {MODEL}"]
    assert dms(watch, watch.admin) == []  # nobody else hears of it


async def test_a_release_entry_of_a_followed_org_reaches_its_follower(watch) -> None:
    org = watch.services.lookups.models.exact(MODEL).org  # the catalog's organisation of it
    assert org
    await watch.member.slash("follow", kind="org", target=org, what="releases")
    await license_edit(watch, MODEL, "Apache-2.0")  # not followed: only releases
    await release(watch, "A model ships today", MODEL, "release")
    await deliver(watch)
    [message] = dms(watch, watch.member)
    assert "A model ships today" in dm_text(message)
    assert "license" not in dm_text(message).split("\n", 1)[1]


async def test_changes_within_the_hour_come_in_one_dm(watch) -> None:
    await watch.member.slash("follow", kind="model", target=MODEL)
    await release(watch, "First news", MODEL)
    await deliver(watch)
    assert len(dms(watch, watch.member)) == 1
    await release(watch, "Second news", MODEL)
    await license_edit(watch, MODEL, "MIT")
    watch.clock.now += timedelta(minutes=59)
    await deliver(watch)
    assert len(dms(watch, watch.member)) == 1  # the hour since the last DM is not over
    waiting = await watch.member.slash("following")
    assert "2 change(s) wait" in waiting.text(), waiting.text()
    watch.clock.now += timedelta(minutes=2)
    await deliver(watch)
    first, second = dms(watch, watch.member)
    assert "First news" in dm_text(first) and "Second news" not in dm_text(first)
    assert "2 changes" in dm_text(second) and "Second news" in dm_text(second)


async def test_closed_dms_pause_the_follows_until_the_user_looks(watch) -> None:
    standin = watch.standin
    standin.blocked_dms.add(watch.member.id)
    await watch.member.slash("follow", kind="model", target=MODEL)
    await release(watch, "News while DMs are closed", MODEL)
    await deliver(watch)
    assert dms(watch, watch.member) == []
    user = await watch.services.follow.store.user(watch.member.id)
    assert user.paused and "50007" in user.pause_reason
    posts = [r for r in standin.requests if r.method == "POST" and "/messages" in r.path]
    await release(watch, "More news", MODEL)
    watch.clock.now += timedelta(hours=2)
    for _ in range(3):
        await deliver(watch)  # paused: no more tries
    again = [r for r in standin.requests if r.method == "POST" and "/messages" in r.path]
    assert len(again) == len(posts)
    standin.blocked_dms.clear()  # the user opens their DMs and looks at their list
    shown = await watch.member.slash("following")
    assert shown.ephemeral
    assert "paused" in shown.text() and "does not accept DMs" in shown.text()
    assert "Resumed now" in shown.text()
    await deliver(watch)  # the held DM; what came later waits its hour
    texts = [dm_text(m) for m in dms(watch, watch.member)]
    assert len(texts) == 1 and "News while DMs are closed" in texts[0]
    assert not (await watch.services.follow.store.user(watch.member.id)).paused
    watch.clock.now += timedelta(minutes=61)
    await deliver(watch)
    later = [dm_text(m) for m in dms(watch, watch.member)][1:]
    assert len(later) == 1 and "More news" in later[0]


async def test_the_unfollow_button_works_for_its_user_only(watch) -> None:
    await watch.member.slash("follow", kind="model", target=MODEL)
    await release(watch, "Button news", MODEL)
    await deliver(watch)
    [message] = dms(watch, watch.member)
    other = await DiscordUser(watch.standin, "admin", where="dm").click_on(
        message, f"Unfollow {MODEL}"
    )
    assert other.ephemeral and "someone else's" in other.text()
    assert await watch.services.follow.names(watch.member.id) == [MODEL]
    mine = DiscordUser(watch.standin, "member", where="dm")
    done = await mine.click_on(message, f"Unfollow {MODEL}")
    assert "Removed model" in done.text() and MODEL in done.text(), done.text()
    assert await watch.services.follow.names(watch.member.id) == []
    twice = await mine.click_on(message, f"Unfollow {MODEL}")
    assert "no longer follow" in twice.text()


async def test_commands_work_in_a_dm_and_where_the_bot_is_not(watch) -> None:
    for where in ("dm", "foreign"):
        user = DiscordUser(watch.standin, "member", where=where)
        looked = await user.slash("model", name=MODEL)
        assert not looked.failed and MODEL in looked.text(), (where, looked.text())
        followed = await user.slash("follow", kind="model", target=MODEL)
        assert followed.ephemeral and "Following" in followed.text(), followed.text()
        listed = await user.slash("following")
        assert listed.ephemeral and MODEL in listed.text()
        await user.slash("unfollow", target="all")
        with pytest.raises(CommandHidden):
            await user.slash("watch list")
        refused = await user.slash("watch list", force=True)  # a crafted call
        assert refused.ephemeral and "works only in a server" in refused.text()
    standin = watch.standin
    for name in ("model", "follow", "following", "unfollow"):
        command = standin.global_command(name)
        assert (command["integration_types"], command["contexts"]) == ([0, 1], [0, 1, 2])
    for name in ("watch", "digest", "admin"):
        command = standin.global_command(name)
        assert (command["integration_types"], command["contexts"]) == ([0], [0])


async def test_bad_follows_are_refused_and_nothing_is_kept(watch) -> None:
    member = watch.member
    cases = [
        ({"kind": "model", "target": "zzqxv unknown thing"}, "No model matches"),
        ({"kind": "model", "target": MODEL, "what": "license,gossip"}, "'gossip' is not one of"),
        ({"kind": "license", "target": "Apache-2.1-ish"}, "Did you mean"),
        ({"kind": "model", "target": "   "}, "Please give a model name"),
    ]
    for options, expected in cases:
        refused = await member.slash("follow", **options)
        assert refused.ephemeral and expected in refused.text(), (options, refused.text())
    assert await watch.services.follow.names(member.id) == []
    missing = await member.slash("unfollow", target="Nothing I follow")
    assert "You do not follow" in missing.text()


async def test_the_follow_limit(watch) -> None:
    names = [e.name for e in watch.services.lookups.models.entries[:4]]
    for name in names[:3]:
        ok = await watch.member.slash("follow", kind="model", target=name)
        assert "Following" in ok.text(), ok.text()
    over = await watch.member.slash("follow", kind="model", target=names[3])
    assert "the limit" in over.text()
    assert len(await watch.services.follow.names(watch.member.id)) == 3
    again = await watch.member.slash("follow", kind="model", target=names[0], what="price")
    assert "Now following" in again.text()  # changing a follow is not a new one


async def test_a_list_is_private_and_unfollow_all_deletes_it(watch) -> None:
    services = watch.services
    await watch.member.slash("follow", kind="model", target=MODEL)
    await release(watch, "Private news", MODEL)
    watch.standin.blocked_dms.add(watch.member.id)
    await deliver(watch)  # the DM is held, paused
    other = await watch.admin.slash("following")
    assert other.ephemeral and MODEL not in other.text()
    gone = await watch.member.slash("unfollow", target="all")
    assert gone.ephemeral and "all 1 follows" in gone.text()
    assert await services.follow.store.user(watch.member.id) is None
    assert await services.follow.store.pending_count(watch.member.id) == 0
    rows = await services.db.fetchall(
        "SELECT id FROM outbox WHERE channel_id = ?", (f"user:{watch.member.id}",)
    )
    assert rows == []


async def test_a_curator_score_reaches_a_benchmark_follower_and_a_license_one(watch) -> None:
    bench = watch.services.lookups.benchmarks.exact("MMLU")
    assert bench is not None
    await watch.member.slash("follow", kind="benchmark", target="mmlu")
    await watch.admin.slash("follow", kind="license", target="mit license")
    scored = await watch.owner.slash(
        "admin score add", model=MODEL, benchmark=bench.name, value=55.5, source="a paper"
    )
    assert "Saved" in scored.text(), scored.text()
    await license_edit(watch, MODEL, "MIT")
    await deliver(watch)
    [scores] = dms(watch, watch.member)
    assert "📊 scores" in dm_text(scores) and "55.5" in dm_text(scores)
    [licensed] = dms(watch, watch.admin)
    assert "MIT" in dm_text(licensed) and "📜 license" in dm_text(licensed)
