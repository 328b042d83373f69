"""Checking links from feeds, imports and admins before anything shows or follows them."""

from __future__ import annotations

import re

from yarl import URL

URL_MAX = 2048  # Discord's limit for an embed's url; longer links are not real ones anyway
# Characters that are not allowed unencoded in a URL (RFC 3986) and would let a link end
# early or open markdown around it: white space, brackets, parentheses, angle brackets,
# quotes, backslash, backtick, braces, '|' and '^'. Control and invisible characters are
# caught by `str.isprintable`.
_FORBIDDEN = re.compile(r"[\s<>\[\]()\"\\`{}|^]")
# A host name as DNS spells it (after IDNA encoding): dot-separated labels of letters, digits
# and inner hyphens; an IPv4 address fits too.
_HOST = re.compile(
    r"(?=.{1,253}\.?$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.?",
    re.IGNORECASE,
)


def checked_url(url: str | None) -> str | None:
    """`url` if it is a plain absolute http(s) link: a host, no user name or password, a valid
    port, nothing that could break out of a link, at most URL_MAX characters. Else None."""
    if not url or len(url) > URL_MAX or not url.isprintable() or _FORBIDDEN.search(url):
        return None
    try:
        parsed = URL(url)
        parsed.port  # noqa: B018 - raises on a port out of range
        host = parsed.raw_host
    except (ValueError, TypeError, UnicodeError):
        return None
    if parsed.scheme not in ("http", "https") or not parsed.is_absolute() or not host:
        return None
    if parsed.user is not None or parsed.password is not None or not _HOST.fullmatch(host):
        return None
    return url
