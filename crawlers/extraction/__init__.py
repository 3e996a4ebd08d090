"""Article extraction: page bytes in, title / authors / dates / language / body out.

Used by the crawler for every fetched page and by ``tablewatch extract``; see ``api`` for the
entry points and ``docs/interfaces.md`` for the ArticleRecord fields they fill.

The entry points are loaded on first use (PEP 562): the crawler's reactor imports
``crawlers.extraction.encoding`` and must not pay for trafilatura, which only its extraction
workers need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawlers.extraction.api import extract_dir, extract_file, extract_page

__all__ = ["extract_dir", "extract_file", "extract_page"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from crawlers.extraction import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
