"""Admin curation through the stand-in: modals, buttons, attachments, permissions, audit, undo."""

from __future__ import annotations

import pytest
import yaml

from bot.app import open_services
from bot.config import Config, WatchConfig
from bot.curation.export import export_catalog
from bot.store.catalog_export import CatalogExport
from tests.conftest import NO_FEEDS
from tests.e2e.conftest import confirmed
from tests.standin import CommandHidden
from tests.unit.test_render import MASKED_LINK

pytestmark = pytest.mark.asyncio(loop_scope="module")

FORM_DETAILS = "Parameters, context window, link"
FORM = {
    "Name": "Radar Test Model 7B",
    "Organisation": "Google",
    "Release date": "2026-11-01",
    "License": "Apache-2.0",
    FORM_DETAILS: "params: 7B\ncontext: 128K\nlink: https://example.org/radar-7b",
}


async def add_model(user, **changes) -> object:
    opened = await user.slash("admin model add")
    assert opened.type == 9, opened.text()
    return await user.submit_modal(opened, {**FORM, **changes})


async def ensure_model(harness, **changes) -> None:
    """The model FORM (with `changes`) is in the catalog: added now unless an earlier test of
    the module added it, so that each test also passes alone."""
    name = changes.get("Name", FORM["Name"])
    if harness.services.lookups.models.exact(name) is None:
        saved = await add_model(harness.owner, **changes)
        assert "Saved" in saved.text(), saved.text()


FUTURE_MODEL = {"Name": "Radar Future Model", "Release date": "expected 2027-03"}


async def test_members_do_not_see_admin_and_non_curators_are_refused(harness) -> None:
    with pytest.raises(CommandHidden):
        await harness.member.slash("admin history")
    forced = await harness.member.slash("admin history", force=True)
    assert forced.ephemeral and "curators" in forced.text()
    admin_not_curator = await harness.admin.slash("admin model add")
    assert admin_not_curator.type == 4 and "curators" in admin_not_curator.text()
    crafted = await harness.member.slash(
        "admin alias add", force=True, model="GPT-4o", alias="sneaky"
    )
    assert "curators" in crafted.text()
    assert harness.services.lookups.models.exact("sneaky") is None


async def test_model_add_through_the_modal(harness) -> None:
    # A name of its own: FORM's model may already be there (`ensure_model` in another test).
    saved = await add_model(harness.owner, Name="Radar Modal Model 7B")
    assert saved.ephemeral and "Change **" in saved.text(), saved.text()
    shown = await harness.member.slash("model", name="Radar Modal Model 7B")
    text = shown.text()
    assert "Google" in text and "7B" in text and "128K tokens" in text and "Apache-2.0" in text
    assert "Curator owner" in text and "2026-11-01" in text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"Release date": "2031-01-01"}, "in the future"),
        ({"Release date": "last spring"}, "is not a date"),
        ({"Parameters, context window, link": "params: -4B"}, "positive number"),
        ({"Parameters, context window, link": "params: 9e20"}, "implausibly large"),
        ({"Parameters, context window, link": "link: javascript:alert(1)"}, "http(s) link"),
        ({"Parameters, context window, link": "colour: blue"}, "not a detail"),
        ({"Name": "GPT 4o"}, "already in the catalog"),
        ({"Name": "x" * 2000}, "limit is 100"),
    ],
)
async def test_model_form_bad_input(harness, changes, message) -> None:
    before = await harness.services.catalog.counts()
    resp = await add_model(harness.owner, **{"Name": "Radar Bad Input Model", **changes})
    assert resp.ephemeral and message in resp.text(), resp.text()
    assert await harness.services.catalog.counts() == before


async def test_expected_models_may_have_future_dates(harness) -> None:
    # Not FUTURE_MODEL itself: the remove test may have added it (and undone its removal).
    resp = await add_model(harness.owner, **{**FUTURE_MODEL, "Name": "Radar Expected Model"})
    assert "Saved" in resp.text()
    shown = await harness.member.slash("model", name="Radar Expected Model")
    assert "expected" in shown.text() and "2027-03" in shown.text()


