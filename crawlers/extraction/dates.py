"""Publication dates and where they came from.

Publishers state the date in several places of unequal reliability: JSON-LD written for search
engines, OpenGraph for social cards, loose <meta> conventions, <time>/microdata in the markup, the
URL path and the visible byline. Each is sometimes wrong (a CMS that writes the update time into
``datePublished``, a site-wide launch date in ``article:published_time``, a cache timestamp in
``<meta name="date">``), so no single source wins outright: every source votes for a day with a
weight that reflects how often it is right (``WEIGHTS``), and the day with the most weight wins.
A day the page states as an update ("Updated ...", ``dateModified``) counts for less, so the
original publication beats an update. Only text the page uses to state its own publication (a
byline, a dateline, a date-classed element at the top) is read: a date mentioned in the body ("the
contract expires on June 30, 2026") never becomes the publication date, and a page that states
none keeps ``published`` null.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple

from lxml import etree
from lxml import html as lxml_html

from crawlers.extraction.metadata import ARTICLE_TYPES, object_types

#: JSON-LD types whose datePublished is the page's own (a WebPage's often is the site's)
POSTING_TYPES = (ARTICLE_TYPES - {"webpage"}) | {"discussionforumposting"}
#: JSON-LD types whose dates are not the page's publication (a video's upload, an event's start)
NOT_PAGES = {
    "organization",
    "newsmediaorganization",
    "website",
    "person",
    "videoobject",
    "imageobject",
    "audioobject",
    "mediaobject",
    "event",
    "product",
    "offer",
    "breadcrumblist",
    "listitem",
    "itemlist",
    "searchaction",
    "place",
    "localbusiness",
    "comment",
}

OG_PUBLISHED = ("article:published_time", "og:published_time", "og:article:published_time")
OG_MODIFIED = ("article:modified_time", "og:updated_time", "og:article:modified_time")
#: <meta> names that state the publication; the weak ones are often a cache or crawl timestamp
META_PUBLISHED = (
    "datepublished",
    "article.published",
    "article:published",
    "article:published_date",
    "article:post_date",
    "article:publicationdate",
    "og:article:published",
    "og:datepublished",
    "og:pubdate",
    "og:publish_date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publish_time",
    "published_time",
    "published-date",
    "published_date",
    "publisheddate",
    "publication_date",
    "date_published",
    "dateposted",
    "originalpublicationdate",
    "original-publish-date",
    "dc.date.issued",
    "dc.date.publication",
    "dcterms.issued",
    "sailthru.date",
    "parsely-pub-date",
    "bt:pubdate",
    "rbpubdate",
    "rnews:datepublished",
    "shareaholic:article_published_time",
    "twt-published-at",
    "vr:published_time",
    "mediator_published_time",
    "dcsext.articlefirstpublished",
    "analyticsattributes.articledate",
    "cxenseparse:recs:publishtime",
    "article_date_original",
    "citation_publication_date",
    "citation_date",
    "displaydate",
    "pdate",
    "ptime",
    "article.created",
    "content_create_date",
    "date_created",
    "datecreated",
    "dc.date.created",
    "dc.created",
    "dc:created",
    "dcterms.created",
    "dcterms.date",
)
#: generic names: right on most pages, but some sites put a cache or crawl timestamp there
META_WEAK = ("dc.date", "dc:date", "date", "timestamp", "created", "doc_date")
META_MODIFIED = (
    "datemodified",
    "dateupdate",
    "dcterms.modified",
    "dc.date.modified",
    "dc.modified",
    "article:modified",
    "article:modified_date",
    "article:post_modified",
    "bt:moddate",
    "modified_time",
    "og:modified_time",
    "updated_time",
    "modificationdate",
    "revision_date",
    "last-modified",
    "lastmodified",
    "lastmod",
    "lastdate",
    "modified",
    "utime",
)

#: how much one source's vote counts (roughly: how often that source alone names the right day)
WEIGHTS = {
    "jsonld": 3.0,
    "jsonld_other": 1.2,  # WebPage, dateCreated, Recipe...: mirrors or near the article's date
    "opengraph": 2.5,
    "meta": 2.0,
    "meta_weak": 1.0,
    "markup": 2.5,  # itemprop=datePublished, <time pubdate>, hAtom abbr.published
    "time": 1.2,  # the first plain <time datetime> of the article
    "url": 3.0,  # rarely wrong when it holds a full date, and it names the publisher's local day
    "text_cue": 2.5,  # "Published March 3, 2024", "Publié le 3 mars 2024"
    "text": 1.6,  # a date alone in a byline / date-classed element at the top
    "relative": 1.6,  # "3 hours ago", with the fetch time
    "text_late": 1.0,  # a date-classed line away from the top
    "time_late": 0.8,  # the first <time datetime> away from the top
}
#: a day the page also states as its update keeps this share of its weight
MODIFIED_FACTOR = 0.4
SOURCE_OF = {
    "jsonld": "jsonld",
    "jsonld_other": "jsonld",
    "opengraph": "opengraph",
    "meta": "meta",
    "meta_weak": "meta",
    "markup": "markup",
    "time": "markup",
    "url": "url",
    "text_cue": "text",
    "text": "text",
    "relative": "text",
    "text_late": "text",
    "time_late": "markup",
}

_URL_DATE = (
    re.compile(r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])(?:/|$|[-_])"),
    re.compile(r"[/_-]((?:19|20)\d{2})-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?:[/_.-]|$)"),
)
_URL_MONTH_DATE = re.compile(
    r"/((?:19|20)\d{2})/(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*/(0?[1-9]|[12]\d|3[01])(?:/|$)",
    re.IGNORECASE,
)
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_ISO = re.compile(r"((?:19|20)\d{2})-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])")
_ISO_TIME = re.compile(
    r"^\s*(?:19|20)\d{2}-?\d\d-?\d\dT(\d\d):?\d\d(?::?\d\d(?:\.\d+)?)?\s*(Z|[+-]00:?00|UTC|GMT)?\s*$",
    re.IGNORECASE,
)
_EARLIEST = dt.date(1995, 1, 1)

# ---------------------------------------------------------------- month names of many languages
_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: (
        "january jan janvier janv jänner januar enero ene gennaio gen janeiro januari styczeń "
        "stycznia leden ledna января январь янв ocak tammikuuta tammikuu ianuarie január "
        "gener січня"
    ),
    2: (
        "february feb febr février fevrier févr fevr februar febrero febbraio fevereiro fev "
        "februari luty lutego únor února февраля февраль фев şubat subat helmikuuta helmikuu "
        "februarie február febrer лютого"
    ),
    3: (
        "march mar mars märz maerz mär marzo março marco maart mrt marzec marca březen března "
        "марта март мар mart maaliskuuta maaliskuu martie március març березня"
    ),
    4: (
        "april apr avril avr abril abr aprile kwiecień kwietnia duben dubna апреля апрель апр "
        "nisan huhtikuuta huhtikuu aprilie április квітня"
    ),
    5: (
        "may mai mayo maggio mag maio mei maj maja květen května мая май mayıs mayis "
        "toukokuuta toukokuu május maig травня"
    ),
    6: (
        "june jun juin juni junio giugno giu junho czerwiec czerwca červen června июня июнь "
        "haziran kesäkuuta kesäkuu iunie június juny червня"
    ),
    7: (
        "july jul juillet juil juli julio luglio lug julho lipiec lipca červenec července "
        "июля июль temmuz heinäkuuta heinäkuu iulie július juliol липня"
    ),
    8: (
        "august aug août aout agosto ago augustus augusti sierpień sierpnia srpen srpna "
        "августа август авг ağustos agustos elokuuta elokuu augusztus agost серпня"
    ),
    9: (
        "september sep sept septembre septiembre setiembre settembre set setembro wrzesień "
        "września září сентября сентябрь сен eylül eylul syyskuuta syyskuu septembrie "
        "szeptember setembre вересня"
    ),
    10: (
        "october oct octobre okt oktober octubre ottobre ott outubro out październik "
        "października říjen října октября октябрь окт ekim lokakuuta lokakuu octombrie "
        "október octubre жовтня"
    ),
    11: (
        "november nov novembre noviembre novembro listopad listopada listopadu ноября ноябрь "
        "ноя kasım kasim marraskuuta marraskuu noiembrie novembre листопада"
    ),
    12: (
        "december dec décembre decembre déc dezember dez diciembre dic dicembre dezembro "
        "grudzień grudnia prosinec prosince декабря декабрь дек aralık aralik joulukuuta "
        "joulukuu decembrie desember desembre грудня"
    ),
}
MONTH_BY_NAME = {name: month for month, names in _MONTH_NAMES.items() for name in names.split()}
_MONTH = "(?P<month>" + "|".join(sorted(map(re.escape, MONTH_BY_NAME), key=len, reverse=True)) + ")"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|er|º|°)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_TEXT_DATES = [
    # 3 March 2024, 3. März 2024, 3 de marzo de 2024, the 2nd of April 2023, 5 декабря 2024 г.
    re.compile(
        rf"(?<![\w.]){_DAY}(?:\.|-)?\s*(?:de\s+|of\s+)?{_MONTH}(?:\.?,?\s+|-)(?:de\s+|del\s+)?"
        rf"{_YEAR}(?!\d)",
        re.IGNORECASE,
    ),
    # March 3, 2024; Sept. 14, 2023; Tue Mar 08, 2022
    re.compile(rf"(?<!\w){_MONTH}\.?\s+{_DAY},?\s+{_YEAR}(?!\d)", re.IGNORECASE),
    # 2024. március 3.
    re.compile(rf"(?<!\d){_YEAR}\.?\s+{_MONTH}\.?\s+{_DAY}(?!\d)", re.IGNORECASE),
    # 2024年3月11日, 2024년 5월 3일
    re.compile(
        r"(?P<year>(?:19|20)\d{2})\s*[年년]\s*(?P<month>1[0-2]|0?[1-9])\s*[月월]\s*"
        r"(?P<day>3[01]|[12]\d|0?[1-9])\s*[日일]?"
    ),
    # 2024-05-03, 2024/05/03, 2024.05.03
    re.compile(
        r"(?<![\d.])(?P<year>(?:19|20)\d{2})([-/.])(?P<month>1[0-2]|0?[1-9])\2"
        r"(?P<day>3[01]|[12]\d|0?[1-9])(?![\d])"
    ),
]
# 03.04.2024 (day first), 03/04/2024 and 03-04-2024 (by language), 03.04.24
_NUMERIC = re.compile(
    r"(?<![\d./-])(?P<a>[0-3]?\d)(?P<sep>[./-])(?P<b>[01]?\d)(?P=sep)(?P<year>(?:19|20)\d{2}|\d{2})(?![\d])"
)
_RELATIVE = re.compile(
    r"(?:(?P<n>\d{1,2}|an?|one|un|une|ein|eine|einem|einer)\s*"
    r"(?P<unit>min(?:ute)?s?|mins?|hours?|hrs?|h|days?|minuten?|stunden?|tagen?|tag|"
    r"heures?|jours?|minutos?|horas?|d[ií]as?)\s+ago"
    r"|vor\s+(?P<n2>\d{1,2}|einer|einem)\s+(?P<unit2>minuten?|stunden?|tagen?|tag)"
    r"|il\s+y\s+a\s+(?P<n3>\d{1,2}|une?)\s+(?P<unit3>min(?:ute)?s?|heures?|h|jours?)"
    r"|hace\s+(?P<n4>\d{1,2}|una?)\s+(?P<unit4>minutos?|horas?|d[ií]as?)"
    r"|(?P<yesterday>yesterday|gestern|hier|ayer|ieri|ontem|gisteren|вчера)"
    r"|(?P<today>today|heute|aujourd'hui|hoy|oggi|hoje|vandaag|сегодня))",
    re.IGNORECASE,
)
_PUBLISH_CUE = re.compile(
    r"(published|publ\.|posted|first\s+published|released|release|publié|publiée|publie\b|"
    r"veröffentlicht|erschienen|erstellt|publicad[oa]|pubblicat[oa]|gepubliceerd|geplaatst|"
    r"opublikowano|data\s+publikacji|publicerad|publiceret|publisert|julkaistu|опубликован|"
    r"yayınlanma|yayınlandı|yayın\s+tarihi|publikováno|vydáno|发布|發布|发表|發表|입력|등록|"
    r"公開|掲載|投稿)",
    re.IGNORECASE,
)
_UPDATE_CUE = re.compile(
    r"(updated|update|modified|edited|revised|mis\s+à\s+jour|mise\s+à\s+jour|modifié|"
    r"aktualisiert|geändert|actualizad[oa]|actualización|aggiornat[oa]|aggiornamento|"
    r"atualizad[oa]|atualização|bijgewerkt|gewijzigd|zaktualizowano|aktualizacja|uppdaterad|"
    r"opdateret|oppdatert|päivitetty|обновлен|güncellen|aktualizováno|更新|수정)",
    re.IGNORECASE,
)
#: "By Dana Whitfield", "par Camille": a byline (the word alone is a common preposition)
_BY = re.compile(r"(?:^|\W)(?i:by|par|von|por|di|door|av|af|przez|автор):?\s+[A-ZÀ-ÝА-Я]")
_TIME_OF_DAY = re.compile(
    r"\b\d{1,2}[:.h]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?|uhr|h|hrs|gmt|utc|[a-z]{2,4}t)?\b|\bkl\.?|\bklo\b|\bore\b|\bà\b|\bàs\b|\bum\b|\bat\b|\ba\s+las\b",
    re.IGNORECASE,
)
_DATE_CLASS = re.compile(
    r"date|time|byline|dateline|posted|publish|stamp|meta|info|fecha|datum|data|tarih|dato|"
    r"zeit|tiempo|ago|created|when|subheader|post-?footer|author",
    re.IGNORECASE,
)
#: a class or id component (between - and _) that marks other pages' dates: comments, lists
_OFF_ZONE = re.compile(
    r"(?:^|[-_\s])(?:comments?|comment(?:list|s?-?area|meta)|related|sidebar|widgets?|recent|"
    r"rail|teasers?|promo|trending|popular|more-?stories|read-?more|newsletter|breadcrumbs?|"
    r"share|sharing|social|reply|replies|footer-info|site-footer|tweets?)(?:$|[-_\s\d])",
    re.IGNORECASE,
)
_OFF_TAGS = {"aside", "nav", "script", "style", "noscript", "template", "select", "option"}
_SPACE = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
#: how many characters of the page's visible text after its title still count as "the top"
TOP_CHARS = 600
SHORT_LINE = 120


class Vote(NamedTuple):
    day: dt.date
    kind: str  # a key of WEIGHTS
    utc_hour: int | None = None  # set when the value was a UTC timestamp (its local day may differ)


def parse_date(value: Any) -> str | None:
    """Normalise a date-ish value to 'YYYY-MM-DD' (the publisher's own calendar day) or None."""
    day = _machine_date(value)
    return day.isoformat() if day else None


def _machine_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, list):
        return _machine_date(value[0]) if value else None
    if isinstance(value, (int, float)) and value > 0:
        seconds = value / 1000 if value > 1e11 else value
        try:
            return _sane(dt.datetime.fromtimestamp(seconds, dt.UTC).date())
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit() and len(text) in (10, 13):
        return _machine_date(int(text))
    match = _ISO.search(text)
    if match:
        try:
            return _sane(dt.date(*(int(g) for g in match.groups())))
        except ValueError:
            pass
    try:
        return _sane(parsedate_to_datetime(text).date())
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%m/%d/%Y", "%Y/%m/%d"):
        try:
            return _sane(dt.datetime.strptime(text[:40].strip(), fmt).date())
        except ValueError:
            continue
    return None


