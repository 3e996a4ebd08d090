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


def _split_page(wrapper_class: str) -> str:
    """The story cut into two body containers of one class, an ad row between them."""
    first, second = PARAGRAPHS[:2], PARAGRAPHS[2:]

    def chunk(paras: list[str]) -> str:
        inner = "".join(f"<p>{p}</p>" for p in paras)
        return f'<div class="grid"><div class="body article__body">{inner}</div></div>'

    return f"""<html lang="en"><head><title>{TITLE}</title></head><body>
<main><article><h1>{TITLE}</h1><div class="{wrapper_class}">
{chunk(first)}
<div class="row ad"><span class="ad-label">Advertisement</span></div>
{chunk(second)}
</div></article>
<aside class="related"><ul><li><a href="/x">Five things to know</a></li></ul></aside>
</main></body></html>"""


def test_a_body_split_around_ads_is_read_whole() -> None:
    body = extract_page(_split_page("article__chunks"))["body"]
    assert body.split("\n\n") == PARAGRAPHS


def test_split_body_join_leaves_one_container_alone() -> None:
    """Parts already held by one body container are not moved (their order could change)."""
    from lxml import html as lxml_html

    from crawlers.extraction.body import join_split_bodies

    rules = load_rules()
    assert join_split_bodies(lxml_html.fromstring(_split_page("article__chunks")), rules.split_body)
    held = lxml_html.fromstring(_split_page("article-content"))
    assert join_split_bodies(held, rules.split_body) == 0


def test_reprint_notices_and_the_page_own_address_are_not_body() -> None:
    url = "https://news.example.com/ports/talks-stall"
    tail = (
        f"<p>{url}</p>"
        "<p>Write to Dana Whitfield at dana.whitfield@news.example.com</p>"
        "<p>Order Reprints</p>"
        "<p>This copy is for your personal, non-commercial use only. To order copies for "
        "distribution to your colleagues visit the reprints desk.</p>"
        f"<p>{TITLE}</p>"
    )
    body = extract_page(article_html(body_extra=tail, head=f'<link rel="canonical" href="{url}">'))[
        "body"
    ]
    assert body.split("\n\n") == PARAGRAPHS
    # a URL that is not the page's own is text (a reference list, a shop link)
    other = "<p>https://reports.example.org/port-automation-2024.pdf</p>"
    body = extract_page(
        article_html(body_extra=other, head=f'<link rel="canonical" href="{url}">')
    )["body"]
    assert body.split("\n\n")[-1] == "https://reports.example.org/port-automation-2024.pdf"
