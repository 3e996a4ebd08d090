from __future__ import annotations

import json

from crawlers.extraction import extract_page
from crawlers.extraction.body import choose_body, jsonld_body
from crawlers.extraction.rules import load_rules

from .pages import PARAGRAPHS, TITLE, article_html

COMMENTS = """
<section id="comments" class="comments-area">
<h3>3 comments</h3>
<ol class="comment-list">
<li class="comment"><div class="comment-body"><p>Striking dockworkers should remember who pays
their wages, honestly this whole thing is a disgrace and I will never ship through there again.</p></div></li>
<li class="comment"><div class="comment-body"><p>Solidarity with the crane operators from all of us
at local nineteen, hold the line and do not sign anything that gives away the automation clause.</p></div></li>
</ol>
<form><textarea name="comment"></textarea><button>Leave a comment</button></form>
</section>"""

RELATED = """
<aside class="related-articles"><h2>Related stories</h2><ul>
<li><a href="/a">Crane makers bet on remote operation as unions push back</a></li>
<li><a href="/b">What a coast-wide port shutdown would cost retailers this winter</a></li>
<li><a href="/c">Five things to know about the dockworkers contract</a></li>
</ul></aside>"""

IN_BODY_TEASERS = """
<p>Read more: Crane makers bet on remote operation as unions push back</p>
<p>Sign up for our free Labor Brief newsletter to get every bargaining update in your inbox.</p>"""


def test_comments_and_related_links_stay_out_of_the_body() -> None:
    html = article_html(body_extra=IN_BODY_TEASERS, after_article=RELATED + COMMENTS)
    body = extract_page(html, url="https://news.example.com/ports/talks")["body"]
    assert body.split("\n\n") == PARAGRAPHS
    for noise in (
        "disgrace",
        "Solidarity",
        "Crane makers",
        "coast-wide",
        "newsletter",
        "Read more",
    ):
        assert noise not in body


def test_headline_standfirst_and_byline_are_not_body() -> None:
    standfirst = (
        "<h2>Employers table a revised wage offer while automation remains the sticking point</h2>"
    )
    html = article_html().replace('<p class="byline">', standfirst + '<p class="byline">')
    body = extract_page(html, url="https://news.example.com/ports/talks")["body"]
    assert TITLE not in body
    assert "sticking point" not in body
    assert "Dana Whitfield" not in body
    assert body.startswith(PARAGRAPHS[0])


def test_interior_subheading_is_kept() -> None:
    paragraphs = [*PARAGRAPHS[:3], "<h2>What happens next</h2>", *PARAGRAPHS[3:]]
    html = article_html(paragraphs=[]).replace(
        "</article>",
        "\n".join(p if p.startswith("<h2>") else f"<p>{p}</p>" for p in paragraphs) + "</article>",
    )
    body = extract_page(html, url="https://news.example.com/ports/talks")["body"]
    assert "What happens next" in body
    assert body.index("What happens next") > body.index(PARAGRAPHS[2])


def test_jsonld_article_body_wins_only_when_longer_and_on_the_page() -> None:
    rules = load_rules()
    teaser = PARAGRAPHS[0]
    full = "\n\n".join(PARAGRAPHS)
    assert choose_body(teaser, full, overlap=0.97, rules=rules) == full
    assert choose_body(teaser, full, overlap=0.30, rules=rules) == teaser  # not the page's text
    assert choose_body(full, teaser, overlap=1.0, rules=rules) == full  # not more complete
    assert choose_body(None, full, overlap=0.95, rules=rules) == full


def test_jsonld_body_is_split_and_stripped_of_html() -> None:
    ld = [
        {"@type": "WebSite"},
        {"@type": "NewsArticle", "articleBody": "<p>One &amp; two.</p><p>Three.</p>"},
    ]
    assert jsonld_body(ld) == "One & two.\n\nThree."


def test_jsonld_article_body_not_on_the_page_is_ignored() -> None:
    ld = {
        "@type": "NewsArticle",
        "articleBody": " ".join(["Unrelated teaser text about gardening."] * 80),
    }
    html = article_html(head=f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    body = extract_page(html, url="https://news.example.com/ports/talks")["body"]
    assert "gardening" not in body
    assert body.split("\n\n") == PARAGRAPHS
