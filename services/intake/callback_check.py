"""Refusing obviously unsafe ``callback_url`` values at submission, before anything is stored.

The worker checks every callback URL when it delivers (``shared.callback_policy``: DNS
answers can change, so that check is the one that protects). But a URL that can never pass
-- another scheme, a literal loopback, private or link-local address in any spelling, a
metadata host name -- is better refused now, with a 422 naming the field, than accepted and
silently never delivered. No DNS lookup happens here: the intake must not be slowed down or
steered by a client's name server.
"""

from __future__ import annotations

from services.intake.errors import FieldError
from services.intake.validation import CheckedItems, ItemProblem, item_field
from shared.callback_policy import CallbackPolicy, CallbackRefused


def refuse_unsafe_callbacks(checked: CheckedItems, policy: CallbackPolicy) -> CheckedItems:
    """``checked`` with the items whose callback URL the policy refuses moved to the problems."""
    valid, problems = [], list(checked.problems)
    for item in checked.valid:
        url = item.submission.callback_url
        try:
            if url is not None:
                policy.check_static(url)
        except CallbackRefused as refusal:
            field = item_field(item.index, ("callback_url",))
            message = f"callback_url is not allowed: {refusal}"
            problems.append(
                ItemProblem(422, FieldError(index=item.index, field=field, message=message))
            )
            continue
        valid.append(item)
    problems.sort(key=lambda problem: -1 if problem.error.index is None else problem.error.index)
    return CheckedItems(valid=valid, problems=problems)
