"""Turning the raw body of ``POST /v1/articles`` into a list of raw article items.

The endpoint accepts three shapes (one object, an array, ``{"articles": [...]}``) and must
keep the valid items of a batch whose other items are bad, so the body cannot be handed to
FastAPI's all-or-nothing validation. This module does the whole-request checks -- content
type, JSON syntax, shape, batch size -- and leaves each item to ``validation``.
"""

from __future__ import annotations

import json
from typing import Any

from services.intake.errors import FieldError, IntakeError

#: Key of the wrapper object that carries a batch.
BATCH_KEY = "articles"
#: Deepest nesting of arrays/objects accepted (an article batch needs 3 levels).
MAX_JSON_DEPTH = 32
#: Longest number literal accepted, in characters (Python would parse any length, slowly).
MAX_NUMBER_CHARS = 100


def is_json_content_type(content_type: str | None) -> bool:
    """True for ``application/json`` and ``application/*+json`` (parameters ignored).

    A missing header is accepted: plenty of clients (curl -d) send JSON without one, and
    a body that is not JSON is still refused by the parser with a clear 400.
    """
    if not content_type:
        return True
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def decode_json(body: bytes) -> Any:
    """The JSON value of ``body``; raises IntakeError(400) naming line and column."""
    if not body.strip():
        raise IntakeError(400, "request body is empty; send a JSON article or list of articles")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise IntakeError(
            400, f"request body is not UTF-8: invalid byte at position {error.start}"
        ) from error
    try:
        value = json.loads(text, parse_int=_bounded_int, parse_float=_bounded_float)
    except RecursionError as error:  # the parser recurses once per level
        raise IntakeError(
            400, f"JSON nested too deeply; at most {MAX_JSON_DEPTH} levels"
        ) from error
    except json.JSONDecodeError as error:
        raise IntakeError(
            400,
            f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}",
        ) from error
    except _NumberTooLong as error:
        raise IntakeError(400, str(error)) from error
    if _nesting_depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise IntakeError(400, f"JSON nested too deeply; at most {MAX_JSON_DEPTH} levels")
    return value


class _NumberTooLong(ValueError):
    pass


def _bounded_int(literal: str) -> int:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _NumberTooLong(
            f"a number in the JSON is {len(literal)} characters long; at most {MAX_NUMBER_CHARS}"
        )
    return int(literal)


def _bounded_float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _NumberTooLong(
            f"a number in the JSON is {len(literal)} characters long; at most {MAX_NUMBER_CHARS}"
        )
    return float(literal)


def _nesting_depth(value: Any, limit: int) -> int:
    """How deep ``value`` nests arrays and objects, counting no further than ``limit + 1``."""
    if not isinstance(value, (list, dict)):
        return 0
    if limit < 0:
        return 1
    children = value.values() if isinstance(value, dict) else value
    return 1 + max((_nesting_depth(child, limit - 1) for child in children), default=0)


def _shape_error(field: str, message: str) -> IntakeError:
    return IntakeError(422, [FieldError(field=field, message=message)])


def split_items(value: Any) -> list[Any]:
    """The article items of a decoded body, whatever its shape; IntakeError(422) otherwise."""
    if isinstance(value, list):
        items = value
    elif isinstance(value, dict) and BATCH_KEY in value:
        unknown = sorted(key for key in value if key != BATCH_KEY)
        if unknown:
            raise _shape_error(unknown[0], f"unknown field '{unknown[0]}' next to 'articles'")
        items = value[BATCH_KEY]
        if not isinstance(items, list):
            raise _shape_error(BATCH_KEY, f"must be a list of articles, got {type(items).__name__}")
    elif isinstance(value, dict):
        items = [value]
    else:
        raise _shape_error(
            "body",
            f'expected an article object, a list of articles or {{"articles": [...]}}, '
            f"got {type(value).__name__}",
        )
    if not items:
        raise _shape_error(BATCH_KEY, "the batch is empty; send at least one article")
    return items


def check_batch_size(items: list[Any], max_batch_articles: int) -> None:
    """Refuse a batch over the configured limit (413) before any item is looked at."""
    if len(items) > max_batch_articles:
        raise IntakeError(
            413,
            f"batch of {len(items)} articles exceeds the limit of {max_batch_articles} "
            f"articles per request (max_batch_articles); split it into smaller batches",
        )


def parse_body(content_type: str | None, body: bytes, max_batch_articles: int) -> list[Any]:
    """All whole-request checks in order; returns the raw items of an acceptable request."""
    if not is_json_content_type(content_type):
        raise IntakeError(415, f"unsupported content type '{content_type}'; send application/json")
    items = split_items(decode_json(body))
    check_batch_size(items, max_batch_articles)
    return items
