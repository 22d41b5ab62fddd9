"""Sentence splitting with exact character offsets, for news text in any script.

Every event reports the index of the sentence holding its trigger, and the tagger reads
an article sentence by sentence, so the split must never lose or move a character. The
splitter therefore only chooses *cut positions*; sentences are the stretches between
cuts with outer whitespace removed. That makes the invariants hold by construction:
spans are ordered, do not overlap, and cover every non-space character exactly once.

Where to cut is decided by small, explainable rules instead of a trained model (no
download, no service, fast on 200k-character articles):

* ``. ! ? …`` (and runs such as ``?!`` or ``...``), plus any closing quotes or brackets,
  followed by whitespace end a sentence unless the next word starts in lower case;
* a period after an abbreviation does not end a sentence: titles (Mr., Dr., St., Gen.),
  month abbreviations and "No." before a number, initials (J. R. R. Tolkien), e.g./i.e.;
  dotted acronyms (U.S., a.m.) end one only before a typical sentence opener ("The", "He");
* sentence marks of other scripts (``。！？`` CJK, ``؟ ۔`` Arabic/Urdu, ``। ॥`` Devanagari,
  ``። ፧`` Ethiopic, ``։`` Armenian, ``჻``/``᙮``) end a sentence, CJK ones even without a
  following space;
* a blank line (paragraph) always ends a sentence; a single line break ends one when the
  next line looks like a new sentence (it does not start in lower case) and the line
  before does not end in the middle of a phrase (comma, dash, "of", "the", ...). So a
  headline without a final period is a sentence of its own, and hard-wrapped prose is
  mostly kept together.
"""

from __future__ import annotations

import bisect
import re

#: Characters that end a sentence when followed by whitespace (or the end of the text).
SENTENCE_MARKS = ".!?…‼⁇⁈⁉؟۔।॥።፧։჻᙮"
#: Marks that end a sentence even when the next sentence follows without a space.
UNSPACED_SENTENCE_MARKS = "。！？｡"
#: Closing quotes and brackets that stay with the sentence they close.
CLOSERS = "\"'”’»›)]}」』）】》〉〕］｝"
#: Opening quotes and brackets that may precede the first word of a sentence.
OPENERS = "\"'“‘«‹([{「『（【《〈〔［｛¿¡"

_MARK_RUN = re.compile(
    f"[{re.escape(SENTENCE_MARKS + UNSPACED_SENTENCE_MARKS)}]+[{re.escape(CLOSERS)}]*"
)
#: Characters that break a line (those of ``str.splitlines``).
LINE_BREAK_CHARS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
#: A line break: CRLF counts as one; \u2029 is a paragraph separator in its own right.
_LINE_BREAK = re.compile(f"\r\n|[{LINE_BREAK_CHARS}]")
PARAGRAPH_SEPARATOR = "\u2029"

#: Abbreviations (lower case, without the final period) after which no sentence ends.
NEVER_FINAL_ABBREVIATIONS = frozenset(
    [
        "mr", "mrs", "ms", "mssrs", "messrs", "dr", "prof", "sr", "st", "mt", "ft", "gen", "lt",
        "col", "maj", "capt", "cpt", "sgt", "cmdr", "adm", "brig", "cpl", "pvt", "gov", "sen",
        "rep", "pres", "amb", "rev", "fr", "hon", "supt", "insp", "det", "atty", "vs", "v", "cf",
        "al", "approx", "dept", "univ", "assn", "bros", "ave", "blvd", "rd", "e.g", "i.e", "viz"
    ]
)  # fmt: skip
#: Abbreviations that do not end a sentence when a number follows ("No. 5", "Jan. 6").
BEFORE_NUMBER_ABBREVIATIONS = frozenset(
    [
        "no", "nos", "nr", "vol", "vols", "pp", "p", "art", "sec", "ch", "fig", "figs", "op", "jan",
        "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"
    ]
)  # fmt: skip
#: Words that typically open a sentence; a dotted acronym before one of them ends it.
SENTENCE_OPENERS = frozenset(
    [
        "the", "a", "an", "he", "she", "it", "they", "we", "i", "you", "his", "her", "its", "their",
        "our", "this", "that", "these", "those", "there", "but", "and", "so", "yet", "however",
        "meanwhile", "in", "on", "at", "after", "before", "as", "when", "while", "if", "although",
        "according", "it's", "he's", "she's", "they're", "we're", "i'm"
    ]
)  # fmt: skip
#: Lower-case words that cannot end a line of running prose (the sentence goes on).
CONTINUATION_WORDS = frozenset(
    [
        "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "from", "with", "and", "or",
        "but", "nor", "as", "than", "that", "which", "who", "whom", "whose", "into", "onto", "over",
        "under", "about", "between", "against", "during", "without", "within", "via", "per", "is",
        "are", "was", "were", "be", "been", "has", "have", "had", "will", "would", "shall",
        "should", "can", "could", "may", "might", "must", "not"
    ]
)  # fmt: skip
#: Characters that leave a line unfinished when they end it.
CONTINUATION_CHARS = ",;-–—/&(+="

