"""The one number by which trained models are ranked, in training and in sweeps.

Training keeps the epoch with the highest total, and ``newsevents sweep`` keeps the
configuration with the highest total, so both must add up the same scores: GENEVA
validation trigger and argument classification F1, plus, when the model has a PLOVER coder
and a news dev set was scored, the PLOVER category macro-F1 and the actor span F1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def selection_total(scores: Mapping[str, Any]) -> float:
    """The ranking total of a model's ``scores`` (``{"val": ..., "news_dev": ...}``)."""
    val = scores["val"]
    total = float(val["trigger_classification"]["f1"]) + float(val["argument_classification"]["f1"])
    news = scores.get("news_dev")
    if news:
        total += float(news["category_macro_f1"]) + float(news["actor"]["f1"])
    return total
