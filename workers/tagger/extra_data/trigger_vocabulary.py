"""Words that GENEVA tends to annotate as event triggers.

A negative sentence (no event) must not contain such a word, or it would teach the model
to ignore a real trigger; the check needs the words' trigger rate, not only the trigger
list, because words like "is" or "on" are triggers now and then but mostly are not.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path


def trigger_rates(train_path: Path) -> dict[str, tuple[int, int]]:
    """Lowercased word -> (times annotated as a one-word trigger, times seen) in ``train_path``."""
    as_trigger: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    with train_path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            tokens = [token.lower() for token in record["tokens"]]
            seen.update(tokens)
            triggers = {
                (m["trigger"]["start"], m["trigger"]["end"]) for m in record["event_mentions"]
            }
            as_trigger.update(tokens[start] for start, end in triggers if end - start == 1)
    return {word: (as_trigger[word], seen[word]) for word in as_trigger}


def likely_triggers(
    train_path: Path, min_count: int = 2, min_rate: float = 0.2
) -> dict[str, float]:
    """Words annotated as triggers at least ``min_count`` times and in ``min_rate`` of uses."""
    return {
        word: hits / total
        for word, (hits, total) in trigger_rates(train_path).items()
        if hits >= min_count and hits / total >= min_rate
    }
