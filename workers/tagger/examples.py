"""Training examples: annotated sentences turned into labelled model inputs.

A sentence gives one trigger example per window (every word labelled with its BIO event
type) and one argument example per gold event (every word labelled with its BIO role for
that event, roles restricted to those the type allows).
"""

from __future__ import annotations

from dataclasses import dataclass

from workers.tagger.encoding import EncodedInput, InputEncoder
from workers.tagger.geneva import Sentence
from workers.tagger.labels import OUTSIDE, LabelSpace
from workers.tagger.windows import plan_windows, window_around


@dataclass(frozen=True)
class Example:
    """One model input with a label index per word; ``event_type`` set for argument examples."""

    input: EncodedInput
    labels: list[int]
    event_type: str | None = None

    def __len__(self) -> int:
        return len(self.input)


def bio_sequence(length: int, spans: list[tuple[int, int, str]], labels: list[str]) -> list[int]:
    """Label ids for ``length`` words with ``spans`` (start, end, name); first span wins."""
    index = {name: i for i, name in enumerate(labels)}
    out = [index[OUTSIDE]] * length
    for start, end, name in sorted(spans):
        if any(out[i] != index[OUTSIDE] for i in range(start, end)):
            continue
        out[start] = index[f"B-{name}"]
        for i in range(start + 1, end):
            out[i] = index[f"I-{name}"]
    return out


def sentence_examples(
    sentence: Sentence, encoder: InputEncoder, labels: LabelSpace
) -> tuple[list[Example], list[Example]]:
    """(trigger examples, argument examples) of one sentence."""
    pieces = encoder.word_pieces(sentence.tokens)
    counts = [len(p) for p in pieces]
    known = [e for e in sentence.events if e.event_type in labels.event_types]
    trigger_spans = [(e.start, e.end, e.event_type) for e in known]
    tags = bio_sequence(len(pieces), trigger_spans, labels.trigger_labels)
    triggers = []
    for window in plan_windows(counts, encoder.max_pieces - 2):
        triggers.append(
            Example(
                encoder.trigger_input(pieces[window.start : window.end]),
                tags[window.start : window.end],
            )
        )
    arguments = []
    for event in known:
        allowed = set(labels.allowed_roles[event.event_type])
        spans = [(a.start, a.end, a.role) for a in event.arguments if a.role in allowed]
        budget = encoder.max_pieces - encoder.argument_overhead(event.event_type)
        left, right = window_around(counts, event.start, event.end, budget)
        roles = bio_sequence(len(pieces), spans, labels.argument_labels)
        arguments.append(
            Example(
                encoder.argument_input(
                    pieces[left:right], event.start - left, event.end - left, event.event_type
                ),
                roles[left:right],
                event.event_type,
            )
        )
    return triggers, arguments
