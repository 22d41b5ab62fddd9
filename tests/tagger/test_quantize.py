"""The int8 encoder for CPU workers: when it is used, and that it agrees with float32."""

from __future__ import annotations

import pytest
import torch

from shared.schemas import Article, Event
from workers.tagger.quantize import wants_int8
from workers.tagger.tagger import Tagger

CPU, GPU = torch.device("cpu"), torch.device("cuda")


@pytest.mark.parametrize(
    ("setting", "device", "expected"),
    [("off", CPU, False), ("int8", CPU, True), ("auto", CPU, True), ("auto", GPU, False)],
)
def test_when_the_encoder_is_quantized(setting: str, device: torch.device, expected: bool) -> None:
    assert wants_int8(setting, device) is expected


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="NEWSEVENTS_QUANTIZE"):
        wants_int8("int4", CPU)
    with pytest.raises(ValueError, match="CPU only"):
        wants_int8("int8", GPU)


@pytest.mark.slow
def test_int8_agrees_with_float32_on_the_seed_article(
    tagger: Tagger, seed_events: tuple[str, list[Event]]
) -> None:
    text, events = seed_events
    assert not tagger.word_tagger.quantized
    int8 = Tagger.load(device="cpu", quantize="int8")
    assert int8.word_tagger.quantized
    [result] = int8.extract([Article(id="seed", text=text, published_at="2025-12-06")])

    def keys(found: list[Event]) -> set[tuple[str, int, int]]:
        return {(e.type, e.trigger.start, e.trigger.end) for e in found}

    def codings(found: list[Event]) -> set[tuple[str, int]]:
        return {(e.plover.type, e.trigger.start) for e in found if e.plover}

    full, quantized = keys(events), keys(result.events)
    # Measured with model 0.4.0: 27 events the same of 28 in either; int8 keeps all 4 PLOVER
    # codings and adds one, CONCEDE on "remove" (0.3.0: kept 6 of 8, added none). int8 costs
    # PLOVER macro-F1 on the news dev set, which is why it is opt-in; the README has the table.
    assert len(full & quantized) >= 0.85 * len(full | quantized)
    coded_full, coded_int8 = codings(events), codings(result.events)
    assert len(coded_int8 & coded_full) >= 0.7 * len(coded_full)
    assert len(coded_int8 - coded_full) <= 1
    for event in result.events:
        assert text[event.trigger.start : event.trigger.end] == event.trigger.text
