"""Checking each article of a request on its own, so one bad item spoils nothing else.

An item is valid when it passes ``ArticleIn`` (the rules of ``shared.schemas.Article``) and
its text fits ``max_text_chars``. Problems are reported per field, named as
``articles[<index>].<field>`` and tagged with the status they call for: 422 for a
malformed item, 413 for one that is only too long.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from services.intake.errors import FieldError
from services.intake.models import ArticleIn
from shared.store import Submission, content_hash

#: Prefix of ids the intake derives from an article's text.
DERIVED_ID_PREFIX = "sha256-"
#: Hex digits of the SHA-256 kept in a derived id (64 bits: collisions are not a concern).
DERIVED_ID_HEX_DIGITS = 16


@dataclass(frozen=True)
class ValidItem:
    """An item that can be stored, with its position in the request."""

    index: int
    submission: Submission


@dataclass(frozen=True)
class ItemProblem:
    """One problem of one item and the HTTP status it calls for on its own."""

    status_code: int
    error: FieldError


@dataclass
class CheckedItems:
    """The items of a request split into those to store and the problems of the rest."""

    valid: list[ValidItem]
    problems: list[ItemProblem]


def derive_article_id(text: str) -> str:
    """A stable id for an article sent without one: the same text always gets the same id.

    Built from the store's duplicate key, so two texts the store treats as the same (they
    differ only in surrounding whitespace) also get the same derived id.
    """
    return DERIVED_ID_PREFIX + content_hash(text)[:DERIVED_ID_HEX_DIGITS]


def item_field(index: int, location: tuple[int | str, ...] = ()) -> str:
    """The name of a field of item ``index``, e.g. ``articles[2].text``."""
    name = f"articles[{index}]"
    for part in location:
        name += f"[{part}]" if isinstance(part, int) else f".{part}"
    return name


def validation_problems(index: int, error: ValidationError) -> list[ItemProblem]:
    """One 422 problem per field of a pydantic error, messages of the same field joined.

    A union field (``published_at``: datetime or date) fails once per member; joining keeps
    the answer to one entry per field.
    """
    messages: dict[str, list[str]] = {}
    for item in error.errors():
        field = item_field(index, tuple(item["loc"])[:1])
        message = item["msg"].removeprefix("Value error, ")
        messages.setdefault(field, [])
        if message not in messages[field]:
            messages[field].append(message)
    return [
        ItemProblem(422, FieldError(index=index, field=field, message="; ".join(texts)))
        for field, texts in messages.items()
    ]


def check_item(index: int, item: Any, max_text_chars: int) -> ValidItem | list[ItemProblem]:
    """Validate one raw item: a storable submission, or the problems that prevent it."""
    if not isinstance(item, dict):
        message = f"expected an article object, got {type(item).__name__}"
        return [ItemProblem(422, FieldError(index=index, field=item_field(index), message=message))]
    try:
        article_in = ArticleIn.model_validate(item)
    except ValidationError as error:
        return validation_problems(index, error)
    article_id = article_in.id or derive_article_id(article_in.text)
    if len(article_in.text) > max_text_chars:
        message = (
            f"text of article '{article_id}' has {len(article_in.text)} characters, over the "
            f"limit of {max_text_chars} (max_text_chars)"
        )
        field = item_field(index, ("text",))
        return [ItemProblem(413, FieldError(index=index, field=field, message=message))]
    callback_url = str(article_in.callback_url) if article_in.callback_url else None
    submission = Submission(article=article_in.to_article(article_id), callback_url=callback_url)
    return ValidItem(index=index, submission=submission)


def check_items(items: list[Any], max_text_chars: int) -> CheckedItems:
    """Validate every item of a request; the order of valid items is the request order."""
    checked = CheckedItems(valid=[], problems=[])
    for index, item in enumerate(items):
        outcome = check_item(index, item, max_text_chars)
        if isinstance(outcome, ValidItem):
            checked.valid.append(outcome)
        else:
            checked.problems.extend(outcome)
    return checked


def error_status(problems: list[ItemProblem]) -> int:
    """422 when any item is malformed; 413 when the only problem is size."""
    return 422 if any(problem.status_code == 422 for problem in problems) else 413
