"""Turning fetched bytes into text, and telling text from binary.

Pages lie about their encoding or say nothing; a mis-decoded page corrupts every quote in the
body, so the order is the browser's: BOM, HTTP header, <meta charset>, strict UTF-8, and only then
a guess (Windows-1252 for the Western pages that make up trade press, a detector for the rest).
A declared charset is only believed when the bytes decode to plausible text under it (a UTF-8
page sent as ``charset=utf-16`` decodes to CJK without a single ``<``): otherwise the next
evidence decides.

Servers also label PDFs, images, archives and random bytes ``text/html``; ``looks_binary`` sniffs
the bytes themselves (magic numbers, control bytes) so such a body is never "extracted".
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
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
#: the bytes of _CONTROL's characters, for bytes.translate's delete argument
_CONTROL_DELETE = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])

# File signatures of what is never a web page (leading whitespace is not skipped: they are first).
MAGIC = (
    b"%PDF-",
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"GIF87a",
    b"GIF89a",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\x7fELF",
    b"\x00asm",
    b"OggS",
    b"ID3",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # MS Office (OLE)
    b"\x00\x00\x01\x00",  # .ico
    b"wOFF",
    b"wOF2",
)
_SNIFF_BYTES = 8192
# Text in any charset (UTF-16 aside) has next to no C0 control bytes; random bytes have ~11%.
MAX_CONTROL_SHARE = 0.02

# Codecs in which ASCII markup is not ASCII bytes: a page really in one of them decodes to text
# with "<" in it.
_WIDE = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")

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


def _control_share(data: bytes) -> float:
    return len(_CONTROL_BYTES.findall(data)) / len(data) if data else 0.0


def _utf16_text(sample: bytes) -> bool:
    """Bytes that are UTF-16 text without a BOM: NULs on one side of each pair, clean decoding."""
    even, odd = sample[0::2], sample[1::2]
    for codec, zeros in (("utf-16-le", odd), ("utf-16-be", even)):
        if zeros.count(0) >= 0.3 * len(zeros):
            text = sample[: len(sample) // 2 * 2].decode(codec, errors="replace")
            if text.count("\ufffd") <= 2 and not _CONTROL.search(text):
                return True
    return False


def looks_binary(raw: bytes) -> bool:
    """True for bodies that are not text whatever their Content-Type says (PDF, images, archives,
    random bytes): a file signature, or too many control bytes for any text encoding."""
    if not raw:
        return False
    if raw.startswith(MAGIC):
        return True
    bom, _ = read_bom(raw)
    if bom:
        return False
    sample = raw[:_SNIFF_BYTES]
    if _control_share(sample) <= MAX_CONTROL_SHARE:
        return False
    return not _utf16_text(sample)


def _plausible(text: str, raw: bytes, codec: str) -> bool:
    """Whether ``text`` (``raw`` decoded with a declared ``codec``) reads as a page at all."""
    sample = text[:20000]
    if not sample:
        return True
    if sample.count("\ufffd") > 0.01 * len(sample):
        return False
    if codec in _WIDE and b"<" in raw[:_SNIFF_BYTES] and "<" not in sample:
        return False  # ASCII markup read as wide characters: the declaration is wrong
    return True


def decode_html(raw: bytes | str, content_type: str | None = None) -> str:
    """Decode page bytes; never raises (undecodable bytes become U+FFFD, control bytes go)."""
    if isinstance(raw, str):
        return _CONTROL.sub("", raw)
    text, codec = _decode(raw, content_type)
    # in UTF-8 a control character is exactly a control byte, and counting bytes costs a tenth
    # of scanning the text: most pages have none, and then there is nothing to remove
    if codec == "utf-8" and len(raw.translate(None, _CONTROL_DELETE)) == len(raw):
        return text
    return _CONTROL.sub("", text)


def _decode(raw: bytes, content_type: str | None) -> tuple[str, str]:
    """(text, codec used)."""
    bom, bom_bytes = read_bom(raw)
    if bom and bom_bytes:
        codec = _codec(bom) or "utf-8"
        return raw[len(bom_bytes) :].decode(codec, errors="replace"), codec
    declared = [_codec(http_content_type_encoding(content_type)) if content_type else None]
    try:
        declared.append(_codec(html_body_declared_encoding(raw)))
    except Exception:  # noqa: BLE001
        pass
    candidates = [c for c in declared if c is not None]
    if "utf-16" in candidates:  # no BOM: WHATWG reads little-endian, some servers send big
        candidates.insert(candidates.index("utf-16") + 1, "utf-16-be")
    for codec in dict.fromkeys(candidates):
        if codec in ("utf-8", "ascii"):
            try:
                return raw.decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                continue  # pages declaring UTF-8 but sending cp1252 are common: next evidence
        text = raw.decode(codec, errors="replace")
        if _plausible(text, raw, codec):
            return text, codec
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    codec = _guess(raw)
    return raw.decode(codec, errors="replace"), codec
