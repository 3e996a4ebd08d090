"""The article body: trafilatura's main-text tree, cleaned, with fallbacks.

Trafilatura is the best general extractor on the benchmark data, but it keeps headlines,
standfirsts, credits and teaser lines, and now and then returns nothing. So its result is rebuilt
from typed blocks and cleaned (``clean``); when it fails, a recall-oriented second pass and the
publisher's own JSON-LD ``articleBody`` step in. JSON-LD also wins when it is clearly more complete
and really is the page's text (sites sometimes put a teaser or another article there).
"""

from __future__ import annotations

import copy
import html as html_lib
import re
from collections.abc import Iterable
from typing import Any

import trafilatura
from lxml import html as lxml_html
from trafilatura.settings import Extractor

from crawlers.extraction.blocks import Block, element_blocks
from crawlers.extraction.clean import clean_blocks
from crawlers.extraction.rules import Rules

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?。！？]")
_TAG = re.compile(r"<[^>]{0,500}>")
_VISIBLE_TEXT = (
    "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"
)


def paragraphs(text: str | None) -> str | None:
    """One paragraph per non-empty line, separated by a blank line (the ArticleRecord format)."""
    if not text:
        return None
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n\n".join(line for line in lines if line) or None


def _shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


# One trafilatura option set per mode (fast / full / recall), built once per process: building it
# for every call re-reads eight values from trafilatura's configparser, about 4% of a page's
# extraction. Each call gets a shallow copy carrying its own URL, so a call never sees another's.
_OPTION_TEMPLATES: dict[tuple[bool, bool], Extractor] = {}


def extractor_options(url: str | None, fast: bool = False, favor_recall: bool = False) -> Extractor:
    """What ``trafilatura.bare_extraction(url=url, include_comments=False, include_links=True,
    include_tables=True, fast=fast, favor_recall=favor_recall)`` would build for itself."""
    template = _OPTION_TEMPLATES.get((fast, favor_recall))
    if template is None:
        template = _OPTION_TEMPLATES[(fast, favor_recall)] = Extractor(
            output_format="python",  # bare_extraction's own default
            fast=fast,
            recall=favor_recall,
            comments=False,
            links=True,  # link density tells "related" lists from body text
            tables=True,
        )
    options = copy.copy(template)
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return options


def _trafilatura(
    tree: lxml_html.HtmlElement,
    url: str | None,
    rules: Rules,
    fast: bool = False,
    favor_recall: bool = False,
) -> list[Block]:
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        prune_xpath=list(rules.prune_xpath) or None,
        options=extractor_options(url, fast=fast, favor_recall=favor_recall),
    )
    return element_blocks(getattr(doc, "body", None)) if doc is not None else []


def jsonld_body(jsonld: list[dict[str, Any]]) -> str | None:
    """The first non-empty JSON-LD ``articleBody``, as paragraphs, HTML removed."""
    for obj in jsonld:
        value = obj.get("articleBody")
        if isinstance(value, list):
            value = "\n".join(v for v in value if isinstance(v, str))
        if isinstance(value, str) and value.strip():
            if "<" in value:
                value = _TAG.sub("\n", re.sub(r"(?i)<br\s*/?>", "\n", value))
            return paragraphs(html_lib.unescape(value))
    return None


def _page_overlap(candidate: str, tree: lxml_html.HtmlElement) -> float:
    """Share of the candidate's word 4-grams that are visible on the page."""
    page = " ".join(tree.xpath(_VISIBLE_TEXT))
    wanted = _shingles(candidate)
    return len(wanted & _shingles(page)) / len(wanted) if wanted else 0.0


def _looks_like_navigation(text: str) -> bool:
    """A long run of words with almost no sentence ends is a menu or tag cloud, not prose."""
    words = len(text.split())
    return words > 60 and len(_SENTENCE_END.findall(text)) * 40 < words


