"""``newsevents sweep``: train several configurations side by side and keep the best.

A lent GPU runs four MiniLM trainings at once about as fast as one (each leaves most of the
card idle), and device time is short, so choosing epochs, learning rates and seeds is done
in one sweep: every ``--config NAME=OPTIONS`` becomes a ``newsevents train`` process with
its own output folder ``OUTPUT/NAME`` and log ``OUTPUT/NAME.log``; ``--parallel`` of them run
at a time. When all are done the models are ranked by the same total that training uses to
pick an epoch (``workers.tagger.selection``), a table is printed, and ``--best DIR``
receives a copy of the winner. Options after ``--`` go to every configuration::

    newsevents sweep --output var/sweep --parallel 4 --best workers/models/default \\
        --config lr15=--encoder-lr 1.5e-4 --config lr3=--encoder-lr 3e-4 \\
        --config seed7="--encoder-lr 1.5e-4 --seed 7" -- --epochs 8
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Outcome:
    """One configuration's run: its exit status and, if it wrote a model, its total."""

    name: str
    status: int
    total: float | None
    scores: dict[str, float]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sweep", help="train several configurations in parallel and keep the best"
    )
    parser.add_argument("--output", type=Path, required=True, help="one folder per config here")
    parser.add_argument(
        "--config",
        action="append",
        required=True,
        metavar="NAME=OPTIONS",
        help="a configuration: its name and the `newsevents train` options it adds",
    )
    parser.add_argument("--parallel", type=int, default=1, help="trainings run at once")
    parser.add_argument("--best", type=Path, default=None, help="copy the best model here")
    parser.add_argument(
        "shared", nargs=argparse.REMAINDER, help="after --: options for every configuration"
    )
    parser.set_defaults(func=run)


def parse_configs(specs: list[str]) -> dict[str, list[str]]:
    """``NAME=OPTIONS`` strings as {name: option list}; names must be unique and plain."""
    configs: dict[str, list[str]] = {}
    for spec in specs:
        name, separator, options = spec.partition("=")
        if not separator or not name or not name.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"--config {spec!r}: expected NAME=OPTIONS with a plain NAME")
        if name in configs:
            raise ValueError(f"--config {name!r} given twice")
        configs[name] = shlex.split(options)
    return configs


def train_command(output: Path, options: list[str], shared: list[str]) -> list[str]:
    """The ``newsevents train`` process of one configuration."""
    train = [sys.executable, "-m", "services.cli", "train", "--output", str(output)]
    return [*train, *shared, *options]


def read_outcome(name: str, status: int, model_dir: Path) -> Outcome:
    """The scores a configuration's model directory records (none if it wrote no model)."""
    from workers.tagger.selection import selection_total

    metadata_file = model_dir / "newsevents.json"
    if status != 0 or not metadata_file.is_file():
        return Outcome(name, status, None, {})
    scores = json.loads(metadata_file.read_text())["scores"]
    summary = {
        "trigger_cls": scores["val"]["trigger_classification"]["f1"],
        "argument_cls": scores["val"]["argument_classification"]["f1"],
    }
    news = scores.get("news_dev")
    if news:
        summary["plover_macro"] = news["category_macro_f1"]
        summary["actor"] = news["actor"]["f1"]
    return Outcome(name, status, selection_total(scores), summary)


def ranked_table(outcomes: list[Outcome]) -> str:
    """Outcomes best first, one line each, failures last."""
    ordered = sorted(outcomes, key=lambda o: (o.total is None, -(o.total or 0.0), o.name))
    lines = []
    for outcome in ordered:
        if outcome.total is None:
            lines.append(f"{outcome.name}: failed (exit {outcome.status}, see its log)")
            continue
        figures = " ".join(f"{key} {value:.1f}" for key, value in outcome.scores.items())
        lines.append(f"{outcome.name}: total {outcome.total:.1f} | {figures}")
    return "\n".join(lines)


def copy_model(source: Path, target: Path) -> None:
    """Replace ``target`` with a copy of ``source`` (copied beside it first, then renamed)."""
    staging = target.with_name(target.name + ".sweep-tmp")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)


def run(args: argparse.Namespace) -> int:
    try:
        configs = parse_configs(args.config)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    shared = [option for option in args.shared if option != "--"]
    args.output.mkdir(parents=True, exist_ok=True)

    def train_one(name: str) -> Outcome:
        model_dir = args.output / name
        with (args.output / f"{name}.log").open("w") as log:
            command = train_command(model_dir, configs[name], shared)
            status = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT).returncode
        return read_outcome(name, status, model_dir)

    with ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
        outcomes = list(pool.map(train_one, configs))
    print(ranked_table(outcomes))
    finished = [o for o in outcomes if o.total is not None]
    if not finished:
        print("error: no configuration finished", file=sys.stderr)
        return 1
    best = max(finished, key=lambda o: o.total or 0.0)
    if args.best is not None:
        copy_model(args.output / best.name, args.best)
        print(f"best: {best.name}, copied to {args.best}")
    else:
        print(f"best: {best.name} ({args.output / best.name})")
    return 0 if len(finished) == len(outcomes) else 1
