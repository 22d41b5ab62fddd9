"""Grouping model inputs into batches by a token budget.

Inputs are sorted by length so that a batch pads little, and a batch holds as many
inputs as fit ``budget`` padded pieces (longest length x count). The order of results
is restored by the caller through the returned indices.
"""

from __future__ import annotations

from collections.abc import Sequence


def token_budget_batches(
    lengths: Sequence[int], budget: int, max_batch: int = 256
) -> list[list[int]]:
    """Indices of ``lengths`` grouped into batches of at most ``budget`` padded pieces."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for index in order:
        candidate = max(longest, lengths[index])
        if current and (candidate * (len(current) + 1) > budget or len(current) >= max_batch):
            batches.append(current)
            current, candidate = [], lengths[index]
        current.append(index)
        longest = candidate
    if current:
        batches.append(current)
    return batches
