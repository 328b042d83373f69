"""Provisional catalog records: an announcement of a model the catalog lacks makes it
findable in the same ingest, through the real store; identity rules keep it from becoming a
duplicate, and a later dataset or curator record of the model takes it over."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.app import open_services
from bot.config import WatchConfig
from bot.core.errors import UserError
from bot.core.records import (
    Batch,
    ClaimRec,
    LicenseClaimRec,
    LicenseRec,
    ModelRec,
    Provenance,
    SourceRec,
)
from bot.curation.doctor import diagnose
from bot.curation.forms import Actor, ModelForm
from bot.curation.identity import IdentityCuration
from bot.render.alerts import render_alert
from bot.render.lookups import render_model
from bot.render.text import reply_to_text
from bot.store.catalog_doctor import CatalogDoctorReads
from bot.watch.alerts import build_alert
from bot.watch.filters import EntryFacts, Filters, matches, parse_filters
from bot.watch.items import FeedItem
from bot.watch.provisional import ANNOUNCED_NOTE
from tests.conftest import NO_FEEDS, make_config
from tests.unit.test_cli import run
from tests.unit.watch_helpers import clocked_watch

OPUS_6 = FeedItem(
    "Introducing Claude Opus 6",
    "https://anthropic.example/news/claude-opus-6",
    "Claude Opus 6 has a 1M-token context window and costs $5 per million input tokens.",
    "2026-11-21T16:00:00+00:00",
    "opus-6",
    "anthropic",
    "Anthropic News",
    org="Anthropic",
)


@pytest.fixture
async def watch(services, tmp_path):
    async with clocked_watch(services, tmp_path, timeout=0.5, provisional=True) as service:
        yield service


def vendor_item(title: str, org: str, guid: str, summary: str = "") -> FeedItem:
    return FeedItem(
        title,
        f"https://vendor.example/{guid}",
        summary,
        "2026-11-21T10:00:00+00:00",
        guid,
        "vendor",
        "Vendor",
        org=org,
    )


async def claims_of(services, model_id: int) -> list[tuple]:
    return await services.db.fetchall(
        "SELECT c.field, c.value, c.note, c.url, c.as_of, s.key, s.kind FROM model_claims c"
        " JOIN sources s ON s.id = c.source_id WHERE c.model_id = ? ORDER BY c.field",
        (model_id,),
    )


async def test_an_announced_unknown_model_is_findable_after_the_same_ingest(
    services, watch
) -> None:
    assert services.lookups.models.exact("claude opus 6") is None
    report = await watch.ingestor.ingest([OPUS_6])
    (created,) = report.created
    assert created.name == "Claude Opus 6" and created.line == "new model"
    entry = services.lookups.models.exact("claude opus 6")  # the name index is refreshed
    assert entry is not None and entry.id == created.model_id and entry.org == "Anthropic"
    assert services.lookups.models.autocomplete("claude opus 6")[0].id == created.model_id
    assert await watch.store.entry_model_ids(report.new[0]) == [created.model_id]
    rows = {(r[0], r[1]): r for r in await claims_of(services, created.model_id)}
    status = rows[("status", "announced")]
    assert status[2] == ANNOUNCED_NOTE and status[3] == OPUS_6.link and status[4] == "2026-11-21"
    assert status[5] == f"announce:{report.new[0]}" and status[6] == "feed"
    assert rows[("context_window", "1000000")][2] == ANNOUNCED_NOTE
    assert set(rows) == {("status", "announced"), ("context_window", "1000000")}
    model = await services.lookups.report(created.model_id)
    assert model.provisional is not None and model.provisional.date == "2026-11-21"
    text = reply_to_text(render_model(model))
    assert "Provisional: announced 2026-11-21 in" in text and "not yet in any dataset" in text


async def test_its_alert_says_what_is_new_to_the_catalog_in_its_first_line(watch) -> None:
    report = await watch.ingestor.ingest([OPUS_6])
    alert = await build_alert(watch.store, watch.lookups, report.new[0])
    assert alert.news == (("Claude Opus 6", "new model"),)
    embed = render_alert(alert).pages[0]
    assert embed.description.splitlines()[0] == (
        "🆕 New to the catalog: **Claude Opus 6** (new model)"
    )


async def test_spellings_of_a_known_model_add_no_record(services, watch) -> None:
    known = services.lookups.models.exact("Claude Opus 4.6")
    before = len(services.lookups.models)
    items = [
        vendor_item("Introducing claude-opus-4.6", "Anthropic", "a"),
        vendor_item("Introducing Anthropic Claude Opus 4.6", "Anthropic", "b"),
    ]
    report = await watch.ingestor.ingest(items)
    assert report.created == []
    assert len(services.lookups.models) == before
    for entry_id in report.new:
        assert await watch.store.entry_model_ids(entry_id) == [known.id]


async def test_a_post_naming_a_competitors_model_adds_no_record(services, watch) -> None:
    report = await watch.ingestor.ingest(
        [
            vendor_item("Introducing Claude Opus 6", "Mistral AI", "c"),  # not Mistral's
            vendor_item("Introducing Anthropic Sonnet 9", "Mistral AI", "d"),
        ]
    )
    assert report.created == []
    assert services.lookups.models.exact("claude opus 6") is None


async def test_a_roundup_a_link_and_a_version_add_no_record(services, watch) -> None:
    before = len(services.lookups.models)
    report = await watch.ingestor.ingest(
        [
            vendor_item("Introducing Nova 7, Zeta 2, Orca 5 and seven more models", "Acme", "e"),
            vendor_item("Introducing https://acme.example/zeta-9", "Acme", "f"),
            vendor_item("Introducing SDK 2.1 for Zeta", "Acme", "g"),
        ]
    )
    assert len(report.new) == 3 and report.created == []
    assert len(services.lookups.models) == before


async def test_a_first_polls_backlog_adds_no_record(services, watch) -> None:
    report = await watch.ingestor.ingest([OPUS_6], baseline=True)
    assert report.new and report.created == []
    assert services.lookups.models.exact("claude opus 6") is None


async def test_a_dataset_record_of_the_model_later_merges_with_it(services, watch) -> None:
    report = await watch.ingestor.ingest([OPUS_6])
    (created,) = report.created
    later = Batch(
        sources=[SourceRec("testset", "A test dataset", "dataset", url="https://d.example")],
        models=[ModelRec("claude-opus-6", "Anthropic")],
        claims=[ClaimRec("claude-opus-6", "release_date", "2026-12-01", Provenance("testset"))],
    )
    await services.catalog.apply(later)
    await services.lookups.refresh()
    assert services.lookups.models.exact("claude-opus-6").id == created.model_id
    sources = {(r[0], r[5]) for r in await claims_of(services, created.model_id)}
    assert ("status", f"announce:{report.new[0]}") in sources
    assert ("release_date", "testset") in sources
    model = await services.lookups.report(created.model_id)
    assert model.provisional is None  # a second source has it
    assert "Provisional" not in reply_to_text(render_model(model))


async def test_a_curators_record_merged_with_it_keeps_the_announcement_claims(
    services, watch
) -> None:
    (created,) = (await watch.ingestor.ingest([OPUS_6])).created
    curator = Actor("1", "Cura")
    await services.curation.add_model(curator, ModelForm("Opus Six", org="Anthropic"))
    await IdentityCuration(services.curation).merge(curator, "Opus Six", "Claude Opus 6")
    kept = services.lookups.models.exact("Opus Six")
    assert services.lookups.models.exact("Claude Opus 6").id == kept.id != created.model_id
    fields = {(r[0], r[2]) for r in await claims_of(services, kept.id)}
    assert ("status", ANNOUNCED_NOTE) in fields  # still the announcement's claim


async def test_doctor_lists_provisional_records_older_than_30_days(services, watch) -> None:
    (created,) = (await watch.ingestor.ingest([OPUS_6])).created
    reads = CatalogDoctorReads(services.db)
    fresh = await diagnose(reads, today=dt.date(2026, 12, 21))  # 30 days on
    assert [f.subject for f in fresh.stale_provisional] == []
    stale = await diagnose(reads, today=dt.date(2026, 12, 22))
    (finding,) = stale.stale_provisional
    assert finding.subject == "Claude Opus 6" and "announced 2026-11-21" in finding.detail
    await services.catalog.apply(
        Batch(
            sources=[SourceRec("testset", "A test dataset", "dataset")],
            claims=[ClaimRec("Claude Opus 6", "params", "1000000000", Provenance("testset"))],
        )
    )
    assert (await diagnose(reads, today=dt.date(2027, 6, 1))).stale_provisional == []
    assert created.model_id


def test_new_only_is_a_stored_validated_filter() -> None:
    filters = parse_filters(orgs="Anthropic", new_only="yes")
    assert filters.new_only and Filters.from_json(filters.to_json()) == filters
    assert filters.describe() == "orgs: Anthropic; new to catalog only"
    assert not parse_filters(new_only="no").new_only and not parse_filters().new_only
    assert Filters.from_json({"orgs": ["x"]}).new_only is False
    with pytest.raises(UserError) as refused:
        parse_filters(new_only="maybe")
    assert "`new_only` must be yes or no, not 'maybe'" in str(refused.value)


def test_new_only_matches_only_entries_new_to_the_catalog() -> None:
    facts = EntryFacts(frozenset(), frozenset(), "", "release", "x")
    novel = EntryFacts(frozenset(), frozenset(), "", "release", "x", new_to_catalog=True)
    only = Filters(new_only=True)
    assert not matches(only, facts) and matches(only, novel) and matches(Filters(), facts)


async def test_the_offline_cli_says_provisional_and_doctor_lists_old_ones(
    services, watch, db_path
) -> None:
    old = FeedItem(
        "Introducing Zephyrine 3",
        "https://zeph.example/zephyrine-3",
        "",
        "2026-09-01T09:00:00+00:00",
        "z3",
        "zeph",
        "Zeph Labs",
        org="Zeph Labs",
    )
    await watch.ingestor.ingest([OPUS_6, old])
    asked = run(db_path, "ask", "model", "name=claude opus 6")
    assert asked.returncode == 0, asked.stderr
    assert "== Claude Opus 6 ==" in asked.stdout and "did you mean" not in asked.stdout
    assert "Provisional: announced 2026-11-21 in" in asked.stdout
    assert "not yet in any dataset" in asked.stdout
    doctor = run(db_path, "catalog", "doctor")
    assert doctor.returncode == 0, doctor.stderr
    section = doctor.stdout.split("== Provisional records older than 30 days")[1]
    assert "Zephyrine 3: announced 2026-09-01" in section and "Claude Opus 6" not in section


async def test_a_dated_name_of_a_known_model_is_a_new_snapshot_of_it(services, watch) -> None:
    report = await watch.ingestor.ingest(
        [vendor_item("Introducing gpt-4o-2026-11-20", "OpenAI", "snap")]
    )
    (created,) = report.created
    assert created.name == "GPT-4o (2026-11-20)" and created.line == "new snapshot of GPT-4o"
    assert services.lookups.models.exact("gpt-4o-2026-11-20").id == created.model_id
    model = await services.lookups.report(created.model_id)
    assert model.snapshot_of == "GPT-4o" and model.snapshot == "2026-11-20"
    assert await watch.store.entry_model_ids(report.new[0]) == [created.model_id]


async def zeta_under_mit(services) -> int:
    await services.catalog.apply(
        Batch(
            sources=[SourceRec("testset", "A test dataset", "dataset")],
            models=[ModelRec("Zeta 3", "Zeta Labs")],
            licenses=[LicenseRec("MIT", "MIT License", "open_permissive", True, True)],
            license_claims=[
                LicenseClaimRec("Zeta 3", "MIT", "open_permissive", True, Provenance("testset"))
            ],
        )
    )
    await services.lookups.refresh()
    return services.lookups.models.exact("Zeta 3").id


async def test_a_license_change_says_from_what_to_what(services, watch) -> None:
    zeta = await zeta_under_mit(services)
    report = await watch.ingestor.ingest(
        [vendor_item("Zeta 3 is now under Apache 2.0", "Zeta Labs", "lic")]
    )
    (change,) = report.created
    assert change.model_id == zeta
    assert change.line == "license changed from MIT License to Apache License 2.0"
    alert = await build_alert(watch.store, watch.lookups, report.new[0])
    assert alert.news == (("Zeta 3", change.line),)
    claims = {c.license_id: c.source for c in await services.catalog.license_claims(zeta)}
    assert claims["MIT"].key == "testset"  # the dataset's claim stays
    assert claims["Apache-2.0"].note == ANNOUNCED_NOTE


@pytest.mark.parametrize(
    "title, summary",
    [
        ("Zeta 3 moves from the MIT license to a custom license", ""),
        ("Zeta 3 license update", "Zeta 3 was released under the MIT license last year."),
        ("Zeta 3 license news", "Zeta 3 is now under Apache 2.0 or the MIT license, your pick"),
        ("Zeta 3 pricing", "Zeta 3 is now under Apache 2.0"),  # a price post: no license
    ],
)
async def test_a_license_change_that_states_no_clear_new_license_says_nothing(
    services, watch, title, summary
) -> None:
    zeta = await zeta_under_mit(services)
    report = await watch.ingestor.ingest([vendor_item(title, "Zeta Labs", "x", summary)])
    assert report.created == []
    assert [c.license_id for c in await services.catalog.license_claims(zeta)] == ["MIT"]


async def test_with_provisional_records_off_an_announcement_leaves_the_catalog_alone(
    db_path,
) -> None:
    watch = WatchConfig(
        feeds_file=NO_FEEDS, allow_private_feed_hosts=True, provisional_records=False
    )
    async with open_services(make_config(db_path, watch=watch)) as services:
        report = await services.watch.ingestor.ingest([OPUS_6])
        assert len(report.new) == 1 and report.created == []
        assert services.lookups.models.exact("claude opus 6") is None