_ACRONYM = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]$")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of ``text``, in order.

    ``text[start:end]`` has no leading or trailing whitespace, spans do not overlap, and
    every non-space character of ``text`` lies in exactly one span. Never raises.
    """
    line_cuts = _line_break_cuts(text)
    cuts = sorted(set(_punctuation_cuts(text, line_cuts)) | set(line_cuts))
    spans: list[tuple[int, int]] = []
    previous = 0
    for cut in [*cuts, len(text)]:
        start, end = previous, cut
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))
        previous = max(previous, cut)
    return spans


def sentence_index(spans: list[tuple[int, int]], offset: int) -> int:
    """Index of the sentence containing ``offset`` (or the last one starting before it)."""
    starts = [start for start, _end in spans]
    return max(0, bisect.bisect_right(starts, offset) - 1)


def _punctuation_cuts(text: str, line_cuts: list[int]) -> list[int]:
    """Cut positions right after sentence-final punctuation (and its closing quotes)."""
    cuts: list[int] = []
    for match in _MARK_RUN.finditer(text):
        end = match.end()
        marks = match.group().rstrip(CLOSERS)
        if any(mark in UNSPACED_SENTENCE_MARKS for mark in marks):
            cuts.append(end)
            continue
        if end < len(text) and not text[end].isspace():
            continue  # "3.5", "U.S.-led", "Yahoo!News": not the end of a sentence
        next_char = _next_word_char(text, end)
        if next_char is not None and next_char.islower():
            continue  # "etc. and", '"Why?" he asked'
        line_cuts_before = bisect.bisect_right(line_cuts, match.start())
        previous_cut = max(
            cuts[-1] if cuts else 0,
            line_cuts[line_cuts_before - 1] if line_cuts_before else 0,
        )
        if marks == "." and not _period_ends_sentence(text, match.start(), end, previous_cut):
            continue
        cuts.append(end)
    return cuts


def _period_ends_sentence(text: str, period: int, after: int, previous_cut: int) -> bool:
    """Whether a single period at ``period`` ends a sentence, given the word before it.

    ``previous_cut`` is the last cut before the period, to recognise list numbers.
    """
    word_start = period
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:period].lstrip(OPENERS)
    lowered = word.lower()
    next_word = _next_word(text, after)
    if lowered in NEVER_FINAL_ABBREVIATIONS:
        return False
    if lowered in BEFORE_NUMBER_ABBREVIATIONS and next_word[:1].isdigit():
        return False
    if len(word) == 1 and word.isupper():
        return False  # an initial: "J. R. R. Tolkien", "George W. Bush"
    if _ACRONYM.match(word):
        return next_word.lower() in SENTENCE_OPENERS
    # a list number ("1. First item") does not end a sentence
    return not (
        word.isdigit()
        and (_only_space_between(text, previous_cut, word_start) or _starts_line(text, word_start))
    )


def _line_break_cuts(text: str) -> list[int]:
    """Cut positions at line breaks that end a sentence (see the module docstring)."""
    cuts = []
    breaks = list(_LINE_BREAK.finditer(text))
    for position, line_break in enumerate(breaks):
        if line_break.group() == PARAGRAPH_SEPARATOR:
            cuts.append(line_break.start())
            continue
        following = breaks[position + 1] if position + 1 < len(breaks) else None
        if following is not None and _only_space_between(text, line_break.end(), following.start()):
            cuts.append(line_break.start())  # a blank line: a paragraph ends here
            continue
        if _line_ends_sentence(text, line_break.start(), line_break.end()):
            cuts.append(line_break.start())
    return cuts


def _line_ends_sentence(text: str, line_end: int, next_line_start: int) -> bool:
    """Whether a single line break between two lines of text ends a sentence."""
    next_char = _next_word_char(text, next_line_start)
    if next_char is None or next_char.islower():
        return False
    last = line_end
    while last > 0 and text[last - 1].isspace() and text[last - 1] not in LINE_BREAK_CHARS:
        last -= 1
    if last == 0 or text[last - 1] in LINE_BREAK_CHARS:
        return False  # an empty line: handled as a paragraph break, if at all
    final_char = text[last - 1]
    if final_char in SENTENCE_MARKS or final_char in CLOSERS:
        return False  # the punctuation rules decide (so "Mr.\nSmith" stays together)
    if final_char in CONTINUATION_CHARS:
        return False
    word_start = last
    while word_start > 0 and text[word_start - 1].isalpha():
        word_start -= 1
    return text[word_start:last] not in CONTINUATION_WORDS


def _next_word_char(text: str, position: int) -> str | None:
    """The first character after ``position`` that is neither whitespace nor an opener."""
    for char in text[position : position + 200]:
        if not char.isspace() and char not in OPENERS:
            return char
    return None


def _next_word(text: str, position: int) -> str:
    """The word (letters, digits, apostrophes) starting after whitespace and openers."""
    index = position
    limit = min(len(text), position + 200)
    while index < limit and (text[index].isspace() or text[index] in OPENERS):
        index += 1
    word_end = index
    while word_end < limit and (text[word_end].isalnum() or text[word_end] in "'’"):
        word_end += 1
    return text[index:word_end]


def _starts_line(text: str, position: int) -> bool:
    """Whether only horizontal whitespace stands between a line break and ``position``."""
    index = position
    while index > 0 and text[index - 1].isspace() and text[index - 1] not in LINE_BREAK_CHARS:
        index -= 1
    return index == 0 or text[index - 1] in LINE_BREAK_CHARS


def _only_space_between(text: str, start: int, end: int) -> bool:
    return all(char.isspace() for char in text[start:end])
