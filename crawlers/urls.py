"""URL identity: one article reached through many links must get one id.

Feeds and social shares decorate links with tracking parameters and fragments; dedupe, the
"already stored" check and ``article_id`` all go through ``canonicalize`` so those variants collapse
before a request is ever made.
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that identify a campaign or a click, never the page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "cmpid",
        "ncid",
        "sr_share",
        "smid",
        "ref",
        "ref_src",
        "ref_url",
    }
)
TRACKING_PREFIXES = ("utm_", "__twitter", "pk_", "mtm_")
DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonicalize(url: str) -> str:
    """Lowercase scheme and host, no default port, no fragment, no tracking query, sorted query."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    netloc = host
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and DEFAULT_PORTS.get(scheme) != port:
        netloc = f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    )
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))


def article_id(canonical_url: str) -> str:
    """The documented id: first 16 hex chars of sha256 of the canonical URL."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:16]


def _effective_port(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, the scheme's default port filled in; None if bad."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        return None
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        return None
    return scheme, (parts.hostname or "").lower().rstrip("."), port


def split_entry(entry: str) -> tuple[str, int | None]:
    """``host`` or ``host:port`` of an allowed_domains entry (ValueError for a bad port)."""
    domain, sep, port = entry.strip().lower().lstrip(".").rpartition(":")
    if not sep:
        return port.rstrip("."), None
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{entry!r}: port must be a number 1-65535")
    return domain.rstrip("."), int(port)


def _host_matches(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def source_scope(allowed_domains: tuple[str, ...], own_urls: tuple[str, ...]) -> tuple[str, ...]:
    """The entries ``host_allowed`` checks for one source: scheme, host and port all count.

    An entry that names a port (``host:port``) allows exactly that port. One without a port allows
    the ports of the source's own URLs (feeds, sitemaps, start URLs) on that domain, and the
    standard web ports (80, 443) when those URLs use them or none is on the domain: a source
    served on 127.0.0.1:8001 never reaches 127.0.0.1:8002, a public outlet keeps http and https.
    """
    out: dict[str, None] = {}
    for entry in allowed_domains:
        domain, port = split_entry(entry)
        if port is not None:
            out[f"{domain}:{port}"] = None
            continue
        ports = {
            origin[2]
            for origin in map(_effective_port, own_urls)
            if origin is not None and _host_matches(origin[1], domain)
        }
        if not ports or ports & {80, 443}:
            out[domain] = None
        for p in sorted(ports - {80, 443}):
            out[f"{domain}:{p}"] = None
    return tuple(out)


def host_allowed(url: str, allowed_domains: tuple[str, ...] | list[str]) -> bool:
    """True when the URL is http(s) on one of the domains (or a subdomain) and an allowed port.

    An entry ``host:port`` allows that port only; a bare ``host`` the standard ports 80 and 443
    (``source_scope`` turns a source's ``allowed_domains`` into these entries).
    """
    origin = _effective_port(url)
    if origin is None:
        return False
    _, host, port = origin
    for entry in allowed_domains:
        try:
            domain, entry_port = split_entry(entry)
        except ValueError:
            continue
        if not _host_matches(host, domain):
            continue
        if (port in (80, 443)) if entry_port is None else (port == entry_port):
            return True
    return False


def same_origin(url: str, first: str) -> bool:
    """A redirect stays on the first URL's host and port (http -> https on the same host counts)."""
    a, b = _effective_port(url), _effective_port(first)
    if a is None or b is None or a[1] != b[1]:
        return False
    return a[2] == b[2] or {a[2], b[2]} <= {80, 443}
