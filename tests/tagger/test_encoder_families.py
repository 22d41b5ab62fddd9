"""Training and extraction work with encoders other than the bundled BERT-style MiniLM.

Each test builds a tiny random-weight encoder of another family with a tokenizer of its
kind, trains on it for two steps with ``newsevents train --encoder``, loads the result and
extracts events from the seed article, with every span's offsets exact:

* RoBERTa: byte-level BPE (a tokenizer trained here on the training sentences), no unused
  vocabulary slots (the trigger markers are added tokens), one segment type, and a padding
  id that is not 0 (RoBERTa derives positions from it);
* MPNet: no segment ids at all.

Untrained weights find arbitrary events; what is tested is that every piece of the
pipeline handles the encoder, not what it finds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny_encoders import tiny_mpnet, tiny_roberta, training_text
from tiny_training import train_arguments, write_tiny_data
from transformers import PreTrainedTokenizerFast

from services.cli import main
from shared.schemas import Article
from workers.tagger.encoding import ADDED_MARKERS, BERT_MARKERS, InputEncoder
from workers.tagger.model_io import default_encoder_path, load_tokenizer
from workers.tagger.tagger import Tagger

pytestmark = pytest.mark.slow

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def train_and_extract(encoder: Path, data: Path, news: Path, output: Path) -> Tagger:
    assert main(train_arguments(data, news, output, "--encoder", str(encoder))) == 0
    return Tagger.load(output, device="cpu")


def assert_offsets_exact(tagger: Tagger) -> int:
    """Extract the seed article; every span must be ``text[start:end]``; returns the spans."""
    text = (SEEDS / "ukrinform-2025-12-06-peace-talks.txt").read_text("utf-8")
    [result] = tagger.extract([Article(id="seed", text=text)])
    spans = 0
    for event in result.events:
        for span in [event.trigger, *event.arguments]:
            assert text[span.start : span.end] == span.text
            spans += 1
    return spans


def test_a_roberta_encoder_trains_and_extracts(tmp_path: Path) -> None:
    data, news = write_tiny_data(tmp_path)
    encoder = tmp_path / "roberta"
    tiny_roberta(encoder, training_text(data))
    tagger = train_and_extract(encoder, data, news, tmp_path / "model")

    saved = load_tokenizer(tmp_path / "model" / "tokenizer")
    inputs = InputEncoder(saved)
    assert inputs.markers == ADDED_MARKERS
    assert inputs.pad_id == saved.pad_token_id != 0
    assert assert_offsets_exact(tagger) > 0


def test_an_mpnet_encoder_trains_and_extracts(tmp_path: Path) -> None:
    data, news = write_tiny_data(tmp_path)
    encoder = tmp_path / "mpnet"
    tiny_mpnet(encoder)
    tagger = train_and_extract(encoder, data, news, tmp_path / "model")

    assert not tagger.word_tagger.model.uses_segments
    assert assert_offsets_exact(tagger) > 0


def test_markers_are_added_once_to_a_tokenizer_without_unused_slots(tmp_path: Path) -> None:
    directory = tmp_path / "roberta"
    tiny_roberta(directory, ["the talks were held in Geneva on Friday"] * 5)
    tokenizer: PreTrainedTokenizerFast = load_tokenizer(directory)
    size = len(tokenizer)
    first, second = InputEncoder(tokenizer), InputEncoder(tokenizer)
    assert len(tokenizer) == size + 2
    assert (first.open_id, first.close_id) == (second.open_id, second.close_id)
    pieces = first.word_pieces(["<trigger>", "talks"])
    assert first.open_id not in pieces[1]


def test_the_bundled_encoder_keeps_its_unused_slots() -> None:
    tokenizer = load_tokenizer(default_encoder_path())
    size = len(tokenizer)
    assert InputEncoder(tokenizer).markers == BERT_MARKERS
    assert len(tokenizer) == size


def test_a_model_trained_without_the_news_corpus_extracts(tmp_path: Path) -> None:
    """No PLOVER coder: training's own evaluation and extraction must not decode PLOVER
    outputs that do not exist (they once failed on an empty label list)."""
    data, news = write_tiny_data(tmp_path)
    encoder = tmp_path / "mpnet"
    tiny_mpnet(encoder)
    arguments = train_arguments(data, news, tmp_path / "model", "--encoder", str(encoder))
    assert main([*arguments, "--no-news-corpus"]) == 0
    tagger = Tagger.load(tmp_path / "model", device="cpu")

    assert tagger.word_tagger.model.plover_trigger_head is None
    assert assert_offsets_exact(tagger) > 0
