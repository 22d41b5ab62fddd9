"""The news corpus in the tagger's token view: ``geneva.Sentence`` records for training
and scoring.

Tokens come from the tagger's own tokenizer (``words.word_spans``), so training sees the
words the model sees at run time; the checker guarantees every mark falls on word bounds.
"""

from __future__ import annotations

from workers.tagger.extra_data.markup import CharSpan
from workers.tagger.geneva import GoldArgument, GoldEvent, Sentence
from workers.tagger.news_corpus.corpus import NewsSentence
from workers.tagger.words import word_spans


def _token_span(span: CharSpan, spans: list[tuple[int, int]]) -> tuple[int, int]:
    starts = [i for i, (start, _) in enumerate(spans) if start == span.start]
    ends = [i for i, (_, end) in enumerate(spans) if end == span.end]
    if not starts or not ends or ends[-1] < starts[0]:
        raise ValueError(f"span {span.start}-{span.end} does not fall on word boundaries")
    return starts[0], ends[-1] + 1


def to_sentence(news: NewsSentence) -> Sentence:
    """The sentence with token-index events: tagger layer partial, PLOVER layer complete."""
    spans = word_spans(news.text)
    events = []
    for event in news.events:
        start, end = _token_span(event.trigger, spans)
        arguments = tuple(
            GoldArgument(*_token_span(span, spans), role) for role, span in event.arguments
        )
        plover_roles = tuple(
            GoldArgument(*_token_span(span, spans), role)
            for role, group in (("actor", event.actor), ("recipient", event.recipient))
            for span in group
        )
        events.append(
            GoldEvent(
                event.tagger_type or "",
                start,
                end,
                arguments,
                event.plover,
                event.modes,
                plover_roles,
            )
        )
    return Sentence(
        id=f"{news.source}:{news.line}",
        tokens=[news.text[a:b] for a, b in spans],
        events=events,
        types_complete=False,
        plover_complete=True,
    )