def join_split_bodies(tree: lxml_html.HtmlElement, pattern: re.Pattern[str] | None) -> int:
    """Move the chunks of an article body that the page splits around ads into its first chunk.

    Some CMSs cut the body into sibling containers of one class (``article__body``, then an ad
    row, then another ``article__body``); extractors take the first container for the whole
    story and lose the rest. Containers of one body-like class (``pattern``, matched on the class
    attribute) holding paragraphs are joined, unless a body-like container already holds them
    all. The tree is changed in place (text and order are kept); returns how many chunks moved.
    """
    if pattern is None:
        return 0
    groups: dict[str, list[lxml_html.HtmlElement]] = {}
    for el in tree.iter("div", "section", "article"):
        cls = el.get("class")
        if cls:
            groups.setdefault(cls, []).append(el)
    moved = 0
    for cls, els in groups.items():
        if len(els) < 2 or not pattern.search(cls):
            continue
        members = set(els)
        chunks = [
            e
            for e in els
            if not any(a in members for a in e.iterancestors())
            and sum(len(p.text_content()) for p in e.iter("p")) >= 150
        ]
        if len(chunks) < 2 or _held_together(chunks, pattern):
            continue
        for other in chunks[1:]:
            chunks[0].extend(list(other))
            moved += 1
    return moved


def _held_together(chunks: list[lxml_html.HtmlElement], pattern: re.Pattern[str]) -> bool:
    """Whether the chunks' closest common ancestor is itself a body-like container."""
    common = set(chunks[0].iterancestors())
    for other in chunks[1:]:
        common &= set(other.iterancestors())
    closest = next((a for a in chunks[0].iterancestors() if a in common), None)
    return closest is not None and bool(pattern.search(closest.get("class") or ""))


def _navigation_share(blocks: list[Block]) -> float:
    """Share of the body's words in blocks that read like a menu or tag cloud."""
    words = [len(b.text.split()) for b in blocks]
    total = sum(words)
    nav = sum(n for n, b in zip(words, blocks, strict=True) if _looks_like_navigation(b.text))
    return nav / total if total else 0.0


def _join(blocks: list[Block]) -> str | None:
    return "\n\n".join(b.text for b in blocks) or None


def extract_body(
    tree: lxml_html.HtmlElement,
    url: str | None,
    jsonld: list[dict[str, Any]],
    titles: Iterable[str | None],
    rules: Rules,
    own_urls: Iterable[str | None] = (),
) -> str | None:
    """Cleaned body text, or None when no extractor finds an article.

    ``own_urls`` (the page's URL, canonical and og:url) are dropped where a line repeats them.

    Trafilatura's fast mode is tried first: it is twice as quick, and on the benchmark its
    readability/justext comparison more often swaps a right answer for a wrong one than the other
    way round. Its answer is only distrusted when it is short or is mostly navigation (one long
    unpunctuated paragraph in a story is a quote or a list of names, and re-running the full
    comparison, four times the cost, for it changed no body on the benchmark pages).
    """
    titles = list(titles)
    own_urls = [url, *own_urls]
    join_split_bodies(tree, rules.split_body)
    blocks = clean_blocks(_trafilatura(tree, url, rules, fast=True), titles, rules, own_urls)
    body = _join(blocks)
    if (
        body is None
        or len(body) < rules.fast_min_chars
        or _navigation_share(blocks) >= rules.fast_max_navigation_share
    ):
        full = _join(clean_blocks(_trafilatura(tree, url, rules), titles, rules, own_urls))
        if full:
            body = full
    if body is None or len(body) < rules.min_body_chars:
        wider = _join(
            clean_blocks(_trafilatura(tree, url, rules, favor_recall=True), titles, rules, own_urls)
        )
        if wider and len(wider) > len(body or ""):
            body = wider
    structured = jsonld_body(jsonld)
    if structured and len(structured) >= rules.jsonld_min_gain * len(body or ""):
        body = choose_body(body, structured, _page_overlap(structured, tree), rules)
    if body is None or len(_WORD.findall(body)) < rules.min_body_words:
        return None
    return body


def choose_body(
    extracted: str | None, structured: str | None, overlap: float, rules: Rules
) -> str | None:
    """Prefer JSON-LD ``articleBody`` only when it is clearly more complete and really on the page."""
    if not structured:
        return extracted
    longer = len(structured) >= rules.jsonld_min_gain * len(extracted or "")
    return structured if longer and overlap >= rules.jsonld_min_page_overlap else extracted
