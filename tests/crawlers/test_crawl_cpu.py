"""The crawl's CPU savings must not change what it computes: the reused trafilatura options are
the ones trafilatura would build for the call, and the tuned collector still collects."""

from __future__ import annotations

import gc

import pytest
from lxml import html as lxml_html
from trafilatura.settings import Extractor

from crawlers.extraction.body import _trafilatura, extractor_options
from crawlers.extraction.rules import load_rules
from crawlers.run import tune_gc

PAGE = """<html><head><title>Harbour pilots vote on new contract</title></head><body>
<nav><a href="/">Home</a> <a href="/ports">Ports</a></nav>
<article><h1>Harbour pilots vote on new contract</h1>
<p>Harbour pilots at the northern terminals began voting on Tuesday on a four-year contract
that their negotiating committee reached with the port authority after nine weeks of talks.</p>
<p>The agreement raises base pay by eleven percent over its term and adds a second rest day
after night shifts, according to a summary the committee sent to members.</p>
<p>Results are expected on Friday. <a href="/ports/pilots-timeline">Read the timeline</a>.</p>
</article><footer>Contact the newsroom</footer></body></html>"""


@pytest.mark.parametrize(("fast", "favor_recall"), [(True, False), (False, False), (False, True)])
def test_reused_options_equal_what_bare_extraction_builds(fast, favor_recall):
    url = "https://news.example/ports/pilots-vote"
    built = Extractor(
        output_format="python", fast=fast, recall=favor_recall, comments=False, links=True,
        tables=True, url=url,
    )  # fmt: skip
    reused = extractor_options(url, fast=fast, favor_recall=favor_recall)
    assert {k: getattr(reused, k) for k in Extractor.__slots__} == {
        k: getattr(built, k) for k in Extractor.__slots__
    }


def test_each_call_gets_its_own_url():
    first = extractor_options("https://a.example/one", fast=True)
    second = extractor_options("https://b.example/two", fast=True)
    assert (first.url, second.url) == ("https://a.example/one", "https://b.example/two")
    assert extractor_options(None, fast=True).source is None


def test_body_blocks_are_those_of_trafilatura_own_options():
    import trafilatura

    from crawlers.extraction.blocks import element_blocks

    url = "https://news.example/ports/pilots-vote"
    rules = load_rules(None, host="news.example")
    for kwargs in ({"fast": True}, {}, {"favor_recall": True}):
        own = trafilatura.bare_extraction(
            lxml_html.document_fromstring(PAGE), url=url, include_comments=False,
            include_links=True, include_tables=True, **kwargs,
        )  # fmt: skip
        ours = _trafilatura(lxml_html.document_fromstring(PAGE), url, rules, **kwargs)
        assert [b.text for b in ours] == [b.text for b in element_blocks(own.body)]
        assert any("eleven percent" in b.text for b in ours)


def test_tuned_gc_still_collects_cycles():
    before = gc.get_threshold()
    try:
        tune_gc(50_000)
        assert gc.get_threshold()[0] == 50_000

        class Node:
            pass

        for _ in range(60_000):  # cycles only the collector can free
            a, b = Node(), Node()
            a.other, b.other = b, a
        del a, b
        assert sum(type(o) is Node for o in gc.get_objects()) < 60_000 * 2
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_zero_keeps_python_default():
    before = gc.get_threshold()
    tune_gc(0)
    assert gc.get_threshold() == before
