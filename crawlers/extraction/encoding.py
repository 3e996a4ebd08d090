"""Turning fetched bytes into text.

Pages lie about their encoding or say nothing; a mis-decoded page corrupts every quote in the
body, so the order is the browser's: BOM, HTTP header, <meta charset>, strict UTF-8, and only then
a guess (Windows-1252 for the Western pages that make up trade press, a detector for the rest).
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Detectors often mistake one Cyrillic codepage for another; Windows-1251 is what the web uses.
_CYRILLIC = {"cp1251", "mac-cyrillic", "koi8-r", "koi8-u", "iso8859-5", "cp866"}


def _codec(name: str | None) -> str | None:
    """Python codec name for a label (WHATWG aliases: iso-8859-1 means Windows-1252)."""
    if not name:
        return None
    resolved = resolve_encoding(name)
    if not resolved:
        return None
    try:
        return codecs.lookup(resolved).name
    except LookupError:
        return None


def _non_latin_share(text: str) -> float:
    """Share of non-ASCII letters that are not Latin (accents are Latin; Cyrillic, CJK are not)."""
    letters = [ch for ch in text if ord(ch) > 127 and ch.isalpha()]
    if not letters:
        return 0.0
    latin = sum(1 for ch in letters if unicodedata.name(ch, "").startswith("LATIN"))
    return 1 - latin / len(letters)


def _guess(raw: bytes) -> str:
    """Charset for undeclared, non-UTF-8 bytes.

    Detectors are unreliable on short Western pages (they answer cp1250, cp1257, mac_roman...),
    so their guess is only taken when it yields a non-Latin script; otherwise Windows-1252, the
    WHATWG default and a superset of Latin-1, decodes the page.
    """
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(raw[:65536]).best()
    except Exception:  # noqa: BLE001 - a detector failure must not lose the page
        best = None
    name = _codec(best.encoding) if best is not None else None
    if name is None:
        return "cp1252"
    if name in _CYRILLIC:
        try:
            raw.decode("cp1251")
            name = "cp1251"
        except UnicodeDecodeError:
            pass
    sample = raw[:65536].decode(name, errors="replace")
    return name if _non_latin_share(sample) >= 0.5 else "cp1252"


def decode_html(raw: bytes | str, content_type: str | None = None) -> str:
    """Decode page bytes; never raises (undecodable bytes become U+FFFD, control bytes go)."""
    text = raw if isinstance(raw, str) else _decode(raw, content_type)
    return _CONTROL.sub("", text)


def _decode(raw: bytes, content_type: str | None) -> str:
    bom, bom_bytes = read_bom(raw)
    if bom and bom_bytes:
        return raw[len(bom_bytes) :].decode(_codec(bom) or "utf-8", errors="replace")
    declared = _codec(http_content_type_encoding(content_type)) if content_type else None
    if declared is None:
        try:
            declared = _codec(html_body_declared_encoding(raw))
        except Exception:  # noqa: BLE001
            declared = None
    if declared is not None:
        if declared in ("utf-8", "ascii"):
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                pass  # pages declaring UTF-8 but sending cp1252 are common: fall through
        else:
            return raw.decode(declared, errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return raw.decode(_guess(raw), errors="replace")
