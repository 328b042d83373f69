"""The `huggingface:` config section: defaults, a full one, and bad values naming the key."""

import pytest

from bot.config import ConfigError, HubConfig, parse_config


def test_defaults_and_a_full_section() -> None:
    assert parse_config({}).huggingface == HubConfig()
    hub = parse_config(
        {
            "huggingface": {
                "endpoint": "http://127.0.0.1:8080/",
                "organisations": {"meta-llama": "Meta", "Qwen": " Alibaba "},
                "per_organisation": 5,
                "timeout": 3,
            }
        }
    ).huggingface
    assert hub.endpoint == "http://127.0.0.1:8080"
    assert hub.organisations == (("meta-llama", "Meta"), ("Qwen", "Alibaba"))
    assert (hub.per_organisation, hub.timeout) == (5, 3.0)


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"endpoint": "ftp://hub"}, "huggingface.endpoint"),
        ({"endpoint": "https://"}, "huggingface.endpoint"),
        ({"organisations": ["meta-llama"]}, "huggingface.organisations"),
        ({"organisations": {"meta llama": "Meta"}}, "huggingface.organisations"),
        ({"organisations": {"meta-llama": ""}}, "huggingface.organisations.meta-llama"),
        ({"per_organisation": 0}, "huggingface.per_organisation"),
        ({"per_organisation": 2.5}, "huggingface.per_organisation"),
        ({"timeout": 0}, "huggingface.timeout"),
        ({"token": "hf_x"}, "huggingface.token"),
    ],
)
def test_bad_values_fail_naming_the_key(section: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse_config({"huggingface": section})
