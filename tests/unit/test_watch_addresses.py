"""The feed address policy: which URLs and resolved addresses a feed may be fetched from."""

import ipaddress

import pytest

from bot.watch.addresses import (
    NOT_ALLOWED,
    AddressNotAllowed,
    PublicOnlyResolver,
    is_public_address,
    literal_address,
    url_refusal,
)
from tests.feed_server import NameMap

REFUSED_ADDRESSES = [
    "127.0.0.1",  # loopback
    "127.8.9.10",
    "10.1.2.3",  # private
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # link-local: cloud metadata
    "100.64.0.1",  # CGNAT
    "0.0.0.0",  # unspecified
    "224.0.0.1",  # multicast (is_global is True for it)
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "192.0.2.1",  # documentation
    "::1",
    "::",
    "fd00::1",  # unique local
    "fe80::1",  # link-local
    "ff02::1",  # multicast
    "2001:db8::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "2002:7f00:1::",  # 6to4 of 127.0.0.1 (is_global is True for it)
    "2002:a00:1::",  # 6to4 of 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "::127.0.0.1",  # IPv4-compatible
]


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "2002:5db8:d822::", "::ffff:8.8.8.8"]
)
def test_public_addresses_pass(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("0x7f000001", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("127.0.0.1.", "127.0.0.1"),
        ("[::1]", "::1"),
        ("feeds.example", None),
    ],
)
def test_every_numeric_form_is_read_as_the_address_it_names(host: str, address) -> None:
    found = literal_address(host)
    assert (str(found) if found else None) == address


# Every form a member reported reaching an internal host with, and their cousins.
REFUSED_URLS = [
    "http://localhost/f.xml",
    "http://LOCALHOST./f.xml",
    "http://ｌｏｃａｌｈｏｓｔ/f.xml",  # fullwidth: IDNA makes it localhost
    "http://api.localhost/f.xml",
    "http://127.0.0.1:8080/f.xml",
    "http://１２７.０.０.１/f.xml",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/f.xml",
    "http://[::1]:631/f.xml",
    "http://[fd00::1]/f.xml",
    "http://[fe80::1%25eth0]/f.xml",
    "http://[::ffff:127.0.0.1]/f.xml",
    "http://10.0.0.5/f.xml",
    "http://192.168.0.1/f.xml",
    "http://100.64.0.1/f.xml",
    "http://0.0.0.0/f.xml",
    "http://0/f.xml",
    "http://0x7f000001/f.xml",
    "http://2130706433/f.xml",
    "http://127.1/f.xml",
    "http://0177.0.0.1/f.xml",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://metadata/f.xml",
    "http://printer.local/f.xml",
    "http://nas.home.arpa/f.xml",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_the_default_refuses_internal_hosts_and_the_opt_in_accepts_them(url: str) -> None:
    assert url_refusal(url, allow_private=False) == NOT_ALLOWED
    assert url_refusal(url, allow_private=True) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://user:pass@feeds.example/f.xml", "user name or password"),
        ("http://user@feeds.example/f.xml", "user name or password"),
        ("http://127.0.0.1%2f@feeds.example/", "user name or password"),
        ("ftp://feeds.example/f.xml", "http(s)"),
        ("file:///etc/passwd", "http(s)"),
        ("javascript:alert(1)", "http(s)"),
        ("//feeds.example/f.xml", "http(s)"),
        ("http:///f.xml", "http(s)"),
        ("http://feeds example/f.xml", "without spaces"),
        ("http://feeds.example/\nf.xml", "without spaces"),
        ("http://feeds.example:99999/f.xml", "not a valid URL"),
        ("http://999.1.1.1/f.xml", "real host"),
        ("http://-feeds.example/f.xml", "real host"),
        ("http://feeds.example/" + "x" * 2000, "2,000"),
    ],
)
def test_malformed_urls_are_refused_even_with_the_opt_in(url: str, reason: str) -> None:
    for allow_private in (False, True):
        refusal = url_refusal(url, allow_private=allow_private)
        assert refusal is not None and reason in refusal, (url, refusal)


@pytest.mark.parametrize(
    "url",
    [
        "https://raw.githubusercontent.com/Olshansk/rss-feeds/main/feeds/feed_mistral.xml",
        "http://feeds.example:8080/f.xml",
        "https://bücher.example/feed",
        "https://93.184.216.34/f.xml",
        "https://[2606:4700::1111]/f.xml",
    ],
)
def test_public_urls_pass(url: str) -> None:
    assert url_refusal(url, allow_private=False) is None


async def test_the_resolver_refuses_a_name_with_any_non_public_address() -> None:
    names = NameMap(
        {
            "public.example": ["93.184.216.34", "2606:4700::1111"],
            "inside.example": ["10.0.0.7"],
            "rebind.example": ["93.184.216.34", "127.0.0.1"],  # one private answer is enough
            "mapped.example": ["::ffff:169.254.169.254"],
        }
    )
    resolver = PublicOnlyResolver(names)
    found = await resolver.resolve("public.example", 443)
    assert [r["host"] for r in found] == ["93.184.216.34", "2606:4700::1111"]
    for host in ("inside.example", "rebind.example", "mapped.example"):
        with pytest.raises(AddressNotAllowed, match=NOT_ALLOWED):
            await resolver.resolve(host, 80)
    with pytest.raises(OSError, match="does not resolve"):
        await resolver.resolve("nowhere.example", 80)
