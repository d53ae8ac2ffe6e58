"""Where a webhook may be sent: only to globally routable addresses, unless the operator allows more.

An endpoint URL is an address the server will POST to on an admin's say-so, so it could point the
server at itself, at the private network behind it or at a cloud's metadata service. `TargetGuard`
refuses those twice: when an endpoint is added or changed (a `FieldError` naming the address class),
and again on every connection — its resolver checks every address a name resolves to at send time
(the name may have been re-pointed since: DNS rebinding) and its socket factory checks the one
address each socket is about to connect to, so an IP literal stored before the rule, or any other
path around the resolver, meets the same check. `allow_private` (NEWSFLOW_WEBHOOK_ALLOW_PRIVATE)
lifts the rule for development and the tests, which deliver to receivers on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
from collections.abc import Callable
from typing import Any

import httpx
from aiohttp.abc import AbstractResolver, ResolveResult

from newsflow.errors import FieldError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port → the addresses it resolves to (blocking; the async side runs it in a thread)
Lookup = Callable[[str, int], list[str]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64 prefix: the last 32 bits are IPv4
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)


class TargetRefused(OSError):
    """A connection the guard will not make; an OSError so the HTTP client reports it as a failed
    connect, with the reason as its strerror (which is what aiohttp's message shows)."""

    def __init__(self, reason: str) -> None:
        super().__init__(errno.EACCES, reason)


def system_lookup(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for `host`, each once, in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), which is where a packet ends up:
    ::ffff:127.0.0.1 is loopback however it is written."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_class(address: str | IPAddress) -> str | None:
    """Why `address` is no place to send a webhook ("loopback", "private", …), or None when it is
    globally routable. Anything not global is refused: the named classes only make the message clear."""
    ip = ipaddress.ip_address(address.split("%", 1)[0]) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return address_class(inner)
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"  # 169.254.169.254, the cloud metadata service, is one
    if ip.is_multicast:
        return "multicast"
    if ip in _SHARED:
        return "shared (carrier-grade NAT)"
    if isinstance(ip, ipaddress.IPv6Address) and ip in ipaddress.ip_network("fc00::/7"):
        return "private (unique local)"
    if ip.is_private:  # RFC 1918, and the documentation and benchmarking ranges
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "non-global"
    return None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


class TargetGuard:
    """The rule for webhook targets, with the resolver it uses (`lookup`, replaceable in tests)."""

    def __init__(self, allow_private: bool | None = None, lookup: Lookup = system_lookup) -> None:
        if allow_private is None:
            from newsflow.config import Settings  # the environment's word, as the server reads it

            allow_private = Settings().webhook_allow_private
        self.allow_private = allow_private
        self.lookup = lookup

    def refusal(self, host: str, addresses: list[str]) -> str | None:
        """Why a connection to `host` at these addresses is refused, or None. One bad address refuses
        them all: a name that mixes public and internal answers is not to be trusted with either."""
        if self.allow_private:
            return None
        if not addresses:
            return f"{host} resolves to no address"
        for address in addresses:
            kind = address_class(address)
            if kind is not None:
                shown = host if host == address else f"{host} resolves to {address}, which"
                return f"{shown} is a {kind} address; webhooks go only to public addresses"
        return None

    def check_url(self, url: str) -> str:
        """`url` when its host may receive webhooks; else a FieldError on "url" naming the address class."""
        if self.allow_private:
            return url  # no lookup either: development and test hosts need not resolve
        host = httpx.URL(url).host
        literal = _literal(host)
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                addresses = self.lookup(host, 0)
            except (OSError, UnicodeError) as exc:
                raise FieldError("url", f"{host} does not resolve ({exc})") from None
        why = self.refusal(host, addresses)
        if why is not None:
            raise FieldError("url", why)
        return url

    def resolver(self) -> GuardedResolver:
        return GuardedResolver(self)

    def socket_factory(self, addr_info: tuple[Any, ...]) -> socket.socket:
        """aiohttp's hook for every socket it connects: the last word on the address actually used."""
        family, type_, proto, _, sockaddr = addr_info
        address = str(sockaddr[0])
        why = self.refusal(address, [address])
        if why is not None:
            raise TargetRefused(why)
        return socket.socket(family=family, type=type_, proto=proto)


class GuardedResolver(AbstractResolver):
    """Resolves with the guard's lookup and refuses a name with any non-global answer, at send time."""

    def __init__(self, guard: TargetGuard) -> None:
        self.guard = guard

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        addresses = await asyncio.to_thread(self.guard.lookup, host, port)
        why = self.guard.refusal(host, addresses)
        if why is not None:
            raise TargetRefused(why)
        results: list[ResolveResult] = []
        for address in addresses:
            found = socket.AF_INET6 if ":" in address else socket.AF_INET
            if family in (socket.AF_UNSPEC, found):
                results.append({"hostname": host, "host": address, "port": port, "family": found, "proto": 0,
                                "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV})
        if not results:
            raise TargetRefused(f"{host} has no address of the family asked for")
        return results

    async def close(self) -> None:
        return None
