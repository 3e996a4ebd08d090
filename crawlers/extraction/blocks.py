"""Trafilatura's result tree as a flat list of text blocks with the features cleaning needs.

Plain-text output loses what tells body from boilerplate: whether a line was a heading, a list item
or nothing but a link. The tree keeps it, so the body is rebuilt here from typed blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

_CONTAINERS = {"body", "main", "div", "quote", "list", "table", "figure"}
_NESTED = {"list", "p", "head", "quote", "table"}
_SKIP = {"graphic", "comments", "note"}
_KINDS = {"item": "item", "head": "head", "code": "code"}


@dataclass
class Block:
    """One paragraph-level unit: ``kind`` is p, head, item, cell or code."""

    kind: str
    text: str
    link_chars: int = 0

    @property
    def link_ratio(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0


def _norm(text: str) -> str:
    return " ".join(text.split())


class _Builder:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._parts: list[str] = []
        self._links = 0

    def _add(self, text: str | None, in_link: bool) -> None:
        if text:
            self._parts.append(text)
            if in_link:
                self._links += len(_norm(text))

    def _flush(self, kind: str) -> None:
        text = _norm("".join(self._parts))
        if text:
            self.blocks.append(Block(kind, text, min(self._links, len(text))))
        self._parts, self._links = [], 0

    def _inline(self, node: etree._Element, kind: str, in_link: bool) -> None:
        self._add(node.text, in_link)
        for child in node:
            if child.tag == "lb":  # a hard line break ends the paragraph, as in the txt output
                self._flush(kind)
            elif child.tag in _NESTED:
                self._flush(kind)
                self.node(child)
            elif child.tag not in _SKIP:
                self._inline(child, kind, in_link or child.tag == "ref")
            self._add(child.tail, in_link)

    def node(self, elem: etree._Element) -> None:
        tag = elem.tag
        if not isinstance(tag, str) or tag in _SKIP:
            return
        if tag == "row":
            cells = [_norm("".join(c.itertext())) for c in elem if c.tag == "cell"]
            text = " | ".join(c for c in cells if c)
            if text:
                self.blocks.append(Block("cell", text))
        elif tag in _CONTAINERS:
            self._add(elem.text, False)
            self._flush("p")
            for child in elem:
                self.node(child)
                self._add(child.tail, False)
                self._flush("p")
        else:
            kind = _KINDS.get(tag, "p")
            self._inline(elem, kind, tag == "ref")
            self._flush(kind)


def element_blocks(body: etree._Element | None) -> list[Block]:
    """Blocks of a trafilatura result tree (``Document.body``), in document order."""
    if body is None:
        return []
    builder = _Builder()
    builder.node(body)
    return builder.blocks
