"""Small original article pages for the extraction tests (written for Tablewatch, not copied)."""

from __future__ import annotations

PARAGRAPHS = [
    "Negotiators for the dockworkers and the port operators met for nine hours on Tuesday, "
    "trading proposals on automation and pay without reaching a deal, according to two people "
    "who were in the room.",
    "The union's lead bargainer said the talks had moved forward on pension contributions but "
    "that the gap over automated cranes remained wide. Both sides agreed to return to the table "
    "next week.",
    "A spokesperson for the operators' association described the session as constructive and "
    "said the employers had tabled a revised wage offer that would raise hourly pay by eleven "
    "percent over three years.",
    "Members have already voted to authorise a strike if no agreement is reached before the "
    "current contract expires at the end of the month, although union leaders stressed that a "
    "walkout remained a last resort.",
    "Shipping lines have begun rerouting some cargo to other coasts as a precaution, and retail "
    "groups urged both parties to settle quickly ahead of the holiday season.",
]

TITLE = "Port talks stall over automation as strike deadline nears"


def article_html(
    head: str = "",
    body_extra: str = "",
    after_article: str = "",
    paragraphs: list[str] | None = None,
    title: str = TITLE,
) -> str:
    paras = "\n".join(f"<p>{p}</p>" for p in (paragraphs or PARAGRAPHS))
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<title>{title} | Harbour Ledger</title>
{head}
</head>
<body>
<header><nav><ul>
<li><a href="/">Home</a></li><li><a href="/labor">Labor</a></li><li><a href="/ports">Ports</a></li>
</ul></nav></header>
<main>
<article>
<h1>{title}</h1>
<p class="byline">By Dana Whitfield</p>
{paras}
{body_extra}
</article>
{after_article}
</main>
<footer><p>Harbour Ledger, all rights reserved.</p></footer>
</body>
</html>"""
