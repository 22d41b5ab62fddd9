"""Turning words into model inputs, for the trigger pass and the argument pass.

The trigger pass reads a sentence (or one window of a long sentence) once and labels each
word. The argument pass reads one event at a time: the event type's name as the first
segment, then the sentence with the trigger wrapped in two marker tokens, so the encoder
knows which event it is looking for arguments of. Each word is represented by its first
word piece; ``word_index`` records where that piece sits in the input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from transformers import PreTrainedTokenizerFast

#: Marker tokens around the trigger in a BERT WordPiece vocabulary: unused slots, so the
#: embedding matrix needs no new rows (the default MiniLM model uses these).
BERT_MARKERS = ("[unused0]", "[unused1]")
#: Markers added to a tokenizer without unused slots (RoBERTa, MPNet, DeBERTa ...): two
#: special tokens, saved with the model's tokenizer; training gives them embedding rows.
ADDED_MARKERS = ("<trigger>", "</trigger>")

#: A single "word" (a URL, a run of symbols) contributes at most this many pieces:
#: only its first piece represents it, the rest is context.
MAX_PIECES_PER_WORD = 12


def trigger_markers(tokenizer: PreTrainedTokenizerFast) -> tuple[str, str]:
    """The (open, close) trigger markers of ``tokenizer``: BERT's unused slots where the
    vocabulary has them, otherwise ``ADDED_MARKERS``, added to the tokenizer here if missing.

    The choice depends only on the vocabulary, so a model's saved tokenizer (which holds the
    added markers) gives the same markers at load time as at training time.
    """
    vocab = tokenizer.get_vocab()
    if all(marker in vocab for marker in BERT_MARKERS):
        return BERT_MARKERS
    missing = [marker for marker in ADDED_MARKERS if marker not in vocab]
    if missing:
        # add_tokens(special_tokens=True): never split, never lower-cased; the signature
        # has not changed across transformers versions (add_special_tokens' has).
        tokenizer.add_tokens(missing, special_tokens=True)
    return ADDED_MARKERS


def segment_name(event_type: str, plover: str | None = None) -> str:
    """What the argument pass reads as its first segment: the event type's name, the PLOVER
    category's, or both ("Arrest / coerce"), so one pass serves both label sets."""
    parts = [event_type] if event_type else []
    if plover:
        parts.append(plover.lower())
    return " / ".join(parts)


@dataclass(frozen=True)
class EncodedInput:
    """One model input: pieces, segment ids, where each labelled word starts."""

    input_ids: list[int]
    token_type_ids: list[int]
    word_index: list[int]
    marker_index: int = 0
    #: Light argument pass only: the trigger's pieces are [marker_index, marker_end), and
    #: the event's type and PLOVER category ids (``LabelSpace.type_id``/``plover_id``).
    marker_end: int = 0
    type_id: int = 0
    plover_id: int = 0

    def __len__(self) -> int:
        return len(self.input_ids)


