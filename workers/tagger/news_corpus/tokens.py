"""The news corpus in the tagger's token view: ``geneva.Sentence`` records for training
and scoring.

Tokens come from the tagger's own tokenizer (``words.word_spans``), so training sees the
words the model sees at run time; the checker guarantees every mark falls on word bounds.
"""

from __future__ import annotations

from workers.tagger.extra_data.build import token_span
from workers.tagger.geneva import GoldArgument, GoldEvent, Sentence
from workers.tagger.news_corpus.corpus import NewsSentence
from workers.tagger.words import word_spans


def to_sentence(news: NewsSentence) -> Sentence:
    """The sentence with token-index events: tagger layer partial, PLOVER layer complete."""
    spans = word_spans(news.text)
    events = []
    for event in news.events:
        start, end = token_span(event.trigger, spans)
        arguments = tuple(
            GoldArgument(*token_span(span, spans), role) for role, span in event.arguments
        )
        plover_roles = tuple(
            GoldArgument(*token_span(span, spans), role)
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
