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


def host_allowed(url: str, allowed_domains: tuple[str, ...] | list[str]) -> bool:
    """True when the URL's host is one of the domains or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    for domain in allowed_domains:
        domain = domain.lower().lstrip(".")
        if host == domain or host.endswith("." + domain):
            return True
    return False
