"""Post-cleaning of extracted blocks: what extractors keep but a reader would not call the article.

Three places go wrong in practice: the top (headline, standfirst, byline repeated as text), the
bottom (credits, newsletter prompts, "related" lists) and teaser lines in between. Interior
headings stay: they are often part of the story's structure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from crawlers.extraction.blocks import Block
from crawlers.extraction.rules import Rules

_NON_WORD = re.compile(r"\W+")


def _norm(text: str | None) -> str:
    return _NON_WORD.sub(" ", text or "").strip().lower()


def _is_title(text: str, titles: set[str]) -> bool:
    norm = _norm(text)
    if not norm:
        return True
    for title in titles:
        if norm == title:
            return True
        if len(norm) >= 15 and norm in title:
            return True
        if title in norm and len(norm) <= len(title) + 30:
            return True
    return False


def _match(pattern: re.Pattern[str] | None, text: str) -> bool:
    return bool(pattern is not None and pattern.match(text))


def clean_blocks(
    blocks: list[Block],
    titles: Iterable[str | None],
    rules: Rules,
    own_urls: Iterable[str | None] = (),
) -> list[Block]:
    """Drop page furniture around and inside the article, keeping document order.

    ``own_urls`` are the page's own addresses (its URL, canonical and og:url): a line that is
    nothing but one of them is a print view's or share box's caption, while other bare URLs
    (references, shop links) are part of the text.
    """
    title_set = {_norm(t) for t in titles if t and len(_norm(t)) >= 8}
    urls = {u.strip().rstrip("/") for u in own_urls if u}
    kept = [
        b
        for b in blocks
        if not _match(rules.drop, b.text)
        and not (b.kind == "item" and b.link_ratio >= rules.max_link_ratio_item)
        and b.text.rstrip("/") not in urls
    ]
    start = 0
    while start < len(kept):
        block = kept[start]
        if (
            block.kind == "head"
            or _is_title(block.text, title_set)
            or _match(rules.lead, block.text)
        ):
            start += 1
        else:
            break
    end = len(kept)
    window = max(0, end - rules.tail_window)
    while end > start:
        block = kept[end - 1]
        if block.kind == "head" or block.link_ratio >= rules.max_link_ratio_item:
            end -= 1
        elif end - 1 >= window and (
            _match(rules.tail, block.text) or _norm(block.text) in title_set
        ):  # the headline again below the story: a share box's or print view's caption
            end -= 1
        else:
            break
    # rules that leave nothing have misfired on an unusual page: some text beats none
    return kept[start:end] or [b for b in blocks if b.kind != "head"] or blocks