async def test_edit_opens_prefilled_and_adds_claims(harness) -> None:
    await ensure_model(harness)
    opened = await harness.owner.slash("admin model edit", name="radar test model 7b")
    inputs = {}
    for row in opened.modal["components"]:
        for item in row.get("components", [row.get("component")]):
            inputs[item.get("label") or row.get("label")] = item
    assert inputs["Name"]["value"] == "Radar Test Model 7B"
    assert inputs["Organisation"]["value"] == "Google"
    assert opened.modal["title"] == "Edit Radar Test Model 7B"
    done = await harness.owner.submit_modal(
        opened, {"Release date": "2026-10-30", "Parameters, context window, link": ""}
    )
    assert "Saved" in done.text(), done.text()
    shown = await harness.member.slash("model", name="Radar Test Model 7B")
    assert (
        "2026-10-30" in shown.text()
        and "2026-11-01" in shown.text()
        and "sources disagree" not in shown.text().split("Released")[0]
    )


async def test_aliases_scores_benchmarks_licenses(harness) -> None:
    await ensure_model(harness)
    owner = harness.owner
    assert (
        "Saved"
        in (await owner.slash("admin alias add", model="Radar Test Model 7B", alias="RTM7")).text()
    )
    assert (
        (await harness.member.slash("model", name="rtm7")).text().startswith("Radar Test Model 7B")
    )
    bench = await owner.slash(
        "admin benchmark add", name="Radar Bench", unit="%", higher_is_better=True
    )
    assert "Saved" in bench.text()
    ok = await owner.slash(
        "admin score add",
        model="RTM7",
        benchmark="Radar Bench",
        value=71.5,
        source="https://example.org/eval",
    )
    assert "Saved" in ok.text(), ok.text()
    for options, message in (
        ({"value": 171.5}, "not a percentage"),
        ({"value": 50.0, "unit": "ms"}, "measured in '%'"),
        ({"value": 50.0, "benchmark": "No Such Bench"}, "No benchmark"),
        ({"value": 50.0, "source": ""}, "where this comes from"),
    ):
        args = {"model": "RTM7", "benchmark": "Radar Bench", "source": "note", **options}
        resp = await owner.slash("admin score add", **args)
        assert resp.ephemeral and message in resp.text(), (options, resp.text())
    crafted = await owner.slash(
        "admin benchmark add", name="Furlong Bench", unit="furlongs", higher_is_better=True
    )
    assert "Unknown unit" in crafted.text()
    lic = await owner.slash(
        "admin license set", model="RTM7", license="api_only", source="Vendor FAQ says API only"
    )
    assert "Saved" in lic.text()
    shown = await harness.member.slash("license", query="RTM7")
    assert "sources disagree" in shown.text() and "Cited: Vendor FAQ" in shown.text()
    removed = await owner.slash("admin alias remove", model="Radar Test Model 7B", alias="RTM7")
    assert "Saved" in removed.text()
    assert harness.services.lookups.models.exact("RTM7") is None


async def test_remove_asks_first_and_undo_brings_it_back(harness) -> None:
    await ensure_model(harness, **FUTURE_MODEL)
    asked = await harness.owner.slash("admin model remove", name="Radar Future Model")
    assert [b["label"] for b in asked.buttons()] == ["Confirm", "Cancel"]
    intruder = await harness.admin.click(asked, "Confirm")
    assert "Only the curator who asked" in intruder.text()
    done = await confirmed(harness.owner, asked)
    assert "Removed" in done.message["embeds"][0]["title"]
    assert harness.services.lookups.models.exact("Radar Future Model") is None
    change_id = int(done.message["embeds"][0]["description"].split("**")[1])
    undone = await harness.owner.slash("admin undo", change_id=change_id)
    assert "undid change" in undone.text()
    shown = await harness.member.slash("model", name="Radar Future Model")
    assert "2027-03" in shown.text()
    again = await harness.owner.slash("admin undo", change_id=change_id)
    assert "already undone" in again.text()


