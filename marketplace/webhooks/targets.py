"""Where a webhook may go, and sending it there: refusing internal addresses (SSRF) at registration and again at
send time, and connecting to the very address checked, so a name that resolves elsewhere the second time (DNS
rebinding) cannot steer the request inside.

urllib3 (a well-kept dependency of requests, already installed) lets the connection go to an IP address while
the Host header and the TLS server name and certificate check keep the endpoint's host name.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from marketplace.core.errors import ValidationFailed
from marketplace.core.i18n import _l

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_RESPONSE_BYTES = 2048


class SendFailed(Exception):
    """Nothing answered in time, or the connection failed: why, in urllib3's words."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP address to connect to


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (address.is_loopback or address.is_link_local or address.is_private or address.is_multicast
            or address.is_reserved or address.is_unspecified or not address.is_global)


def resolve(url: str, *, allow_private: bool) -> Target:
    """The URL's target with an address it resolves to, or ValidationFailed("url") when it is not an http(s) URL,
    does not resolve, or any of its addresses is internal (unless ``allow_private``)."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or port == -1 or parts.username or parts.password:
        raise ValidationFailed("url", _l("请填写 http:// 或 https:// 开头的网址"))
    port = port or DEFAULT_PORTS[parts.scheme]
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ValidationFailed("url", _l("无法解析这个网址的主机名")) from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses:
        raise ValidationFailed("url", _l("无法解析这个网址的主机名"))
    # Every address must pass: a name with one public and one internal address could be steered to the latter.
    if not allow_private and any(_refused(address) for address in addresses):
        raise ValidationFailed("url", _l("不能向内网、本机或保留地址发送通知"))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port, path, str(addresses[0]))


def post(target: Target, body: bytes, headers: dict[str, str], *, timeout: float) -> int:
    """POST the body to the target's checked address, no redirects followed; the response's status code.

    Raises SendFailed when nothing answered in time or the connection failed."""
    import urllib3  # here, where sending happens (the scheduler), not in every web worker (about 1 MB)

    host_header = target.host if target.port == DEFAULT_PORTS[target.scheme] else f"{target.host}:{target.port}"
    options = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(target.address, target.port, server_hostname=target.host,
                                           assert_hostname=target.host, **options)
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, **options)
    try:
        with pool:
            response = pool.urlopen("POST", target.path, body=body, redirect=False, assert_same_host=False,
                                    preload_content=False, headers={
                                        **headers, "Host": host_header, "Content-Type": "application/json",
                                        "User-Agent": "marketplace-webhooks/1"})
            response.read(MAX_RESPONSE_BYTES)
            response.release_conn()
            return response.status
    except urllib3.exceptions.HTTPError as error:
        raise SendFailed(f"{type(error).__name__}: {error}") from error
