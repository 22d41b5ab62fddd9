"""The light argument pass: copied top layers, training and extraction end to end.

The light pass must start from exactly what the encoder computes (its layers are copies
of the encoder's top layers, run as ``nn.TransformerEncoderLayer``), and a model trained
with it must save, load and extract with exact offsets, reusing the trigger pass's states.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tiny_training import train_arguments, write_tiny_data
from transformers import BertConfig, BertModel

from services.cli import main
from shared.schemas import Article
from workers.tagger.light_arguments import LightArgumentLayers, encoder_layers
from workers.tagger.tagger import Tagger

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def tiny_bert() -> BertModel:
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=120, hidden_size=32, num_hidden_layers=3, num_attention_heads=4,
        intermediate_size=64, hidden_act="gelu",
    )  # fmt: skip
    return BertModel(config, add_pooling_layer=False).eval()


@pytest.mark.parametrize("k", [1, 2])
def test_copied_layers_compute_what_the_encoders_top_layers_compute(k: int) -> None:
    encoder = tiny_bert()
    ids = torch.randint(5, 120, (3, 11))
    attention = torch.ones_like(ids)
    attention[1, 7:] = 0  # a padded row
    out = encoder(input_ids=ids, attention_mask=attention, output_hidden_states=True)
    light = LightArgumentLayers.from_encoder(encoder, k, n_types=4, n_plover=2).eval()
    for table in (light.trigger, light.types, light.plover):
        torch.nn.init.zeros_(table.weight)
    zeros = torch.zeros(3, dtype=torch.long)
    with torch.no_grad():
        top = light(out.hidden_states[-1 - k], attention, zeros, zeros + 2, zeros + 1, zeros)
    real = attention.bool()
    assert torch.allclose(top[real], out.last_hidden_state[real], atol=1e-5)


def test_the_conditioning_changes_the_states_of_the_event() -> None:
    encoder = tiny_bert()
    light = LightArgumentLayers.from_encoder(encoder, 1, n_types=4, n_plover=2).eval()
    states = torch.randn(2, 9, 32)
    attention = torch.ones(2, 9, dtype=torch.long)
    start, end = torch.tensor([2, 2]), torch.tensor([4, 4])
    with torch.no_grad():
        two_types = light(
            states, attention, start, end, torch.tensor([1, 2]), torch.zeros(2).long()
        )
    assert not torch.allclose(two_types[0], two_types[1])


def test_an_encoder_of_another_shape_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="BERT-shaped"):
        encoder_layers(torch.nn.Linear(3, 3))


@pytest.mark.slow
def test_a_light_model_trains_loads_and_extracts_with_exact_offsets(tmp_path: Path) -> None:
    data, news = write_tiny_data(tmp_path)
    output = tmp_path / "model"
    assert main(train_arguments(data, news, output, "--argument-layers", "1")) == 0
    tagger = Tagger.load(output, device="cpu")
    words = tagger.word_tagger
    assert words.metadata.argument_layers == 1 and words.model.light is not None
    # Loosen the thresholds so the barely trained model finds events to check.
    words.metadata.trigger_threshold = words.metadata.argument_threshold = 0.0
    text = (SEEDS / "ukrinform-2025-12-06-peace-talks.txt").read_text("utf-8")
    other = "Police detained 12 activists in Lima on Friday, officials said."
    together = tagger.extract([Article(id="seed", text=text), Article(id="b", text=other)])
    alone = [tagger.extract([Article(id=i, text=t)])[0] for i, t in [("seed", text), ("b", other)]]
    spans = 0
    for result, source in zip(together, [text, other], strict=True):
        for event in result.events:
            for span in [event.trigger, *event.arguments]:
                assert source[span.start : span.end] == span.text
                spans += 1
    assert spans
    for batched, single in zip(together, alone, strict=True):
        assert [(e.trigger.start, e.type, [(a.role, a.start) for a in e.arguments])
                for e in batched.events] == [
            (e.trigger.start, e.type, [(a.role, a.start) for a in e.arguments])
            for e in single.events
        ]  # fmt: skip


@pytest.mark.slow
def test_the_light_pass_gives_the_same_arguments_with_or_without_the_trigger_states(
    tmp_path: Path,
) -> None:
    data, news = write_tiny_data(tmp_path)
    output = tmp_path / "model"
    assert main(train_arguments(data, news, output, "--argument-layers", "2")) == 0
    words = Tagger.load(output, device="cpu").word_tagger
    sentences = [["Police", "detained", "12", "activists", "in", "Lima", "."]]
    pieces = [words.encoder.word_pieces(s) for s in sentences]
    [requests] = words.decode_triggers([words.trigger_outputs(pieces)[0][0]], 0.0)
    from workers.tagger.inference import TriggerRequest

    requests = [TriggerRequest(0, r.event_type, r.start, r.end) for r in requests] or [
        TriggerRequest(0, words.labels.event_types[0], 1, 2)
    ]
    windows = words.trigger_pass(pieces)[1]
    reused = words.event_details(pieces, requests, 0.0, windows=windows)
    fresh = words.event_details(pieces, requests, 0.0)
    assert reused == fresh