class InputEncoder:
    """Builds trigger and argument inputs with one tokenizer and a piece limit."""

    def __init__(self, tokenizer: PreTrainedTokenizerFast, max_pieces: int = 256) -> None:
        self.tokenizer = tokenizer
        self.max_pieces = max_pieces
        self.cls_id = int(tokenizer.cls_token_id)
        self.sep_id = int(tokenizer.sep_token_id)
        self.unk_id = int(tokenizer.unk_token_id)
        self.markers = trigger_markers(tokenizer)
        vocab = tokenizer.get_vocab()
        self.open_id, self.close_id = (vocab[marker] for marker in self.markers)
        #: Padding must be the tokenizer's own: RoBERTa-style encoders derive positions from it.
        pad = tokenizer.pad_token_id
        self.pad_id = int(pad) if pad is not None else 0
        self._type_cache: dict[str, list[int]] = {}

    def word_pieces(self, words: list[str]) -> list[list[int]]:
        """Piece ids of each word; a word the tokenizer drops entirely becomes [UNK]."""
        return self.sentence_pieces([words])[0]

    def sentence_pieces(self, sentences: Sequence[Sequence[str]]) -> list[list[list[int]]]:
        """``word_pieces`` of many sentences in one tokenizer call: the per-call cost of the
        tokenizer wrapper is paid once per batch instead of once per sentence."""
        filled = [list(words) for words in sentences if words]
        encoded = (
            self.tokenizer(
                filled, is_split_into_words=True, add_special_tokens=False, truncation=False
            )
            if filled
            else None
        )
        out: list[list[list[int]]] = []
        row = 0
        for words in sentences:
            if not words:
                out.append([])
                continue
            assert encoded is not None
            pieces: list[list[int]] = [[] for _ in words]
            ids = encoded["input_ids"][row]
            for piece_id, word_id in zip(ids, encoded.word_ids(row), strict=True):
                if word_id is not None and len(pieces[word_id]) < MAX_PIECES_PER_WORD:
                    pieces[word_id].append(int(piece_id))
            out.append([p if p else [self.unk_id] for p in pieces])
            row += 1
        return out

    def type_pieces(self, event_type: str) -> list[int]:
        """Pieces of an event type's name, read as words ("Hostile_encounter": two words)."""
        if event_type not in self._type_cache:
            name = event_type.replace("_", " ")
            ids = self.tokenizer(name, add_special_tokens=False)["input_ids"]
            self._type_cache[event_type] = [int(i) for i in ids][:16]
        return self._type_cache[event_type]

    def trigger_input(self, pieces: list[list[int]]) -> EncodedInput:
        """[CLS] words [SEP]; the caller keeps the pieces within ``max_pieces``."""
        input_ids = [self.cls_id]
        word_index = []
        for word in pieces:
            word_index.append(len(input_ids))
            input_ids.extend(word)
        input_ids.append(self.sep_id)
        return EncodedInput(input_ids, [0] * len(input_ids), word_index)

    def argument_input(
        self, pieces: list[list[int]], trigger_start: int, trigger_end: int, event_type: str
    ) -> EncodedInput:
        """[CLS] type name [SEP] words with the trigger marked [SEP].

        ``pieces`` are the words of the (windowed) sentence; trigger indices are relative
        to them.
        """
        head = [self.cls_id, *self.type_pieces(event_type), self.sep_id]
        input_ids = list(head)
        word_index = []
        marker_index = 0
        for position, word in enumerate(pieces):
            if position == trigger_start:
                marker_index = len(input_ids)
                input_ids.append(self.open_id)
            if position == trigger_end:
                input_ids.append(self.close_id)
            word_index.append(len(input_ids))
            input_ids.extend(word)
        if trigger_end >= len(pieces):
            input_ids.append(self.close_id)
        input_ids.append(self.sep_id)
        token_type_ids = [0] * len(head) + [1] * (len(input_ids) - len(head))
        return EncodedInput(input_ids, token_type_ids, word_index, marker_index)

    def light_argument_input(
        self,
        pieces: list[list[int]],
        trigger_start: int,
        trigger_end: int,
        type_id: int,
        plover_id: int,
    ) -> EncodedInput:
        """The sentence as the trigger pass reads it, with the trigger's pieces and the
        event's type and category ids for the light argument pass (no markers, no name)."""
        plain = self.trigger_input(pieces)
        return self.locate_trigger(plain, trigger_start, trigger_end, type_id, plover_id)

    @staticmethod
    def locate_trigger(
        plain: EncodedInput, trigger_start: int, trigger_end: int, type_id: int, plover_id: int
    ) -> EncodedInput:
        """``plain`` (a trigger input) asked about the event whose trigger is words
        ``[trigger_start, trigger_end)`` of it (clipped to the input)."""
        words = plain.word_index
        start = words[min(trigger_start, len(words) - 1)]
        end = words[trigger_end] if trigger_end < len(words) else len(plain) - 1
        return EncodedInput(
            plain.input_ids, plain.token_type_ids, words, start, max(end, start + 1),
            type_id, plover_id,
        )  # fmt: skip

    def argument_overhead(self, event_type: str) -> int:
        """Pieces an argument input spends besides the sentence's own words."""
        return len(self.type_pieces(event_type)) + 5
