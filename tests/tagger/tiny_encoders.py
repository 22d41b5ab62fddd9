"""Tiny random-weight encoders of other families than the bundled BERT-style MiniLM, for
tests that train on them in seconds on a CPU.

* RoBERTa: byte-level BPE (a tokenizer trained on the given texts), no unused vocabulary
  slots, one segment type, a padding id that is not 0;
* MPNet: no segment ids; its WordPiece vocabulary is the bundled MiniLM's (with BERT's
  unused slots), as the real all-mpnet-base-v2's is.
"""

from __future__ import annotations

import json
from pathlib import Path

from tokenizers import ByteLevelBPETokenizer
from transformers import (
    MPNetConfig,
    MPNetModel,
    MPNetTokenizerFast,
    RobertaConfig,
    RobertaModel,
    RobertaTokenizerFast,
)

from workers.tagger.model_io import default_encoder_path

#: Small enough to train in seconds on a CPU, big enough to be a real transformer.
TINY = {
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "max_position_embeddings": 520,
}


def training_text(data: Path) -> list[str]:
    lines = (data / "geneva" / "train.jsonl").read_text(encoding="utf-8").splitlines()
    return [" ".join(json.loads(line)["tokens"]) for line in lines]


def tiny_roberta(directory: Path, texts: list[str]) -> None:
    bpe = ByteLevelBPETokenizer()
    special = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe.train_from_iterator(texts, vocab_size=800, min_frequency=1, special_tokens=special)
    directory.mkdir()
    bpe.save_model(str(directory))
    vocab = json.loads((directory / "vocab.json").read_text("utf-8"))
    lines = (directory / "merges.txt").read_text("utf-8").splitlines()[1:]  # after a header
    merges = [tuple(line.split()) for line in lines if line]
    tokenizer = RobertaTokenizerFast(vocab=vocab, merges=merges)
    tokenizer.save_pretrained(str(directory))
    config = RobertaConfig(
        vocab_size=len(tokenizer), type_vocab_size=1, pad_token_id=tokenizer.pad_token_id, **TINY
    )
    RobertaModel(config, add_pooling_layer=False).save_pretrained(str(directory))


def tiny_mpnet(directory: Path) -> None:
    # MPNet's tokenizer is WordPiece like BERT's: the bundled MiniLM vocabulary serves,
    # with MPNet's own <s>, </s>, <pad> and <mask> added as special tokens.
    words = (Path(default_encoder_path()) / "vocab.txt").read_text("utf-8").splitlines()
    tokenizer = MPNetTokenizerFast(vocab={word: i for i, word in enumerate(words)})
    directory.mkdir()
    tokenizer.save_pretrained(str(directory))
    config = MPNetConfig(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, **TINY)
    MPNetModel(config, add_pooling_layer=False).save_pretrained(str(directory))
