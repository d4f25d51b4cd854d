"""Find candidate claims (quotes, figures, actor mentions) in scraped news text.

Everything here is a pure function over one string.  Offsets always index the
exact string passed in, so ``text[x.start:x.end] == x.text`` holds for every
result; the input is never normalised before offsets are taken.
"""
from .events import DatedSentence, find_dated_sentences
from .figures import Figure, find_figures
from .layout import article_end
from .mentions import Mention, find_mentions
from .quotes import Quote, find_quotes

__all__ = ["Figure", "Mention", "Quote", "article_end", "find_figures", "find_mentions", "find_quotes"]
