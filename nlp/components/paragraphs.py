"""``tablewatch_paragraphs``: a line break always ends a sentence.

Article bodies keep paragraphs apart with ``\\n\\n``; headlines and bylines have no final period, so
without this the parser glues them to the next paragraph. Runs before the parser, which keeps
sentence starts that are already set.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


@Language.component("tablewatch_paragraphs")
def split_paragraphs(doc: Doc) -> Doc:
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
    return doc
