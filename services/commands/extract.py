"""``newsevents extract``: run the tagger in-process on files or standard input, no services.

Input is JSON lines (``{"id", "text", "published_at"?, ...}``) from ``--input FILE|-`` or
PATH arguments (``.jsonl`` files, ``.txt`` files with an optional ``.meta.json`` sidecar,
folders). Output is one ``ExtractionResult`` JSON per line on standard output, in input
order, or a table with ``--pretty``. A bad line is reported on standard error with its
location and the problem; the other lines are still processed, and the exit status is 1
when any line failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError

from services.commands.inputs import InputArticle, InputBatch, parse_jsonl, read_inputs
from shared.schemas import Article
from shared.settings import get_settings, model_dir

#: Articles handed to the tagger at once: enough to fill batches, bounded memory.
CHUNK_ARTICLES = 64


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "extract", help="extract events from articles in-process (JSON lines out)"
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="FILE",
        help=".jsonl, .txt (+ .meta.json) files or folders",
    )
    parser.add_argument(
        "--input", dest="input", default=None, help="a JSON-lines file, or - for standard input"
    )
    parser.add_argument("--pretty", action="store_true", help="print a table instead of JSON")
    parser.add_argument(
        "--model",
        type=model_dir,
        default=None,
        help="model directory, or a model's name: default, accurate",
    )
    parser.add_argument("--device", default=None, help="auto, cpu, cuda (default: setting)")
    parser.add_argument(
        "--max-chars",
        type=int,
        default=None,
        help="reject longer texts (default NEWSEVENTS_MAX_TEXT_CHARS)",
    )
    parser.set_defaults(func=run)


def validation_message(error: ValidationError) -> str:
    """One line naming each bad field and what is wrong with it."""
    parts = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "article"
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "missing field"
        parts.append(f"{field}: {message}")
    return "; ".join(parts)


def to_article(item: InputArticle, max_chars: int) -> Article:
    """Validate one payload; raises ValueError with a readable message."""
    if "id" not in item.payload:
        raise ValueError("id: missing field")
    text = item.payload.get("text", "")
    if isinstance(text, str) and len(text) > max_chars:
        raise ValueError(f"text: {len(text)} characters is over the limit of {max_chars}")
    try:
        return Article.model_validate(item.payload)
    except ValidationError as error:
        raise ValueError(validation_message(error)) from error


def read_all(args: argparse.Namespace) -> InputBatch:
    batch = InputBatch()
    if args.input == "-":
        batch.extend(parse_jsonl(sys.stdin, "<stdin>"))
    elif args.input:
        batch.extend(read_inputs([Path(args.input)]))
    batch.extend(read_inputs(args.paths))
    return batch


def run(args: argparse.Namespace) -> int:
    if args.input is None and not args.paths:
        print("error: give FILE arguments or --input FILE|-", file=sys.stderr)
        return 2
    settings = get_settings()
    max_chars = args.max_chars or settings.max_text_chars
    batch = read_all(args)
    failed = len(batch.problems)
    for problem in batch.problems:
        print(f"error: {problem}", file=sys.stderr)
    articles: list[Article] = []
    for item in batch.articles:
        try:
            articles.append(to_article(item, max_chars))
        except ValueError as error:
            failed += 1
            print(f"error: {item.origin}: {error}", file=sys.stderr)
    if articles:
        from workers.tagger.tagger import Tagger

        try:
            tagger = Tagger.load(args.model, args.device or settings.device)
        except FileNotFoundError as error:  # no model there, or its base encoder not installed
            print(f"error: {error}", file=sys.stderr)
            return 2
        results = []
        for first in range(0, len(articles), CHUNK_ARTICLES):
            chunk = tagger.extract(articles[first : first + CHUNK_ARTICLES])
            if args.pretty:
                results += chunk
            else:
                for result in chunk:
                    sys.stdout.write(result.model_dump_json() + "\n")
                sys.stdout.flush()
        if args.pretty:
            from services.commands.tables import render_events_table, table_console

            table_console().print(render_events_table(results))
    if failed:
        print(f"{failed} input(s) failed, {len(articles)} processed", file=sys.stderr)
    return 1 if failed else 0
