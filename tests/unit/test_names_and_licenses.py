import pytest

from bot.core.licenses import normalize_license, openness_from_epoch, parse_openness
from bot.core.names import normalize, word_starts
from bot.core.vocab import Openness


@pytest.mark.parametrize(
    "text", ["GPT-4o", "gpt4o", "GPT 4o", " gpt‐4o ", "G\u200bPT-4o", "ＧＰＴ-４ｏ"]
)
def test_spellings_of_one_name_share_a_key(text: str) -> None:
    assert normalize(text) == "gpt4o"


def test_non_latin_names_keep_their_letters() -> None:
    assert normalize("阿里云") == "阿里云"


def test_word_starts_split_letters_from_digits() -> None:
    assert word_starts("Qwen3.5-Omni-Plus") == [
        "qwen35omniplus",
        "35omniplus",
        "5omniplus",
        "omniplus",
        "plus",
    ]


@pytest.mark.parametrize(
    ("text", "license_id", "openness"),
    [
        ("Apache 2.0", "Apache-2.0", Openness.OPEN_PERMISSIVE),
        ("apache-2.0", "Apache-2.0", Openness.OPEN_PERMISSIVE),
        ("MIT License", "MIT", Openness.OPEN_PERMISSIVE),
        ("CC-BY-NC", "CC-BY-NC-4.0", Openness.OPEN_NONCOMMERCIAL),
        ("gemma", "gemma-terms", Openness.OPEN_RESTRICTED),
        ("Llama 3.1 Community License", "llama-3.1-community", Openness.OPEN_RESTRICTED),
        ("Llama 4 Community License Agreement", "llama-4-community", Openness.OPEN_RESTRICTED),
        ("llama3.2", "llama-3.2-community", Openness.OPEN_RESTRICTED),
        ("Proprietary", "proprietary", Openness.API_ONLY),
        ("Mistral Research License", "mistral-research", Openness.OPEN_NONCOMMERCIAL),
    ],
)
def test_license_normalisation(text: str, license_id: str, openness: Openness) -> None:
    lic = normalize_license(text)
    assert (lic.id, lic.openness) == (license_id, openness)


def test_unknown_license_is_kept_as_custom() -> None:
    lic = normalize_license("Frobnicator Public License v9")
    assert lic.id == "custom-frobnicator-public-license-v9"
    assert lic.openness is Openness.UNKNOWN
    assert lic.commercial is None


def test_spdx_flags_and_commercial_use() -> None:
    assert normalize_license("Apache 2.0").spdx
    assert normalize_license("Apache 2.0").commercial is True
    assert not normalize_license("gemma").spdx
    assert normalize_license("CC-BY-NC").commercial is False


def test_epoch_accessibility_values() -> None:
    assert openness_from_epoch("Open weights (unrestricted)") is Openness.OPEN_PERMISSIVE
    assert openness_from_epoch("Open weights (restricted use)") is Openness.OPEN_RESTRICTED
    assert openness_from_epoch("Hosted access (no API)") is Openness.HOSTED_ONLY
    assert openness_from_epoch("API access") is Openness.API_ONLY
    assert openness_from_epoch("") is None
    assert openness_from_epoch("Something new") is Openness.UNKNOWN


def test_parse_openness_accepts_ids_labels_and_short_words() -> None:
    assert parse_openness("api_only") is Openness.API_ONLY
    assert parse_openness("API only") is Openness.API_ONLY
    assert parse_openness("open") is Openness.OPEN_UNSPECIFIED
    assert parse_openness("banana") is None
