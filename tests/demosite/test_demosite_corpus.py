"""The written corpus and storyline: enough story to demo, and metadata that does not lie."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from demosite import load_corpus, load_storyline
from demosite.corpus import ARTICLES_DIR, parse_article, validate
from demosite.outlets import load_outlets
from kernel.errors import ConfigError
from kernel.watchlist import load_watchlist

STORY = ("sag_aftra_tv_2026", "wga_2026", "dga_2026")


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_corpus_covers_three_negotiations_over_ten_weeks(corpus) -> None:
    watched = [a for a in corpus if a.negotiation]
    assert len(watched) >= 66
    assert set(Counter(a.negotiation for a in watched)) == set(STORY)
    assert len({a.outlet for a in corpus}) >= 3
    days = [a.published for a in corpus]
    assert min(days) >= dt.date(2026, 4, 6) and max(days) <= dt.date(2026, 7, 31)
    assert (max(days) - min(days)).days >= 70
    off_topic = [a for a in corpus if a.negotiation is None]
    assert 4 <= len(off_topic) <= 10


def test_articles_read_like_trade_press(corpus) -> None:
    for a in corpus:
        text = " ".join(a.paragraphs)
        sentences = text.count(". ") + text.count('." ') + 1
        assert 6 <= sentences <= 20, a.id
        assert len(a.paragraphs) >= 4, a.id
    quoted = [a for a in corpus if a.negotiation and '"' in " ".join(a.paragraphs)]
    assert len(quoted) >= 50


def test_front_matter_is_consistent(corpus) -> None:
    validate(corpus, [o.name for o in load_outlets()])  # raises on any bad reference
    ids = {a.id: a for a in corpus}
    watch = {n.id for n in load_watchlist()}
    assert all(a.negotiation is None or a.negotiation in watch for a in corpus)
    copies = [a for a in corpus if a.syndicated_from]
    assert len(copies) == 2
    for copy in copies:
        original = ids[copy.syndicated_from]
        assert original.outlet != copy.outlet and original.title != copy.title
        assert original.paragraphs[0] != copy.paragraphs[0]
        assert original.paragraphs[1:] == copy.paragraphs[1:] or (
            sum(p in original.paragraphs for p in copy.paragraphs) >= len(copy.paragraphs) - 2
        )
    tracked = [a for a in corpus if a.url_variants]
    assert len(tracked) == 1 and len(tracked[0].url_variants) == 2


def test_storyline_points_land_on_articles(corpus) -> None:
    story = load_storyline()
    assert set(story) == set(STORY)
    kinds = {p["kind"] for points in story.values() for p in points}
    assert kinds == {
        "tone_down",
        "tone_up",
        "breakdown",
        "agreement",
        "strike_action",
        "resumption",
    }
    published = {(a.negotiation, a.published) for a in corpus}
    for nid, points in story.items():
        for p in points:
            assert (nid, p["date"]) in published, (nid, p)


def test_bad_front_matter_names_the_file(tmp_path) -> None:
    with pytest.raises(ConfigError, match="broken.md.*published"):
        parse_article(
            "---\nid: x\noutlet: marquee\npublished: soon\ntitle: T\nauthor: A\nslug: s\n---\n\nBody.\n",
            "broken.md",
        )
    with pytest.raises(ConfigError, match="front matter lacks slug"):
        parse_article(
            "---\nid: x\noutlet: marquee\npublished: 2026-04-06\ntitle: T\nauthor: A\n---\n\nBody.\n",
            "x.md",
        )
    (tmp_path / "a.md").write_text(
        "---\nid: a\noutlet: marquee\npublished: 2026-04-06\ntitle: T\nauthor: A\nslug: s\n"
        "negotiation: wga_2099\n---\n\nBody.\n"
    )
    with pytest.raises(ConfigError, match="unknown negotiation 'wga_2099'"):
        validate(load_corpus(tmp_path), ["marquee"])
    assert ARTICLES_DIR.is_dir()
