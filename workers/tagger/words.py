"""Word tokenization with exact character offsets.

The tagger labels words, and every span it reports is built from the offsets produced
here, never by searching for a string in the text (that gets repeated words wrong). The
rules follow the Penn-Treebank style of the GENEVA training data closely enough: words,
numbers, clitics ("'s", "n't") and each punctuation mark are separate tokens, and
hyphenated compounds are split at the hyphen.
"""

from __future__ import annotations

import re

WORD_PATTERN = re.compile(
    r"\w+(?=n['’]t\b)"  # "do" of "don't"
    r"|n['’]t\b"  # "n't"
    r"|['’](?:s|re|ve|ll|d|m)\b"  # clitics: "'s", "'re", ...
    r"|\d+(?:[.,]\d+)+"  # numbers with separators: 1,200 and 3.5
    r"|\w+"
    r"|[^\w\s]",
    re.UNICODE | re.IGNORECASE,
)


def word_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the words of ``text[start:end]``, in order."""
    stop = len(text) if end is None else end
    return [(m.start(), m.end()) for m in WORD_PATTERN.finditer(text, start, stop)]