async def test_rename_keeps_the_old_name_and_its_undo_restores_it(harness) -> None:
    """The rename and its undo run as store methods inside the change's unit of work."""
    await add_model(
        harness.owner, **{"Name": "Radar Rename Old", "Parameters, context window, link": ""}
    )
    opened = await harness.owner.slash("admin model edit", name="Radar Rename Old")
    done = await harness.owner.submit_modal(opened, {"Name": "Radar Rename New"})
    assert "renamed to Radar Rename New" in done.text(), done.text()
    models = harness.services.lookups.models
    assert models.exact("Radar Rename New") is not None
    assert models.exact("Radar Rename Old").name == "Radar Rename New"  # the old name finds it
    clash = await harness.owner.slash("admin model edit", name="Radar Rename New")
    refused = await harness.owner.submit_modal(clash, {"Name": "GPT-4o"})
    assert "already exists" in refused.text(), refused.text()
    undone = await harness.owner.slash("admin undo", change_id=int(done.text().split("**")[1]))
    assert "undid change" in undone.text(), undone.text()
    models = harness.services.lookups.models
    assert models.exact("Radar Rename Old").name == "Radar Rename Old"
    assert models.exact("Radar Rename New") is None


async def test_undo_refuses_when_later_changes_depend(harness) -> None:
    first = await add_model(
        harness.owner, **{"Name": "Radar Chain Model", "Parameters, context window, link": ""}
    )
    first_id = int(first.text().split("**")[1])
    await harness.owner.slash("admin alias add", model="Radar Chain Model", alias="RCM")
    refused = await harness.owner.slash("admin undo", change_id=first_id)
    assert "depend on change" in refused.text()
    assert harness.services.lookups.models.exact("RCM") is not None


async def test_history_shows_who_when_what(harness) -> None:
    await ensure_model(harness)
    scored = await harness.owner.slash(
        "admin score add",
        model=FORM["Name"],
        benchmark="MMLU",
        value=61.0,
        source="https://example.org/history",
    )
    assert "Saved" in scored.text(), scored.text()
    undone = await harness.owner.slash("admin undo", change_id=int(scored.text().split("**")[1]))
    assert "undid change" in undone.text(), undone.text()
    history = await harness.owner.slash("admin history")
    text = history.text()
    assert "owner" in text and "model add" in text and "undo" in text
    per_model = await harness.owner.slash("admin history", model="Radar Test Model 7B")
    assert "model add" in per_model.text() and "score add" in per_model.text()


async def test_release_add_reaches_a_subscribed_channel(harness) -> None:
    await ensure_model(harness)
    await harness.admin.slash("watch add", channel="releases", keywords="radar")
    before = len(harness.standin.messages[harness.standin.channel("releases")["id"]])
    resp = await harness.owner.slash(
        "admin release add",
        title="Radar Test Model 7B ships",
        models="Radar Test Model 7B",
        link="https://example.org/rtm",
    )
    assert "1 channel alert(s) queued" in resp.text(), resp.text()
    await harness.services.watch.drain()  # the cog drains right after answering; make sure
    posted = harness.standin.messages[harness.standin.channel("releases")["id"]][before:]
    assert len(posted) == 1 and posted[0]["embeds"][0]["title"] == "Radar Test Model 7B ships"
    assert "Apache-2.0" in str(posted[0]["embeds"][0]["fields"])
    bad = await harness.owner.slash("admin release add", title="Too early", date="2031-01-01")
    assert "in the future" in bad.text()
    store = harness.services.watch.store
    for row in await store.subscriptions():
        await harness.services.watch.unsubscribe(row.guild_id, row.id)


def yaml_file(text: str, name: str = "catalog.yaml") -> tuple[str, bytes]:
    return (name, text.encode())


