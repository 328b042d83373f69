"""Stable identities of feed entries, so a re-dated or re-guided item is still the same entry."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from bot.core.names import normalize
from bot.watch.items import FeedItem

_TRACKING = ("utm_", "mc_", "pk_")
_TRACKING_KEYS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "ref", "ref_src", "source", "igshid", "yclid"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_link(url: str) -> str:
    """Scheme, 'www.', default port, trailing slash, fragment and tracking parameters removed."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/") or ""
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING) and k.lower() not in _TRACKING_KEYS
    )
    return f"{host}{path}" + (f"?{urlencode(query)}" if query else "")


def identities(item: FeedItem) -> list[str]:
    """Every key this item may be known by: its guid, its normalised link, else title and date."""
    keys = []
    if item.guid:
        keys.append(f"guid:{item.source_key}:{item.guid.strip()[:500]}")
    if item.link:
        keys.append(f"link:{normalize_link(item.link)}")
    if not keys:
        day = (item.published or "")[:10]
        keys.append(f"title:{item.source_key}:{normalize(item.title)}:{day}")
    return keys
