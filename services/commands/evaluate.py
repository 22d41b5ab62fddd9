"""``newsevents evaluate``: precision, recall and F1 of a model on annotated sentences.

Two kinds of data, told apart by their records:

* GENEVA/OneIE JSON lines (``tokens``, ``event_mentions``): trigger identification and
  classification, argument identification and classification end to end, and argument
  classification with gold triggers, which isolates the argument tagger from trigger errors;
* PLOVER-annotated JSON lines in the guide's format (``text``, ``events``), such as the
  project's news dev set (``--news-dev``): the PLOVER coder's scores per category, actor and
  recipient span F1, sentence-level recall, news-type trigger scores and events fired on
  event-free sentences (see ``workers.tagger.plover_scoring``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shared.settings import get_settings, model_dir


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("evaluate", help="score a model on annotated JSON lines")
    parser.add_argument(
        "--data",
        type=Path,
        action="append",
        default=[],
        help="annotated JSON-lines file, OneIE or PLOVER guide format (repeatable)",
    )
    parser.add_argument(
        "--news-dev", action="store_true", help="also score the bundled news corpus dev split"
    )
    parser.add_argument(
        "--plover",
        action="store_true",
        help="require PLOVER scores: fail on data without a PLOVER layer",
    )
    parser.add_argument(
        "--model",
        type=model_dir,
        default=None,
        help="model directory, or a model's name: default, accurate",
    )
    parser.add_argument("--device", default=None, help="auto, cpu, cuda")
    parser.add_argument(
        "--quantize",
        choices=["auto", "off", "int8"],
        default=None,
        help="int8 encoder on CPU (default: NEWSEVENTS_QUANTIZE)",
    )
    parser.add_argument("--json", action="store_true", help="print scores as JSON")
    parser.set_defaults(func=run)


def format_scores(name: str, scores: dict[str, dict[str, float]]) -> str:
    lines = [f"{name}", f"  {'level':<42}{'P':>8}{'R':>8}{'F1':>8}"]
    from workers.tagger.scoring import LEVEL_LABELS

    for key, label in LEVEL_LABELS.items():
        s = scores[key]
        lines.append(f"  {label:<42}{s['precision']:>8.2f}{s['recall']:>8.2f}{s['f1']:>8.2f}")
    return "\n".join(lines)


def format_plover(name: str, report: dict) -> str:
    """The PLOVER report as aligned text tables."""
    row = "  {:<26}{:>8}{:>8}{:>8}{:>7}"
    lines = [name, row.format("PLOVER category", "P", "R", "F1", "gold")]
    for category, s in report["categories"].items():
        lines.append(_score_row(row, category, s))
    lines.append(_score_row(row, "micro average", report["category_micro"]))
    lines.append(f"  {'macro-F1 over categories':<26}{report['category_macro_f1']:>24.2f}")
    for side in ("actor", "recipient", "modes"):
        lines.append(_score_row(row, f"{side} spans" if side != "modes" else "modes", report[side]))
    lines.append(
        f"  gold events whose category the sentence gets: {report['sentence_category_recall']:.2f}%"
        f", with an actor span right: {report['sentence_actor_recall']:.2f}%"
    )
    lines.append(row.format("news type (trigger)", "P", "R", "F1", "gold"))
    for event_type, s in report["news_types"].items():
        lines.append(_score_row(row, event_type, s))
    free = report["event_free"]
    lines.append(
        f"  {free['sentences']} sentences with no PLOVER event: "
        f"{free['plover_events_per_100']:.2f} PLOVER events and "
        f"{free['news_type_events_per_100']:.2f} news-type events fired per 100 sentences"
    )
    return "\n".join(lines)


def _score_row(row: str, name: str, s: dict) -> str:
    return row.format(
        name, f"{s['precision']:.2f}", f"{s['recall']:.2f}", f"{s['f1']:.2f}", s["gold"]
    )


def _load(path: Path) -> tuple[str, list]:
    """("plover", sentences) for guide-format files, ("geneva", sentences) for OneIE ones."""
    from workers.tagger.geneva import read_sentences
    from workers.tagger.news_corpus.jsonl import is_guide_record, read_records
    from workers.tagger.news_corpus.tokens import to_sentence

    with path.open(encoding="utf-8") as handle:
        first = next((line for line in handle if line.strip()), "{}")
    if is_guide_record(json.loads(first)):
        return "plover", [to_sentence(s) for s in read_records(path)]
    return "geneva", read_sentences(path)


def run(args: argparse.Namespace) -> int:
    from workers.tagger.news_corpus import load_split
    from workers.tagger.news_corpus.tokens import to_sentence
    from workers.tagger.tagger import Tagger
    from workers.tagger.training import evaluate_news, evaluate_tagger

    if not args.data and not args.news_dev:
        print("error: give --data FILE and/or --news-dev", file=sys.stderr)
        return 2
    datasets: list[tuple[str, str, list]] = []
    for path in args.data:
        if not path.is_file():
            print(f"error: {path}: no such file", file=sys.stderr)
            return 2
        try:
            kind, sentences = _load(path)
        except (ValueError, KeyError) as error:
            print(f"error: {path}: {error}", file=sys.stderr)
            return 2
        if args.plover and kind != "plover":
            print(f"error: {path} has no PLOVER annotations (guide format)", file=sys.stderr)
            return 2
        datasets.append((str(path), kind, sentences))
    if args.news_dev:
        datasets.append(("news corpus dev", "plover", [to_sentence(s) for s in load_split("dev")]))
    settings = get_settings()
    try:
        tagger = Tagger.load(args.model, args.device or settings.device, quantize=args.quantize)
    except FileNotFoundError as error:  # no model there, or its base encoder not installed
        print(f"error: {error}", file=sys.stderr)
        return 2
    if (
        any(kind == "plover" for _, kind, _ in datasets)
        and not tagger.word_tagger.labels.has_plover
    ):
        print("error: this model has no PLOVER coder", file=sys.stderr)
        return 2
    report: dict[str, dict] = {}
    for name, kind, sentences in datasets:
        if kind == "plover":
            report[name] = {"plover": evaluate_news(tagger.word_tagger, sentences)}
        else:
            report[name] = evaluate_tagger(tagger.word_tagger, sentences)
    if args.json:
        model = {**tagger.info.model_dump(), "quantized": tagger.word_tagger.quantized}
        print(json.dumps({"model": model, "scores": report}, indent=1))
    else:
        int8 = " (encoder in int8)" if tagger.word_tagger.quantized else ""
        print(f"model {tagger.info.name} {tagger.info.version}{int8}")
        for name, scores in report.items():
            if "plover" in scores:
                print(format_plover(name, scores["plover"]))
            else:
                print(format_scores(name, scores))
    return 0
