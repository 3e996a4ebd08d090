"""Syndication: a wire story republished with a rewritten headline and lede is a duplicate of the
kept copy (the earliest published, whatever the arrival order), within one crawl and against the
warehouse; articles that only share boilerplate with it are not."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from crawlers.fingerprints import PassageIndex, hamming, passages, simhash
from crawlers.run import crawl
from crawlers.state import load_passage_history, load_state
from kernel.errors import TablewatchError
from tests.support.crawl import FAST, records, warehouse_with_articles
from tests.support.site import FixtureSite, article_html, rss
from warehouse.load import load_run

WIRE = [
    "The federal mediator said both sides would return to the bargaining table next week.",
    "Negotiators for the union and the studios have not met since the talks broke down over "
    "streaming residuals and protections against artificial intelligence.",
    "A person familiar with the talks said the studios were preparing a revised offer on health "
    "plan funding that could close one of the remaining gaps.",
    '"We are ready to work through the weekend if that is what it takes," the union\'s chief '
    "negotiator said in a statement to members on Wednesday evening.",
    "The studios' bargaining group declined to comment on the timing of the new proposal but "
    "said it remained committed to reaching a fair agreement.",
    "Production on dozens of television series has been halted since the strike began, and "
    "analysts estimate the shutdown has cost the regional economy several billion dollars.",
    "Both sides agreed to a media blackout during the mediated sessions.",
]
BOILERPLATE = "The union represents 160,000 performers."
ORIGINAL_LEDE = (
    "LOS ANGELES (Coastal Wire) - SAG-AFTRA and the studios agreed on Tuesday to resume contract "
    "talks under a federal mediator, ending a three-week pause in the actors' strike."
)
COPY_LEDE = (
    "LOS ANGELES (Coastal Wire) - Striking SAG-AFTRA members could see their union back in talks "
    "soon: the studios have accepted a mediator's call to restart bargaining, the union said."
)
OTHER_STORY = [
    "SAG-AFTRA members marched outside three studio lots on Tuesday, the twentieth day of the "
    "actors' strike, as temperatures in the valley climbed past ninety degrees.",
    "Picket captains handed out water and sunscreen while organizers counted more than two "
    "thousand people at the largest gate, according to the union's own tally.",
    "Several well-known performers joined the lines in the afternoon and spoke to reporters "
    "about the cost of the strike for crew members who are not covered by the union's fund.",
    "Organizers said the marches would continue every weekday until the talks resume.",
    BOILERPLATE,
]


def original() -> list[str]:
    return [ORIGINAL_LEDE, " ".join(WIRE[:2]), *WIRE[2:], BOILERPLATE]


def syndicated_copy() -> list[str]:
    """Rewritten lede and different paragraph breaks, wire text otherwise unchanged."""
    return [COPY_LEDE, WIRE[0], " ".join(WIRE[1:4]), " ".join(WIRE[4:]), BOILERPLATE]


def _body(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def test_passages_match_a_copy_with_a_rewritten_lede_but_not_shared_boilerplate():
    index = PassageIndex()
    index.add("orig", passages(_body(original())))
    found = index.find(passages(_body(syndicated_copy())))
    assert found is not None and found[0] == "orig" and found[1] >= 0.7
    assert index.find(passages(_body(OTHER_STORY))) is None
    # the rewritten lede is why simhash alone misses such copies of short articles
    assert hamming(simhash(_body(original())), simhash(_body(syndicated_copy()))) > 6


def test_passages_ignore_a_short_shared_quote_and_reordered_sentences():
    index = PassageIndex()
    index.add("orig", passages(_body(original())))
    quoting = [OTHER_STORY[0], WIRE[3], *OTHER_STORY[1:]]
    shuffled = [ORIGINAL_LEDE, WIRE[6], WIRE[2], WIRE[5], WIRE[0], WIRE[4], WIRE[1], WIRE[3]]
    assert index.find(passages(_body(quoting))) is None
    assert index.find(passages(_body(shuffled))) is None


def _record(aid: str, status: str, body: str | None, day: str, published: str, **kw) -> dict:
    url = f"http://wire.example/{aid}"
    return {
        "article_id": aid, "url": url, "canonical_url": url, "source": "fixture",
        "status": status, "reason": None, "duplicate_of": kw.get("duplicate_of"),
        "title": aid, "authors": [], "published": published, "published_source": "meta",
        "modified": None, "language": "en", "body": body, "body_hash": f"h-{aid}",
        "simhash": None, "negotiations": [], "raw_path": None, "http_status": 200,
        "fetched_at": f"{day}T10:00:00Z", "crawl_day": day,
    }  # fmt: skip


def _load(db: Path, root: Path, day: str, recs: list[dict]) -> None:
    run_dir = root / "runs" / day
    run_dir.mkdir(parents=True)
    lines = "".join(json.dumps(r) + "\n" for r in recs)
    (run_dir / "articles.jsonl").write_text(lines, encoding="utf-8")
    load_run(db, run_dir)


def test_history_holds_recent_kept_bodies_only(tmp_path):
    db = tmp_path / "tw.duckdb"
    body = _body(original())
    _load(db, tmp_path, "2023-06-01", [_record("old0000000000001", "relevant", body, "2023-06-01", "2023-06-01")])  # fmt: skip
    _load(
        db,
        tmp_path,
        "2023-07-20",
        [
            _record("kept000000000001", "relevant", body, "2023-07-20", "2023-07-19"),
            _record("skip000000000001", "skipped", _body(OTHER_STORY), "2023-07-20", "2023-07-19"),
            _record("fail000000000001", "failed", body, "2023-07-20", "2023-07-19"),
        ],
    )
    copy = passages(_body(syndicated_copy()))

    index = load_passage_history(db, "2023-07-22", days=30)
    assert len(index) == 2  # kept and skipped bodies; the failed page and the old one are out
    assert index.find(copy)[0] == "kept000000000001"
    assert len(load_passage_history(db, "2023-07-22", days=30, max_articles=1)) == 1
    assert len(load_passage_history(db, "2023-07-20", days=30)) == 0  # the day being rerun
    assert len(load_passage_history(db, "2023-12-01", days=30)) == 0
    assert len(load_passage_history(tmp_path / "missing.duckdb", "2023-07-22")) == 0


def test_state_follows_duplicate_chains_to_the_kept_article(tmp_path):
    db = tmp_path / "tw.duckdb"
    con = warehouse_with_articles(
        db,
        """
        ('a1', 'http://x/1', 'http://x/1', 'relevant', null, 'h1', null, '2024-01-01'),
        ('a2', 'http://x/2', 'http://x/2', 'duplicate', 'a1', 'h1', null, '2024-01-01'),
        ('a3', 'http://x/3', 'http://x/3', 'duplicate', 'a2', null, null, '2024-01-01'),
        ('c1', 'http://x/c1', 'http://x/c1', 'duplicate', 'c2', null, null, '2024-01-01'),
        ('c2', 'http://x/c2', 'http://x/c2', 'duplicate', 'c1', null, null, '2024-01-01')""",
    )
    con.close()
    urls = load_state(db, "2024-01-02").urls
    assert urls["http://x/3"] == "a1" and urls["http://x/2"] == "a1"
    assert {urls["http://x/c1"], urls["http://x/c2"]} <= {"c1", "c2"}  # a cycle ends, no hang


@pytest.fixture()
def wire_site(tmp_path):
    with FixtureSite() as s:
        s.page("/news/talks-to-resume", article_html("Talks to resume", original()))
        s.page("/wire/mediator-call", article_html("Actors' talks back on", syndicated_copy()))
        s.page("/news/picket-heat", article_html("Pickets brave the heat", OTHER_STORY))
        yield s


def _sources(site: FixtureSite, tmp_path: Path, paths: list[str], name: str) -> Path:
    site.page(f"/{name}.xml", rss([(site.base_url + p, None) for p in paths]), "application/xml")
    return site.write_sources(tmp_path / f"{name}.yaml", feeds=[f"/{name}.xml"])


def _by_url_path(run_dir: Path) -> dict[str, dict]:
    return {r["url"].split("/", 3)[3]: r for r in records(run_dir)}


def test_syndicated_copy_in_the_same_crawl_points_at_the_kept_copy(wire_site, tmp_path):
    paths = ["/news/talks-to-resume", "/wire/mediator-call", "/news/picket-heat"]
    sources = _sources(wire_site, tmp_path, paths, "all")
    run_dir = tmp_path / "runs/2023-07-21"

    result = crawl(sources, run_dir, tmp_path / "raw", None, "2023-07-21", settings=FAST)

    recs = _by_url_path(run_dir)
    kept, dup = recs["news/talks-to-resume"], recs["wire/mediator-call"]
    # published the same day by the same outlet: the URL decides, not the arrival order
    assert result.duplicate == 1 and dup["status"] == "duplicate"
    assert kept["status"] == "relevant" and dup["duplicate_of"] == kept["article_id"]
    assert recs["news/picket-heat"]["status"] == "relevant"  # shares only the closing line


THIRD_LEDE = (
    "Hollywood's actors and studios are heading back to the bargaining table, the two sides said "
    "on Tuesday, after agreeing to let a federal mediator run the next round of contract talks."
)


def _slow(html: str, seconds: float) -> object:
    """Serve ``html`` after ``seconds``: under concurrency this page arrives last."""
    body = html.encode("utf-8")

    def handler(req: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        req.send_response(200)
        req.send_header("Content-Type", "text/html; charset=utf-8")
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    return handler


@pytest.fixture()
def three_copies_site():
    """Three copies of one wire story; the earliest published is the slowest to answer."""
    with FixtureSite() as s:
        s.routes["/wire/mediator-call"] = _slow(
            article_html("Actors' talks back on", syndicated_copy(), published="2023-07-13"), 0.8
        )
        s.page("/news/talks-to-resume", article_html("Talks to resume", original(), "2023-07-14"))
        third = [THIRD_LEDE, *WIRE, BOILERPLATE]
        s.page("/syndication/actors-talks", article_html("Back to the table", third, "2023-07-14"))
        s.page("/news/picket-heat", article_html("Pickets brave the heat", OTHER_STORY))
        yield s


def _kept_set(run_dir: Path) -> tuple[set[str], dict[str, str]]:
    recs = _by_url_path(run_dir)
    ids = {r["article_id"]: path for path, r in recs.items()}
    kept = {path for path, r in recs.items() if r["status"] in ("relevant", "skipped")}
    dups = {path: ids[r["duplicate_of"]] for path, r in recs.items() if r["status"] == "duplicate"}
    return kept, dups


def test_the_earliest_published_copy_is_kept_at_any_concurrency(three_copies_site, tmp_path):
    paths = [
        "/wire/mediator-call",
        "/news/talks-to-resume",
        "/syndication/actors-talks",
        "/news/picket-heat",
    ]
    sources = _sources(three_copies_site, tmp_path, paths, "feed")
    runs = []
    for n, order in ((1, paths), (8, paths[::-1])):
        # one request at a time vs eight, the feed listed in both orders
        three_copies_site.page(
            "/feed.xml",
            rss([(three_copies_site.base_url + p, None) for p in order]),
            "application/xml",
        )
        run_dir = tmp_path / f"runs-c{n}/2023-07-21"
        settings = {**FAST, "CONCURRENT_REQUESTS": n}
        result = crawl(
            sources, run_dir, tmp_path / f"raw-c{n}", None, "2023-07-21", settings=settings
        )
        statuses = [r["status"] for r in records(run_dir)]
        assert result.duplicate == statuses.count("duplicate") == 2
        assert result.relevant == statuses.count("relevant") == 2
        runs.append(_kept_set(run_dir))
    kept, dups = runs[0]
    assert kept == {"wire/mediator-call", "news/picket-heat"}
    assert dups == {
        "news/talks-to-resume": "wire/mediator-call",
        "syndication/actors-talks": "wire/mediator-call",
    }
    assert runs[1] == runs[0]


def test_a_stored_copy_stays_kept_when_an_earlier_published_copy_comes_later(
    three_copies_site, tmp_path
):
    """Across days the rule is stable: loaded days are never rewritten, so today's copy points at
    the stored one even though it was published a day before it."""
    db, raw = tmp_path / "tw.duckdb", tmp_path / "raw"
    first = tmp_path / "runs/2023-07-20"
    sources = _sources(three_copies_site, tmp_path, ["/news/talks-to-resume"], "day1")
    crawl(sources, first, raw, db, "2023-07-20", settings=FAST)
    load_run(db, first)
    (stored,) = records(first)

    second = tmp_path / "runs/2023-07-21"
    sources = _sources(three_copies_site, tmp_path, ["/wire/mediator-call"], "day2")
    for _ in range(2):  # a rerun of the day makes the same choice
        crawl(sources, second, raw, db, "2023-07-21", settings=FAST)
        (copy,) = records(second)
        assert copy["published"] < stored["published"]
        assert copy["status"] == "duplicate" and copy["duplicate_of"] == stored["article_id"]


def test_bad_dedupe_setting_is_a_one_line_error(wire_site, tmp_path):
    sources = _sources(wire_site, tmp_path, ["/news/talks-to-resume"], "bad")
    bad = {**FAST, "TABLEWATCH_DEDUPE_MIN_COVERAGE": 1.5}
    with pytest.raises(TablewatchError, match="TABLEWATCH_DEDUPE_MIN_COVERAGE must be in"):
        crawl(
            sources,
            tmp_path / "runs/2023-07-21",
            tmp_path / "raw",
            None,
            "2023-07-21",
            settings=bad,
        )
