"""Training examples: annotated sentences turned into labelled model inputs.

A sentence gives one trigger example per window (every word labelled with its BIO event
type) and one argument example per gold event (every word labelled with its BIO role for
that event, roles restricted to those the type allows).

With a PLOVER coder, trigger examples also carry BIO PLOVER-category labels and argument
examples ``actor``/``recipient`` labels and the event's modes. What a sentence does not
annotate is not taught: a layer the sentence lacks is ``IGNORE`` (GENEVA has no PLOVER
layer; the news corpus marks only some tagger types, so its unmarked words teach nothing
about tagger types).
"""

from __future__ import annotations

from dataclasses import dataclass

from workers.tagger.encoding import EncodedInput, InputEncoder, segment_name
from workers.tagger.geneva import GoldEvent, Sentence
from workers.tagger.labels import OUTSIDE, LabelSpace
from workers.tagger.windows import plan_windows, window_around

#: Label index that the loss skips (PyTorch's ``ignore_index`` default).
IGNORE = -100
#: Label of an unmarked word of a partially annotated sentence: it may be any label except
#: a news type (the news corpus marks every news-type event, see ``news_corpus.NEWS_TYPES``).
NOT_NEWS_TYPE = -2


@dataclass(frozen=True)
class Example:
    """One model input with a label index per word.

    ``event_type`` is None for trigger examples and the tagger type ("" for a PLOVER-only
    event) for argument examples. ``plover_labels`` are PLOVER trigger labels (trigger
    examples) or actor/recipient labels (argument examples); ``plover`` and ``modes``
    (multi-hot over ``LabelSpace.mode_names``) are set for argument examples of PLOVER events.
    """

    input: EncodedInput
    labels: list[int]
    event_type: str | None = None
    plover_labels: list[int] | None = None
    plover: str | None = None
    modes: list[float] | None = None

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


def _only_marked(
    tags: list[int], spans: list[tuple[int, int, str]], news_negatives: bool = True
) -> list[int]:
    """``tags`` with every word outside the marked spans set to NOT_NEWS_TYPE (a partial
    layer: such a word may be some other event's trigger, but not a news type's), or to
    IGNORE when the sentence does not vouch for that."""
    marked = {i for start, end, _ in spans for i in range(start, end)}
    unmarked = NOT_NEWS_TYPE if news_negatives else IGNORE
    return [tag if i in marked else unmarked for i, tag in enumerate(tags)]


def _mode_vector(event: GoldEvent, labels: LabelSpace) -> list[float]:
    chosen = {f"{event.plover}.{mode}" for mode in event.plover_modes}
    return [1.0 if name in chosen else 0.0 for name in labels.mode_names]


def sentence_examples(
    sentence: Sentence, encoder: InputEncoder, labels: LabelSpace, light: bool = False
) -> tuple[list[Example], list[Example]]:
    """(trigger examples, argument examples) of one sentence; ``light``: argument examples
    for the light argument pass (the plain sentence, the trigger located, type ids)."""
    pieces = encoder.word_pieces(sentence.tokens)
    counts = [len(p) for p in pieces]
    known = [e for e in sentence.events if e.event_type in labels.event_types]
    trigger_spans = [(e.start, e.end, e.event_type) for e in known]
    tags = bio_sequence(len(pieces), trigger_spans, labels.trigger_labels)
    if not sentence.types_complete:
        tags = _only_marked(tags, trigger_spans, sentence.news_negatives)
    coded = [e for e in sentence.events if e.plover in labels.plover_types]
    plover_tags: list[int] | None = None
    if labels.has_plover and sentence.plover_complete:
        plover_spans = [(e.start, e.end, str(e.plover)) for e in coded]
        plover_tags = bio_sequence(len(pieces), plover_spans, labels.plover_trigger_labels)
    triggers = []
    for window in plan_windows(counts, encoder.max_pieces - 2):
        triggers.append(
            Example(
                encoder.trigger_input(pieces[window.start : window.end]),
                tags[window.start : window.end],
                plover_labels=None
                if plover_tags is None
                else plover_tags[window.start : window.end],
            )
        )
    arguments = []
    for event in sentence.events:
        event_type = event.event_type if event.event_type in labels.event_types else ""
        plover = event.plover if event.plover in labels.plover_types else None
        if not event_type and not plover:
            continue
        if event_type:
            allowed = set(labels.allowed_roles[event_type])
            spans = [(a.start, a.end, a.role) for a in event.arguments if a.role in allowed]
            roles = bio_sequence(len(pieces), spans, labels.argument_labels)
        else:
            roles = [IGNORE] * len(pieces)
        plover_roles: list[int] | None = None
        if plover:
            sides = [(a.start, a.end, a.role) for a in event.plover_roles]
            plover_roles = bio_sequence(len(pieces), sides, labels.plover_role_labels)
        name = segment_name(event_type, plover)
        overhead = 2 if light else encoder.argument_overhead(name)
        left, right = window_around(counts, event.start, event.end, encoder.max_pieces - overhead)
        part, start, end = pieces[left:right], event.start - left, event.end - left
        arguments.append(
            Example(
                encoder.light_argument_input(
                    part, start, end, labels.type_id(event_type), labels.plover_id(plover)
                )
                if light
                else encoder.argument_input(part, start, end, name),
                roles[left:right],
                event_type,
                None if plover_roles is None else plover_roles[left:right],
                plover,
                _mode_vector(event, labels) if plover else None,
            )
        )
    return triggers, arguments
