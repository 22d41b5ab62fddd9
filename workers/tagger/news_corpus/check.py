"""Mechanical checks of the news corpus, and the counts its README reports.

Run ``python -m workers.tagger.news_corpus.check [FILE...]`` (default: every authored file).
Exit status 1 when any sentence breaks a rule; each problem names file and line.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from workers.tagger.extra_data.markup import CharSpan
from workers.tagger.labels import UNIVERSAL_ROLES
from workers.tagger.news_corpus import authored_files, news_types
from workers.tagger.news_corpus.corpus import CorpusError, NewsSentence, read_authored
from workers.tagger.news_corpus.plover_modes import PLOVER_MODES, RECIPIENT_REQUIRED
from workers.tagger.news_corpus.split import is_dev_block
from workers.tagger.words import word_spans


def tagger_ontology(geneva_ontology: dict[str, dict] | None = None) -> dict[str, set[str]]:
    """Tagger type -> allowed roles: GENEVA's ontology (when given) plus the project types."""
    roles = {name: set(entry["arguments"]) for name, entry in news_types().items()}
    for name, entry in (geneva_ontology or {}).items():
        roles[name] = set(entry["arguments"])
    return roles


def default_ontology() -> dict[str, set[str]]:
    """The ontology of the bundled GENEVA copy if it is reachable, else the project types."""
    from shared.settings import get_settings
    from workers.tagger.geneva import read_ontology

    path = get_settings().data_dir / "geneva" / "event_ontology.json"
    return tagger_ontology(read_ontology(path) if path.is_file() else None)


def sentence_problems(sentence: NewsSentence, ontology: dict[str, set[str]]) -> list[str]:
    """Every rule one sentence breaks, as readable messages (empty when it is clean)."""
    problems: list[str] = []
    spans = word_spans(sentence.text)
    starts = {start for start, _ in spans}
    ends = {end for _, end in spans}

    def check_span(what: str, span: CharSpan) -> None:
        if span.start not in starts or span.end not in ends:
            problems.append(f"{what} {sentence.span_text(span)!r} cuts a word")

    for event in sentence.events:
        name = sentence.span_text(event.trigger)
        check_span("trigger", event.trigger)
        if event.tagger_type is not None:
            if event.tagger_type not in ontology:
                problems.append(f"{name!r}: unknown tagger type {event.tagger_type!r}")
            else:
                allowed = ontology[event.tagger_type] | set(UNIVERSAL_ROLES)
                for role, _span in event.arguments:
                    if role not in allowed:
                        problems.append(
                            f"{name!r}: role {role!r} not allowed for {event.tagger_type} "
                            f"(allowed: {', '.join(sorted(allowed))})"
                        )
        elif event.arguments:
            problems.append(f"{name!r}: tagger roles on an event with no tagger type")
        for role, span in event.arguments:
            check_span(role, span)
        if event.plover is None:
            if event.actor or event.recipient or event.modes:
                problems.append(
                    f"{name!r}: actor/recipient/mode on an event with no PLOVER category"
                )
            continue
        if event.plover not in PLOVER_MODES:
            problems.append(f"{name!r}: unknown PLOVER category {event.plover!r}")
            continue
        for mode in event.modes:
            if mode not in PLOVER_MODES[event.plover]:
                problems.append(f"{name!r}: mode {mode!r} is not a mode of {event.plover}")
        if not event.actor:
            problems.append(f"{name!r}: {event.plover} event without an actor")
        if event.plover in RECIPIENT_REQUIRED and not event.recipient:
            problems.append(f"{name!r}: {event.plover} requires a recipient")
        for span in [*event.actor, *event.recipient]:
            check_span("PLOVER span", span)
            text = sentence.span_text(span)
            if text.endswith("'s") or text.endswith("’s"):
                problems.append(f"PLOVER span {text!r} keeps the possessive 's")
    return problems


@dataclass
class CheckReport:
    """Problems found and the counts of what the checked files hold."""

    problems: list[str] = field(default_factory=list)
    sentences: Counter[str] = field(default_factory=Counter)  # split -> sentences
    negatives: Counter[str] = field(default_factory=Counter)  # split -> no PLOVER event
    plover: Counter[tuple[str, str]] = field(default_factory=Counter)  # (category, split)
    types: Counter[tuple[str, str]] = field(default_factory=Counter)  # (tagger type, split)


def check_files(paths: Iterable[Path], ontology: dict[str, set[str]]) -> CheckReport:
    report = CheckReport()
    block_files: dict[str, str] = {}
    for path in paths:
        try:
            sentences = read_authored(path)
        except CorpusError as error:
            report.problems.append(str(error))
            continue
        seen_blocks: list[str] = []
        for sentence in sentences:
            if not seen_blocks or seen_blocks[-1] != sentence.block:
                if sentence.block in block_files:
                    report.problems.append(
                        f"{path.name}:{sentence.line}: block {sentence.block!r} is used twice "
                        f"(also in {block_files[sentence.block]})"
                    )
                block_files[sentence.block] = path.name
                seen_blocks.append(sentence.block)
            for problem in sentence_problems(sentence, ontology):
                report.problems.append(f"{path.name}:{sentence.line}: {problem}")
            split = "dev" if is_dev_block(sentence.block) else "train"
            report.sentences[split] += 1
            if not any(e.plover for e in sentence.events):
                report.negatives[split] += 1
            for event in sentence.events:
                if event.plover:
                    report.plover[(event.plover, split)] += 1
                if event.tagger_type:
                    report.types[(event.tagger_type, split)] += 1
    return report


def _table(title: str, counts: Counter[tuple[str, str]]) -> list[str]:
    names = sorted(
        {name for name, _ in counts}, key=lambda n: -sum(counts[(n, s)] for s in ("train", "dev"))
    )
    lines = [f"| {title} | train | dev | all |", "|---|---|---|---|"]
    for name in names:
        train, dev = counts[(name, "train")], counts[(name, "dev")]
        lines.append(f"| {name} | {train} | {dev} | {train + dev} |")
    return lines


def render_report(report: CheckReport) -> str:
    total = sum(report.sentences.values())
    lines = [
        f"{total} sentences (train {report.sentences['train']}, dev {report.sentences['dev']}), "
        f"{sum(report.negatives.values())} without a PLOVER event",
        "",
        *_table("PLOVER category", report.plover),
        "",
        *_table("tagger type", report.types),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="authored files (default: all)")
    args = parser.parse_args(argv)
    report = check_files(args.files or authored_files(), default_ontology())
    print(render_report(report))
    for problem in report.problems:
        print(f"error: {problem}", file=sys.stderr)
    if report.problems:
        print(f"{len(report.problems)} problem(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