def _utc_hour(value: Any) -> int | None:
    """The hour of a timestamp stated in UTC ('...T03:40:00Z'), whose local day may be another."""
    if not isinstance(value, str):
        return None
    match = _ISO_TIME.match(value)
    return int(match.group(1)) if match and match.group(2) else None


def _sane(day: dt.date, latest: dt.date | None = None) -> dt.date | None:
    latest = latest or dt.date.today() + dt.timedelta(days=2)
    return day if _EARLIEST <= day <= latest else None


def _fetched_at(fetched: Any) -> dt.datetime | None:
    if isinstance(fetched, dt.datetime):
        return fetched if fetched.tzinfo else fetched.replace(tzinfo=dt.UTC)
    if isinstance(fetched, dt.date):
        return dt.datetime(fetched.year, fetched.month, fetched.day, 12, tzinfo=dt.UTC)
    if isinstance(fetched, str) and fetched.strip():
        try:
            return _fetched_at(dt.datetime.fromisoformat(fetched.strip().replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------- dates in visible text
def text_dates(text: str, day_first: bool = True) -> list[tuple[int, int, dt.date]]:
    """(start, end, day) of every full date written in ``text``, in any of the known languages.

    ``day_first`` decides numeric dates like 03/04/2024 when both numbers could be the month
    (false for US English); dates with dots (03.04.2024) are always day first.
    """
    found: list[tuple[int, int, dt.date]] = []
    taken: list[tuple[int, int]] = []

    def keep(start: int, end: int, year: int, month: int, day: int) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        try:
            value = _sane(dt.date(year, month, day))
        except ValueError:
            return
        if value:
            taken.append((start, end))
            found.append((start, end, value))

    for pattern in _TEXT_DATES:
        for m in pattern.finditer(text):
            month = m.group("month")
            month_no = int(month) if month.isdigit() else MONTH_BY_NAME.get(month.lower())
            if month_no:
                keep(m.start(), m.end(), int(m.group("year")), month_no, int(m.group("day")))
    for m in _NUMERIC.finditer(text):
        a, b, year_text = int(m.group("a")), int(m.group("b")), m.group("year")
        if len(year_text) == 2:
            if m.group("sep") != ".":
                continue
            year_text = "20" + year_text
        first = day_first or m.group("sep") == "."
        if a > 12:
            first = True
        elif b > 12:
            first = False
        day, month = (a, b) if first else (b, a)
        keep(m.start(), m.end(), int(year_text), month, day)
    return sorted(found)


def _relative(text: str, fetched: dt.datetime) -> dt.date | None:
    """The day of "3 hours ago", "vor 2 Tagen", "yesterday at 16:05" seen at ``fetched``; only
    when the expression is most of the line or follows a publish cue ("Today's paper" is not)."""
    m = _RELATIVE.search(text)
    if not m or (len(m.group(0)) < 0.3 * len(text) and not _PUBLISH_CUE.search(text)):
        return None
    if m.group("yesterday"):
        return (fetched - dt.timedelta(days=1)).date()
    if m.group("today"):
        return fetched.date()
    raw_n = next(m.group(g) for g in ("n", "n2", "n3", "n4") if m.group(g))
    unit = next(m.group(g) for g in ("unit", "unit2", "unit3", "unit4") if m.group(g)).lower()
    n = int(raw_n) if raw_n.isdigit() else 1
    if unit.startswith(("min",)):
        delta = dt.timedelta(minutes=n)
    elif unit.startswith(("h", "stunde", "heure", "hora")):
        delta = dt.timedelta(hours=n)
    else:
        delta = dt.timedelta(days=n)
    return (fetched - delta).date()


def _day_first(tree: lxml_html.HtmlElement, meta: dict[str, str]) -> bool:
    lang = (tree.get("lang") or meta.get("content-language") or meta.get("og:locale") or "").lower()
    return not (lang in ("en", "en-us", "en_us") or lang.startswith(("en-us", "en_us")))


# ---------------------------------------------------------------- where the page states its date
def _is_off(el: lxml_html.HtmlElement) -> bool:
    """Whether the element itself opens a comment, sidebar, related list, navigation...: dates
    in there are other pages'."""
    tag = el.tag
    if not isinstance(tag, str):
        return False
    if tag in _OFF_TAGS:
        return True
    marks = f"{el.get('class') or ''} {el.get('id') or ''}"
    return bool(marks.strip() and _OFF_ZONE.search(marks))


def _in_off_zone(el: lxml_html.HtmlElement) -> bool:
    """Whether the element or one of its ancestors is an off zone (for a few XPath hits)."""
    return _is_off(el) or any(_is_off(a) for a in el.iterancestors())


def _after(el: lxml_html.HtmlElement, root: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    """The first node after ``el``'s subtree in document order, within ``root`` (None: none)."""
    while el is not None and el is not root:
        nxt = el.getnext()
        if nxt is not None:
            return nxt
        el = el.getparent()
    return None


def _visible(
    root: lxml_html.HtmlElement,
    skip: lxml_html.HtmlElement | None = None,
    start: lxml_html.HtmlElement | None = None,
) -> Iterator[lxml_html.HtmlElement]:
    """``root``'s elements in document order, without off zones and ``skip``'s subtree, from
    ``start`` on (when given).

    One walk of the page: an off zone's subtree is passed over by comparing identities only
    (marking the zones first and then reading cost two full walks of Python per element).
    """
    if _in_off_zone(root):
        return
    # a start inside a skipped subtree still opens the reading at that point
    around = {start, *start.iterancestors()} if start is not None else set()
    started = start is None
    resume: lxml_html.HtmlElement | None = None
    for el in root.iter():
        if resume is not None:
            if el is not resume:
                continue
            resume = None
        if el is start:
            started = True
        if el is skip or _is_off(el):
            if el in around:
                started = True
            resume = _after(el, root)
            if resume is None:
                return
            continue
        if started and isinstance(el.tag, str):
            yield el


def _main_title(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    for path in ("//article//h1", "//main//h1", "//h1", "//article//h2", "//h2", "//h3"):
        for node in tree.xpath(path):
            if not any(a.tag in _OFF_TAGS for a in node.iterancestors()):
                return node
    return None


def _body(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """The visible part: a <title> naming a date is no byline."""
    body = tree.find("body")
    return body if body is not None else tree


def _top_blocks(
    title: lxml_html.HtmlElement | None, tree: lxml_html.HtmlElement
) -> Iterator[lxml_html.HtmlElement]:
    """Visible elements in document order from the start of the title's header or article (a
    date line often sits above the headline), without the title itself (a headline may name a
    date)."""
    start: lxml_html.HtmlElement | None = None
    if title is not None:
        start = next(
            (a for a in title.iterancestors() if a.tag in ("header", "article", "main")),
            title.getparent(),
        )
    return _visible(_body(tree), skip=title, start=start)


_INLINE = {
    "a",
    "span",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "time",
    "abbr",
    "small",
    "font",
    "mark",
    "cite",
    "sup",
    "sub",
    "label",
    "bdi",
    "data",
    "br",
}


def _own_text(el: lxml_html.HtmlElement) -> str:
    """The element's own line: its text and its inline children's, not its blocks' (so a <div>
    is not read twice and a wrapper does not look like one long line)."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag in _INLINE:
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return _SPACE.sub(" ", "".join(parts)).strip()


def _text_votes(
    text: str, kind_plain: str, day_first: bool, modified: dict[dt.date, str]
) -> list[Vote]:
    """Votes of one byline-like text: each date is published, updated or plain by its cue."""
    votes = []
    last = 0
    for start, end, day in text_dates(text, day_first):
        before = text[last:start]
        last = end
        update = _UPDATE_CUE.search(before)
        publish = _PUBLISH_CUE.search(before)
        if update and not (publish and publish.start() > update.start()):
            modified.setdefault(day, "text")
        elif publish:
            votes.append(Vote(day, "text_cue"))
        else:
            votes.append(Vote(day, kind_plain))
    return votes


def _date_share(text: str, day_first: bool) -> float:
    spans = text_dates(text, day_first)
    rest = text
    for start, end, _ in reversed(spans):
        rest = rest[:start] + rest[end:]
    rest = _TIME_OF_DAY.sub(" ", rest)
    rest = re.sub(r"[\W\d_]+", "", rest)
    dated = sum(end - start for start, end, _ in spans)
    return dated / (dated + len(rest)) if dated else 0.0


_DATE_MARKUP = etree.XPath("//*[@itemprop]|//time|//abbr")


def _states_published(node: lxml_html.HtmlElement) -> bool:
    """itemprop=datePublished/dateCreated, <time pubdate>, hAtom <abbr class="published">."""
    if node.get("itemprop") in ("datePublished", "dateCreated"):
        return True
    if node.tag == "time":
        return node.get("pubdate") is not None
    return node.tag == "abbr" and " published " in f" {node.get('class') or ''} "


def _states_modified(node: lxml_html.HtmlElement) -> bool:
    """itemprop=dateModified, <time class="updated">, hAtom <abbr class="updated">."""
    if node.get("itemprop") == "dateModified":
        return True
    return node.tag in ("time", "abbr") and "updated" in (node.get("class") or "")


def markup_votes(
    tree: lxml_html.HtmlElement,
    meta: dict[str, str],
    fetched: dt.datetime | None,
    modified: dict[dt.date, str],
) -> list[Vote]:
    """Votes of <time>, microdata, hAtom and the visible byline at the top of the page."""
    votes: list[Vote] = []
    day_first = _day_first(tree, meta)
    # one scan of the page for both kinds of date markup (each XPath scan costs about 1 ms)
    marked = _DATE_MARKUP(tree)
    for node in marked:
        if not _states_published(node) or _in_off_zone(node):
            continue
        value = node.get("datetime") or node.get("content") or node.get("title")
        day = _machine_date(value) if value else None
        if day is None:
            days = text_dates(node.text_content(), day_first)
            day = days[0][2] if days else None
        if day:
            votes.append(Vote(day, "markup", _utc_hour(value)))
            break
    for node in marked:
        if not _states_modified(node):
            continue
        day = _machine_date(node.get("datetime") or node.get("content") or node.get("title"))
        if day and "published" not in (node.get("class") or ""):
            modified.setdefault(day, "markup")
    seen_chars = 0
    plain_time_done = False
    text_done = False
    title = _main_title(tree)
    for el in _top_blocks(title, tree):
        top = seen_chars <= TOP_CHARS
        if text_done and (plain_time_done or not top):
            break  # nothing further down can vote any more
        if el.tag == "time" and top and not plain_time_done:
            value = el.get("datetime")
            day = _machine_date(value) if value else None
            if day:
                marks = (el.get("class") or "").lower()
                if "updat" in marks or "modif" in marks:
                    modified.setdefault(day, "markup")
                else:
                    votes.append(Vote(day, "time", _utc_hour(value)))
                    plain_time_done = True
        own = _own_text(el)
        if not own:
            continue
        seen_chars += len(own)
        if text_done or len(own) > SHORT_LINE * 2:
            continue
        if not top:
            # further down only a line that says it states the publication ("Posted on ...")
            if len(own) <= SHORT_LINE and _DIGIT.search(own) and _PUBLISH_CUE.search(own):
                got = _text_votes(own, "text", day_first, modified)
                votes.extend(v._replace(kind="text") for v in got)
                text_done = bool(got)
            continue
        marks = f"{el.get('class') or ''} {el.get('id') or ''}"
        classed = bool(_DATE_CLASS.search(marks)) or el.tag in ("time", "abbr")
        if _DIGIT.search(own) and text_dates(own, day_first):
            short = len(own) <= SHORT_LINE
            bylined = bool(_BY.search(own) or _PUBLISH_CUE.search(own) or _UPDATE_CUE.search(own))
            if (
                classed
                or (short and (bylined or _date_share(own, day_first) >= 0.5))
                or _dateline(own)
            ):
                got = _text_votes(own, "text", day_first, modified)
                votes.extend(got)
                text_done = bool(got)
        elif fetched and (classed or len(own) <= 40):
            rel = _relative(own, fetched)
            if rel and not _UPDATE_CUE.search(own):
                votes.append(Vote(rel, "relative"))
                text_done = True
    if not votes:
        votes = _anywhere_votes(tree, title, day_first, modified)
    return votes


_DATE_CLASS_STRICT = re.compile(
    r"date|time|posted|publish|stamp|fecha|datum|data|tarih|dato|zeit", re.IGNORECASE
)


def _anywhere_votes(
    tree: lxml_html.HtmlElement,
    title: lxml_html.HtmlElement | None,
    day_first: bool,
    modified: dict[dt.date, str],
) -> list[Vote]:
    """When the top of the page states nothing: the first date-classed line that is mostly a
    date (a date header above a blog post's title, a theme's date far below it), else the first
    <time datetime> outside comments and lists. Weak votes: anything stated above outweighs them."""
    first_time: Vote | None = None
    for el in _visible(_body(tree), skip=title):
        if el.tag == "time" and first_time is None:
            value = el.get("datetime")
            day = _machine_date(value) if value else None
            marks = (el.get("class") or "").lower()
            if day and "updat" not in marks and "modif" not in marks:
                first_time = Vote(day, "time_late", _utc_hour(value))
        marks = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not _DATE_CLASS_STRICT.search(marks):
            continue
        own = _own_text(el)
        if not own or len(own) > SHORT_LINE or not _DIGIT.search(own):
            continue
        if _PUBLISH_CUE.search(own) or _date_share(own, day_first) >= 0.5:
            got = [
                v._replace(kind="text_late") for v in _text_votes(own, "text", day_first, modified)
            ]
            if got:
                return got[:1]
    return [first_time] if first_time else []


_DATELINE = re.compile(r"^[A-ZÀ-Ý][A-ZÀ-Ý .'-]{2,}(?:,\s*[A-Z][\w.]+(?:\s[A-Z][\w.]+)?)?,\s")


def _dateline(text: str) -> bool:
    """'SPRINGDALE, Ohio, Jan. 8, 2025 /Wire/ -- ...': a press release's own date comes first."""
    return bool(_DATELINE.match(text)) and bool(text_dates(text[:60]))


# ---------------------------------------------------------------- structured sources
def structured_votes(
    jsonld: list[dict[str, Any]], meta: dict[str, str], modified: dict[dt.date, str]
) -> list[Vote]:
    votes: list[Vote] = []
    article_seen = False
    for obj in jsonld:
        types = object_types(obj)
        mod = _machine_date(obj.get("dateModified"))
        if types & POSTING_TYPES:
            if article_seen:
                continue  # a second article object is another story (a list, a teaser)
            article_seen = True
            if mod:
                modified.setdefault(mod, "jsonld")
            value = obj.get("datePublished")
            day = _machine_date(value)
            if day:
                votes.append(Vote(day, "jsonld", _utc_hour(value)))
            else:
                value = obj.get("dateCreated")
                day = _machine_date(value)
                if day:
                    votes.append(Vote(day, "jsonld_other", _utc_hour(value)))
        elif not types & NOT_PAGES:
            if mod and "webpage" in types:
                modified.setdefault(mod, "jsonld")
            value = obj.get("datePublished")
            day = _machine_date(value)
            if day:
                votes.append(Vote(day, "jsonld_other", _utc_hour(value)))
    for key in OG_PUBLISHED:
        day = _machine_date(meta.get(key))
        if day:
            votes.append(Vote(day, "opengraph", _utc_hour(meta.get(key))))
            break
    for keys, kind in ((META_PUBLISHED, "meta"), (META_WEAK, "meta_weak")):
        for key in keys:
            day = _machine_date(meta.get(key))
            if day:
                votes.append(Vote(day, kind, _utc_hour(meta.get(key))))
                break
    for keys, source in ((OG_MODIFIED, "opengraph"), (META_MODIFIED, "meta")):
        for key in keys:
            day = _machine_date(meta.get(key))
            if day:
                modified.setdefault(day, source)
    return votes


def published_date(
    jsonld: list[dict[str, Any]],
    meta: dict[str, str],
    tree: lxml_html.HtmlElement,
    url: str | None,
    fetched: dt.datetime | dt.date | str | None = None,
) -> tuple[str | None, str | None]:
    """(day, source) of the page's own publication, weighing every place that states one.

    ``fetched`` (when the page was fetched) resolves "3 hours ago" and bounds the future; without
    it relative dates are ignored. Source is the strongest place that named the chosen day:
    jsonld, opengraph, meta, markup, url or text.
    """
    fetched_at = _fetched_at(fetched)
    latest = (fetched_at.date() if fetched_at else dt.date.today()) + dt.timedelta(days=1)
    modified: dict[dt.date, str] = {}
    votes = structured_votes(jsonld, meta, modified)
    votes += markup_votes(tree, meta, fetched_at, modified)
    day = _url_day(url)
    if day:
        votes.append(Vote(day, "url"))
    votes = [v for v in votes if _sane(v.day, latest)]
    if not votes:
        # only an update stated in the markup: on such pages it is mostly the publication too
        # (themes that mark their one date "updated"); an "Updated ..." in the text is not
        stated = sorted(d for d, src in modified.items() if src != "text" and _sane(d, latest))
        if stated:
            return stated[0].isoformat(), modified[stated[0]]
        return None, None
    votes = _local_days(votes)
    score: dict[dt.date, dict[str, float]] = {}
    for vote in votes:
        by_kind = score.setdefault(vote.day, {})
        by_kind[vote.kind] = max(by_kind.get(vote.kind, 0.0), WEIGHTS[vote.kind])

    def total(day: dt.date) -> float:
        weight = sum(score[day].values())
        if day in modified and any(other < day for other in score):
            weight *= MODIFIED_FACTOR
        return weight

    best = min(score, key=lambda d: (-round(total(d), 6), d))
    strongest = max(score[best], key=lambda k: (score[best][k], k))
    return best.isoformat(), SOURCE_OF[strongest]


def _local_days(votes: list[Vote]) -> list[Vote]:
    """A UTC timestamp names the UTC day; when another place names the neighbouring day, and the
    hour makes that the publisher's local day (an evening in the Americas is early UTC, a morning
    in Asia or Oceania the UTC afternoon before), it votes for that day."""
    local = {v.day for v in votes if v.utc_hour is None}
    out = []
    for v in votes:
        if v.utc_hour is not None and v.day not in local:
            shift = -1 if v.utc_hour <= 9 else 1 if v.utc_hour >= 13 else 0
            neighbour = v.day + dt.timedelta(days=shift)
            if shift and neighbour in local:
                v = v._replace(day=neighbour)
        out.append(v)
    return out


def _url_day(url: str | None) -> dt.date | None:
    if not url:
        return None
    match = _URL_MONTH_DATE.search(url)
    if match:
        year, month, day = match.groups()
        try:
            return _sane(dt.date(int(year), _MONTHS[month.lower()], int(day)))
        except ValueError:
            pass
    for pattern in _URL_DATE:
        match = pattern.search(url)
        if match:
            try:
                return _sane(dt.date(*(int(g) for g in match.groups())))
            except ValueError:
                continue
    return None


def url_date(url: str | None) -> str | None:
    """A date in the URL path: /2024/05/07/, /2024-05-07-, /20240507/ or /2024/may/07/."""
    day = _url_day(url)
    return day.isoformat() if day else None


def modified_date(jsonld: list[dict[str, Any]], meta: dict[str, str]) -> str | None:
    for obj in jsonld:
        day = parse_date(obj.get("dateModified"))
        if day:
            return day
    for key in OG_MODIFIED + META_MODIFIED:
        day = parse_date(meta.get(key))
        if day:
            return day
    return None