async def test_import_shows_a_summary_and_applies_on_confirm(harness) -> None:
    doc = {
        "sources": [{"key": "radar-import", "name": "Radar import test", "kind": "article"}],
        "models": [
            {
                "name": "Radar Imported 1",
                "org": "Mistral AI",
                "facts": [{"field": "params", "value": "12B", "source": "radar-import"}],
            },
            {
                "name": "Gemma 4",
                "facts": [
                    {"field": "release_date", "value": "2026-04-09", "source": "radar-import"}
                ],
            },
        ],
    }
    resp = await harness.owner.slash("admin import", file=yaml_file(yaml.safe_dump(doc)))
    text = resp.text()
    assert (
        "Would add:" in text and "1 models" in text and "Conflicts" in text and "2026-04-02" in text
    )
    assert (
        harness.services.lookups.models.exact("Radar Imported 1") is None
    )  # not before confirming
    done = await confirmed(harness.owner, resp)
    assert "Imported" in done.message["embeds"][0]["title"]
    assert harness.services.lookups.models.exact("Radar Imported 1") is not None


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (("bomb.yaml", b'a: &a ["x","x"]\nb: [*a,*a,*a]\n'), "anchors or aliases"),
        (("broken.yaml", b"models: [unclosed\n"), "not valid YAML"),
        (
            (
                "bad.yaml",
                b"models: [{name: X, facts: [{field: params, value: -1, source: nope}]}]\n",
            ),
            "problem",
        ),
        (("wrong.csv", b"Name,Date\nx,y\n"), "no 'Model' column"),
        (("notes.txt", b"hello"), "Attach a .yaml"),
        (("latin1.yaml", "models: [{name: Café}]".encode("latin-1")), "not UTF-8"),
        (("huge.yaml", b"#" * (20 * 1024 * 1024)), "limit is 5 MB"),
        (("dup.yaml", b"models: [{name: X}]\nmodels: [{name: Y}]\n"), "duplicate key 'models'"),
        *[
            (
                (
                    "scores.yaml",
                    b"sources: [{key: s, name: S, kind: article}]\n"
                    b"benchmarks: [{name: Radar Pct, unit: '%'}]\n"
                    b"models: [{name: Radar Top, scores: [{benchmark: Radar Pct, value: "
                    + value
                    + b", source: s}]}]\n",
                ),
                "is not a percentage between 0 and 100",
            )
            for value in (b"1e300", b"250", b"-50")
        ],
    ],
)
async def test_bad_imports_change_nothing(harness, file, message) -> None:
    before = await harness.services.catalog.counts()
    resp = await harness.owner.slash("admin import", file=file)
    assert message in resp.text(), resp.text()
    assert not resp.buttons()
    assert await harness.services.catalog.counts() == before


async def test_import_plan_names_aliases_another_model_holds(harness) -> None:
    doc = {
        "sources": [{"key": "radar-alias", "name": "Radar alias test", "kind": "article"}],
        "models": [{"name": "Radar Alias Thief", "aliases": ["Gemma 4", "radar thief"]}],
    }
    resp = await harness.owner.slash("admin import", file=yaml_file(yaml.safe_dump(doc)))
    assert "alias 'Gemma 4' not added: it already means Gemma 4" in resp.text(), resp.text()
    assert harness.services.lookups.models.exact("Radar Alias Thief") is None


async def test_export_round_trips(harness, tmp_path) -> None:
    await ensure_model(harness)
    resp = await harness.owner.slash("admin export", scope="curated")
    files = [f for m in resp.messages for f in m.get("_files", [])]
    assert len(files) == 1 and files[0]["filename"].endswith(".yaml")
    exported = files[0]["data"].decode()
    doc = yaml.safe_load(exported)
    assert any(m["name"] == "Radar Test Model 7B" for m in doc["models"])
    # Into an empty store and out again: the same document.
    config = Config(database=tmp_path / "fresh.db", watch=WatchConfig(feeds_file=NO_FEEDS))
    async with open_services(config, load_bundled=False) as fresh:
        imported = await harness.owner.slash("admin import", file=("round.yaml", exported.encode()))
        assert "nothing new" in imported.text()  # the original store already has all of it
        from bot.importers.catalog_yaml import load_yaml_text, parse_catalog

        await fresh.catalog.apply(parse_catalog(load_yaml_text(exported, "round.yaml")))
        again = await export_catalog(CatalogExport(fresh.db), curated_only=True)
    assert again == exported


