"""Trimming a span of the article down to its core, keeping exact character offsets.

The tagger's Time and Place arguments often include words that belong to the sentence,
not to the value ("on Saturday", "in the United States,"). Times and places trim the
same way, so the offset bookkeeping lives here once: the result is always a sub-span of
the input, so ``text[start:end]`` stays a faithful copy of the article.
"""

from __future__ import annotations

import re

_LEADING_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def strip_whitespace(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` past leading and trailing whitespace (possibly to empty)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def trim_span(
    text: str,
    start: int,
    end: int,
    leading_words: frozenset[str],
    trailing_chars: str,
    keep_trailing: frozenset[str] = frozenset(),
) -> tuple[int, int]:
    """The core of ``text[start:end]``: without outer whitespace, leading ``leading_words``
    (matched case-insensitively, only when more text follows) and trailing ``trailing_chars``.

    A trailing character is kept when the word it ends (lower-cased, with the character)
    is in ``keep_trailing``, so that "Dec." or "U.S." keep their period. When nothing would
    remain, the whitespace-stripped span is returned instead.
    """
    start, end = max(0, start), min(len(text), end)
    outer_start, outer_end = strip_whitespace(text, start, end)
    start, end = outer_start, outer_end
    while start < end:
        match = _LEADING_WORD.match(text, start, end)
        if match is None or match.group().lower() not in leading_words:
            break
        rest_start, rest_end = strip_whitespace(text, match.end(), end)
        if rest_start == match.end() or rest_start >= rest_end:
            break  # the word runs on ("Ontario") or nothing would remain
        start = rest_start
    longest_kept = max(map(len, keep_trailing), default=0)
    word_start: int | None = None  # start of the word that ends at ``end``, found once
    while end > start and (text[end - 1] in trailing_chars or text[end - 1].isspace()):
        if text[end - 1].isspace():
            end, word_start = end - 1, None
            continue
        if word_start is None:
            word_start = end - 1
            while word_start > start and not text[word_start - 1].isspace():
                word_start -= 1
        if end - word_start <= longest_kept and text[word_start:end].lower() in keep_trailing:
            break
        end -= 1
    if start >= end:
        return outer_start, outer_end
    return start, end
