"""Change sets: two snapshots of a source in a row give exactly the changes between them, and
the same snapshot again gives none."""

from bot.sync.adapter import Fetched
from bot.sync.changes import Change, describe_price, diff, fact_map
from bot.sync.epoch import EpochAdapter
from bot.sync.openrouter import OpenRouterAdapter
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "data" / "sync"


def snapshot(adapter, name: str) -> dict[str, str]:
    body = (FIXTURES / name).read_bytes()
    return fact_map(adapter.parse(Fetched(body, f"https://x.test/{name}", "2026-11-01")))


def test_openrouter_two_snapshots_give_exactly_the_expected_change_set() -> None:
    one = snapshot(OpenRouterAdapter(), "openrouter-1.json")
    two = snapshot(OpenRouterAdapter(), "openrouter-2.json")
    changes = diff("openrouter", "2026-11-02", one, two)
    assert not changes.baseline
    assert (changes.added, changes.changed, changes.removed) == (1, 2, 1)
    assert changes.unchanged == 2  # Llama (and its free variant), the auto router
    assert changes.changes == [
        Change("price", "Claude Sonnet 4.5", "price:openrouter", "3|15", "2.5|15"),
        Change("context", "GPT-4o", "context_window", "128000", "256000"),
        Change("new_model", "Zephyr Nova 7"),
        Change("removal", "Mistral Small 3.1 24B"),
    ]
    text = changes.describe()
    assert "Claude Sonnet 4.5 (openrouter): input $3.00 → $2.50 per 1M tokens" in text
    assert "1 added, 2 changed, 2 unchanged, 1 removed" in text


def test_rerunning_a_snapshot_gives_an_empty_change_set() -> None:
    two = snapshot(OpenRouterAdapter(), "openrouter-2.json")
    again = diff("openrouter", "2026-11-02", two, dict(two))
    assert again.empty and again.changes == [] and again.unchanged == 5
    assert again.describe().endswith("nothing changed.")


def test_the_first_snapshot_is_a_baseline() -> None:
    first = diff("epoch", "2026-11-01", {}, snapshot(EpochAdapter(), "epoch-1.csv"))
    assert first.baseline and first.added == 3 and "baseline" in first.describe()
    assert "new model" not in first.describe()  # a baseline lists no backlog


def test_epoch_two_snapshots_license_change_new_model_and_removal() -> None:
    one = snapshot(EpochAdapter(), "epoch-1.csv")
    two = snapshot(EpochAdapter(), "epoch-2.csv")
    changes = diff("epoch", "2026-11-02", one, two)
    assert (changes.added, changes.changed, changes.unchanged, changes.removed) == (1, 2, 0, 1)
    kinds = [(c.kind, c.model) for c in changes.changes]
    assert kinds == [
        ("license", "Radar Test Beta"),
        ("new_model", "Radar Test Delta"),
        ("removal", "Radar Test Gamma"),
    ]  # Alpha's parameters changed: counted as changed, not a notable change


def test_price_text_names_only_what_changed() -> None:
    assert describe_price("3|15", "3|12") == "output $15.00 → $12.00 per 1M tokens"
    assert describe_price(None, "1|2") == "input none → $1.00, output none → $2.00 per 1M tokens"
