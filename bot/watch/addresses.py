"""Which hosts a feed may be fetched from: the guard against server-side request forgery.

A feed URL comes from a curator and its redirects from whoever runs the feed, so by default only
public addresses are fetched. The rule is applied three times: to the URL a curator enters, to
every redirect target, and to every address a name resolves to when the connection is made
(`PublicOnlyResolver`), which DNS rebinding cannot get around. Operators who host feeds on their
own private network opt out with `watch.allow_private_feed_hosts`.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

# The one reason a refused host is given: it says nothing of what the host is or would answer.
NOT_ALLOWED = "address not allowed"

IPAddress = IPv4Address | IPv6Address

_CGNAT = IPv4Network("100.64.0.0/10")
_NAT64 = IPv6Network("64:ff9b::/96")
# Names that only mean something on a private network (RFC 6761, RFC 6762, RFC 8375, ICANN's
# .internal) and the usual home/office suffixes.
_PRIVATE_SUFFIXES = (
    "localhost",
    "local",
    "internal",
    "localdomain",
    "home.arpa",
    "lan",
    "intranet",
    "corp",
    "home",
    "private",
)
# What inet_aton would read as an IPv4 address: 1-4 parts, decimal, octal or hex (0x7f000001).
_NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}\.?", re.I)
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")


class AddressNotAllowed(OSError):
    """A host that resolved to an address feeds may not be fetched from."""

    def __init__(self, host: str) -> None:
        super().__init__(f"{host}: {NOT_ALLOWED}")


def is_public_address(ip: IPAddress) -> bool:
    """True for a globally routable unicast address; IPv4 inside IPv6 is judged as IPv4."""
    if isinstance(ip, IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
    refused = (
        ip.is_private,
        ip.is_loopback,
        ip.is_link_local,
        ip.is_multicast,
        ip.is_reserved,
        ip.is_unspecified,
        isinstance(ip, IPv4Address) and ip in _CGNAT,
    )
    return ip.is_global and not any(refused)


def literal_address(host: str) -> IPAddress | None:
    """The address `host` names if it is an IP literal in any form a resolver accepts
    (`::1`, `127.0.0.1`, `2130706433`, `0x7f000001`, `0177.1`), else None."""
    bare = host.strip("[]")
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(bare):
        try:
            return IPv4Address(socket.inet_aton(bare.rstrip(".")))
        except OSError:
            return None
    return None


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a feed URL (not http(s), credentials, no real host), or None."""
    if any(c.isspace() or ord(c) < 32 for c in url) or len(url) > 2000:
        return "must be an http(s) URL without spaces, at most 2,000 characters"
    try:
        parsed = URL(url)
        host = _host(parsed)
    except ValueError:
        return "is not a valid URL"
    if parsed.scheme not in ("http", "https") or not parsed.is_absolute() or not host:
        return "must be an http(s) URL with a host"
    if parsed.raw_user is not None or parsed.raw_password is not None:
        return "must not contain a user name or password"
    if literal_address(host) is None and (
        _NUMERIC_HOST.fullmatch(host) or not _HOST_NAME.fullmatch(host)
    ):
        return "must name a real host"
    return None


def _host(url: URL) -> str:
    """The host as it is looked up: IDNA-encoded (`ｌｏｃａｌｈｏｓｔ` is `localhost`), and an
    IPv6 literal with its zone decoded."""
    host = url.host or ""
    return host if ":" in host else url.raw_host or ""


def host_allowed(host: str) -> bool:
    """Whether a public-only fetch may go to `host`, judged without a DNS lookup: an IP literal
    must be public, and a name must not be one that only exists on a private network."""
    address = literal_address(host)
    if address is not None:
        return is_public_address(address)
    name = host.lower().rstrip(".")
    if "." not in name:  # a single label (`metadata`, `intranet`) is a local name
        return False
    return not any(name == s or name.endswith("." + s) for s in _PRIVATE_SUFFIXES)


def url_refusal(url: str, *, allow_private: bool) -> str | None:
    """Why a feed may not be fetched from `url`: its shape, or NOT_ALLOWED for its host."""
    problem = url_problem(url)
    if problem is not None:
        return problem
    if not allow_private and not host_allowed(_host(URL(url))):
        return NOT_ALLOWED
    return None


class PublicOnlyResolver(AbstractResolver):
    """Resolves with `inner` (the default resolver unless given) and refuses a name when any
    address it resolves to is not public, so the connection itself can never reach one."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        # One private answer among public ones is refused too: that mix is how rebinding looks.
        if not results or not all(_resolved_public(r) for r in results):
            raise AddressNotAllowed(host)
        return results

    async def close(self) -> None:
        await self._inner.close()


def _resolved_public(result: ResolveResult) -> bool:
    try:
        return is_public_address(ipaddress.ip_address(result["host"]))
    except ValueError:
        return False
