"""What "open weights" means, decided once on the Openness type and used by the lookups, the
watch filters and the digests."""

from __future__ import annotations

import pytest

from bot.core.vocab import Access, Openness

OPEN = (
    Openness.OPEN_PERMISSIVE,
    Openness.OPEN_RESTRICTED,
    Openness.OPEN_NONCOMMERCIAL,
    Openness.OPEN_UNSPECIFIED,
)
CLOSED = (Openness.API_ONLY, Openness.HOSTED_ONLY)


def test_every_class_is_exactly_one_of_open_closed_or_neither() -> None:
    assert {o for o in Openness if o.is_open_weights} == set(OPEN)
    assert {o for o in Openness if o.is_closed} == set(CLOSED)
    assert not any(o.is_open_weights and o.is_closed for o in Openness)


@pytest.mark.parametrize(
    ("openness", "access"),
    [
        *((o, Access.OPEN) for o in OPEN),
        *((o, Access.CLOSED) for o in CLOSED),
        (Openness.UNRELEASED, Access.UNRELEASED),
        (Openness.UNKNOWN, None),
    ],
)
def test_access_coarsens_each_class(openness: Openness, access: Access | None) -> None:
    assert openness.access is access


def test_open_unspecified_admits_any_open_weights_class() -> None:
    for each in OPEN:
        assert Openness.OPEN_UNSPECIFIED.admits([Openness.API_ONLY, each])
    assert not Openness.OPEN_UNSPECIFIED.admits([*CLOSED, Openness.UNRELEASED, Openness.UNKNOWN])
    assert not Openness.OPEN_UNSPECIFIED.admits([])


def test_any_other_class_admits_only_itself() -> None:
    assert Openness.OPEN_PERMISSIVE.admits([Openness.OPEN_PERMISSIVE])
    assert not Openness.OPEN_PERMISSIVE.admits([Openness.OPEN_RESTRICTED])
    assert not Openness.API_ONLY.admits([Openness.HOSTED_ONLY, Openness.OPEN_PERMISSIVE])
    assert Openness.HOSTED_ONLY.admits(iter([Openness.UNKNOWN, Openness.HOSTED_ONLY]))


@pytest.mark.parametrize(
    ("classes", "verdict"),
    [
        ((), "unknown"),
        ((Openness.UNKNOWN, Openness.UNRELEASED), "unknown"),
        ((Openness.OPEN_NONCOMMERCIAL,), "open"),
        ((Openness.OPEN_PERMISSIVE, Openness.UNKNOWN), "open"),
        ((Openness.HOSTED_ONLY,), "api"),
        ((Openness.API_ONLY, Openness.UNRELEASED), "api"),
        ((Openness.OPEN_RESTRICTED, Openness.API_ONLY), "disputed"),
    ],
)
def test_verdict_says_what_the_sources_agree_on(
    classes: tuple[Openness, ...], verdict: str
) -> None:
    assert Openness.verdict(classes) == verdict
    assert Openness.verdict(iter(classes)) == verdict  # a one-pass iterable is enough


def test_classes_read_back_as_text_compare_as_the_type() -> None:
    """Stores hand classes back as text; the type is what they are compared as."""
    assert Openness.OPEN_UNSPECIFIED.admits(Openness(c) for c in {"open_restricted"})
    with pytest.raises(ValueError):
        Openness("open")  # the user's word is parsed (parse_openness), never cast
