"""Article extraction: page bytes in, title / authors / dates / language / body out.

Used by the crawler for every fetched page and by ``tablewatch extract``; see ``api`` for the
entry points and ``docs/interfaces.md`` for the ArticleRecord fields they fill.
"""

from crawlers.extraction.api import extract_dir, extract_file, extract_page

__all__ = ["extract_dir", "extract_file", "extract_page"]
