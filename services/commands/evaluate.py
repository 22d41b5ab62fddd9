"""``newsevents evaluate``: precision, recall and F1 of a model on annotated sentences.

Reports trigger identification and classification, argument identification and
classification end to end (arguments of predicted triggers), and argument classification
with gold triggers, which isolates the argument tagger from trigger errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shared.settings import get_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("evaluate", help="score a model on OneIE-format JSON lines")
    parser.add_argument(
        "--data",
        type=Path,
        required=True,
        action="append",
        help="annotated JSON-lines file (repeatable)",
    )
    parser.add_argument("--model", type=Path, default=None, help="model directory")
    parser.add_argument("--device", default=None, help="auto, cpu, cuda")
    parser.add_argument("--json", action="store_true", help="print scores as JSON")
    parser.set_defaults(func=run)


def format_scores(name: str, scores: dict[str, dict[str, float]]) -> str:
    lines = [f"{name}", f"  {'level':<42}{'P':>8}{'R':>8}{'F1':>8}"]
    from workers.tagger.scoring import LEVEL_LABELS

    for key, label in LEVEL_LABELS.items():
        s = scores[key]
        lines.append(f"  {label:<42}{s['precision']:>8.2f}{s['recall']:>8.2f}{s['f1']:>8.2f}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from workers.tagger.geneva import read_sentences
    from workers.tagger.tagger import Tagger
    from workers.tagger.training import evaluate_tagger

    for path in args.data:
        if not path.is_file():
            print(f"error: {path}: no such file", file=sys.stderr)
            return 2
    settings = get_settings()
    tagger = Tagger.load(args.model, args.device or settings.device)
    report = {}
    for path in args.data:
        report[str(path)] = evaluate_tagger(tagger.word_tagger, read_sentences(path))
    if args.json:
        print(json.dumps({"model": tagger.info.model_dump(), "scores": report}, indent=1))
    else:
        print(f"model {tagger.info.name} {tagger.info.version}")
        for path_name, scores in report.items():
            print(format_scores(path_name, scores))
    return 0