async def test_epoch_csv_import_lists_rejected_rows_and_applies_the_rest(harness) -> None:
    csv = (
        "Model,Organization,Publication date,Parameters,Model accessibility,Brand new column\n"
        "Radar CSV Model,Mistral AI,2026-06-01,12000000000.0,Open weights (unrestricted),x\n"
        "Radar CSV Broken,Mistral AI,2026-13-45,-5,API access,y\n"
        ",Nobody,2026-01-01,,,\n"
    )
    resp = await harness.owner.slash("admin import", file=("snapshot.csv", csv.encode()))
    text = resp.text()
    assert "Rejected rows" in text and "not a date" in text and "no model name" in text
    done = await confirmed(harness.owner, resp)
    assert "Imported" in done.message["embeds"][0]["title"]
    shown = await harness.member.slash("model", name="Radar CSV Model")
    assert "12B" in shown.text() and "Epoch AI" in shown.text()


EVIL = "[Free Nitro](https://evil.example/)"
EVIL_SHOWN = "\\[Free Nitro\\](https://evil.example/)"  # as written, not a link


def inert(resp) -> str:
    """The answer's text, asserted to show EVIL as written and no masked link."""
    text = resp.text()
    assert not MASKED_LINK.search(text), text
    assert EVIL_SHOWN in text, text
    return text


async def test_curator_input_is_echoed_inert(harness) -> None:
    owner = harness.owner
    changes = []
    for command, options in (
        ("admin alias add", {"model": "GPT-4o", "alias": EVIL}),
        ("admin license set", {"model": "GPT-4o", "license": EVIL, "source": "a note"}),
        ("admin benchmark add", {"name": EVIL, "unit": "%", "higher_is_better": True}),
    ):
        saved = await owner.slash(command, **options)
        # The bot's own bold and `command` stay markdown; the curator's text does not.
        assert inert(saved).startswith("Saved\nChange **"), saved.text()
        assert "`/admin undo change_id:" in saved.text()
        changes.append(int(saved.text().split("**")[1]))
    model = await add_model(owner, Name=EVIL + " 9B")
    assert "Change **" in inert(model)
    changes.append(int(model.text().split("**")[1]))
    inert(await owner.slash("admin history"))
    inert(await owner.slash("admin history", model=EVIL))
    for command, options in (  # refusals quote the input too
        ("admin alias remove", {"model": "GPT-4o", "alias": "[x](https://evil.example/) > # hi"}),
        ("admin alias add", {"model": EVIL + "x", "alias": "other"}),
        (
            "admin score add",
            {
                "model": "GPT-4o",
                "benchmark": "MMLU",
                "value": 1.0,
                "source": EVIL.replace("[", "https://x.example/["),
            },
        ),
    ):
        refused = await owner.slash(command, **options)
        assert refused.ephemeral and not MASKED_LINK.search(refused.text()), refused.text()
        assert "\\[" in refused.text() or "\\]" in refused.text(), refused.text()
    refused_form = await add_model(owner, Name="Inert Form Model", **{FORM_DETAILS: EVIL + ": 1"})
    assert "is not a detail I know" in inert(refused_form)
    for change in reversed(changes):
        undone = await owner.slash("admin undo", change_id=change)
        assert "undid change" in inert(undone), undone.text()
    lookups = harness.services.lookups
    assert lookups.models.exact(EVIL) is None and lookups.models.exact(EVIL + " 9B") is None


async def test_feeds_add_echoes_the_name_inert(harness) -> None:
    added = await harness.owner.slash(
        "feeds add", key="inert", name=EVIL, url="https://inert.example/f.xml", kind="rss"
    )
    try:
        assert "Feed added" in inert(added) and "**" + EVIL_SHOWN + "**" in added.text()
    finally:
        await harness.owner.slash("feeds remove", key="inert")
    refused = await harness.owner.slash("feeds remove", key=EVIL)
    assert "No feed source has the key" in inert(refused)
