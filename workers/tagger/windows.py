"""Splitting a sentence that is too long for the encoder into overlapping windows.

Nothing is truncated: every word is labelled by exactly one window, the one whose
*core* holds it. Cores tile the sentence; each window adds context on both sides of its
core, so a word near a cut still sees its neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """Words ``start:end`` go into the model; words ``core_start:core_end`` take its labels."""

    start: int
    end: int
    core_start: int
    core_end: int


def plan_windows(piece_counts: list[int], budget: int, context: int | None = None) -> list[Window]:
    """Windows over words with ``piece_counts`` pieces each, at most ``budget`` pieces a window.

    ``context`` is the number of pieces of overlap kept on each side of a core (default: a
    quarter of the budget). A single word longer than the budget still gets a window of its
    own (the encoder's piece cap per word keeps that bounded).
    """
    total = len(piece_counts)
    if sum(piece_counts) <= budget:
        return [Window(0, total, 0, total)]
    margin = budget // 4 if context is None else context
    core_budget = max(1, budget - 2 * margin)
    windows = []
    core_start = 0
    while core_start < total:
        core_end, used = core_start, 0
        while core_end < total and (
            used + piece_counts[core_end] <= core_budget or core_end == core_start
        ):
            used += piece_counts[core_end]
            core_end += 1
        start, left = core_start, budget - used
        # Spend the remaining budget on context, alternating sides so the core stays central.
        end = core_end
        grew = True
        while grew and left > 0:
            grew = False
            if start > 0 and piece_counts[start - 1] <= left:
                start -= 1
                left -= piece_counts[start]
                grew = True
            if end < total and piece_counts[end] <= left:
                left -= piece_counts[end]
                end += 1
                grew = True
        windows.append(Window(start, end, core_start, core_end))
        core_start = core_end
    return windows


def window_around(piece_counts: list[int], start: int, end: int, budget: int) -> tuple[int, int]:
    """The widest word range around words ``start:end`` that fits ``budget`` pieces."""
    left, right = start, end
    used = sum(piece_counts[start:end])
    grew = True
    while grew:
        grew = False
        if left > 0 and used + piece_counts[left - 1] <= budget:
            left -= 1
            used += piece_counts[left]
            grew = True
        if right < len(piece_counts) and used + piece_counts[right] <= budget:
            used += piece_counts[right]
            right += 1
            grew = True
    return left, right
