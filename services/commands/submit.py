"""``newsevents submit``: send article files to a running intake, optionally wait for results.

Articles are read with ``services.commands.inputs`` (problems are reported per file or
line and skipped), posted in batches, and every answer is accounted for: accepted,
duplicate (not queued again; the stored article is followed instead) or rejected with the
intake's reason. ``--wait`` polls each article until it is done or failed and then shows
the events as a table (or JSON lines with ``--json``).

Exit status: 0 when everything was accepted (and, with ``--wait``, done); 1 when anything
was skipped, rejected, failed or timed out; 2 when the intake cannot be reached at all.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from services.commands.inputs import InputArticle, read_inputs
from services.intake.client import (
    API_KEY_ENV,
    Answer,
    IntakeClient,
    IntakeUnreachable,
    default_api_key,
    default_intake_url,
)

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_UNREACHABLE = 2
#: Article states after which nothing more will happen without a new submission.
FINAL_STATES = ("done", "failed")
#: Seconds between two polling rounds of ``--wait``.
POLL_INTERVAL_S = 0.5


@dataclass(frozen=True)
class Accepted:
    """An input the intake stored (or already held): where it came from and what to follow."""

    origin: str
    id: str
    status: str
    duplicate: bool
    duplicate_of: str | None

    @property
    def stored_id(self) -> str:
        """The id of the stored article whose result answers this input."""
        return self.duplicate_of or self.id


@dataclass
class SubmitReport:
    """What the intake made of every article sent."""

    accepted: list[Accepted] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    not_queued: int = 0


@dataclass
class WaitOutcome:
    """The last known state of every followed article, and those that did not finish."""

    states: dict[str, dict[str, Any]]
    timed_out: list[str]


def short_field(field_name: str) -> str:
    """``articles[3].text`` -> ``text``: the batch position means nothing to the user."""
    head, dot, tail = field_name.partition("].")
    return tail if dot and head.startswith("articles[") else field_name


def apply_answer(report: SubmitReport, batch: list[InputArticle], answer: Answer) -> None:
    """Record one batch answer: accepted entries, per-item problems, whole-batch refusals."""
    body = answer.body if isinstance(answer.body, dict) else {}
    entries = body.get("articles" if answer.status_code == 202 else "accepted") or []
    for entry in entries:
        report.accepted.append(
            Accepted(
                origin=batch[entry["index"]].origin,
                id=entry["id"],
                status=entry["status"],
                duplicate=entry["duplicate"],
                duplicate_of=entry.get("duplicate_of"),
            )
        )
    detail = body.get("detail")
    if answer.status_code == 503:
        report.warnings.append(str(detail))
        report.not_queued += len(entries)
    elif isinstance(detail, list):
        for error in detail:
            index = error.get("index")
            origin = batch[index].origin if isinstance(index, int) else "batch"
            report.rejected.append(f"{origin}: {short_field(error['field'])}: {error['message']}")
    elif answer.status_code != 202:
        accepted_indexes = {entry["index"] for entry in entries}
        reason = f"intake answered {answer.status_code}: {detail}"
        report.rejected.extend(
            f"{item.origin}: {reason}"
            for index, item in enumerate(batch)
            if index not in accepted_indexes
        )


def send_batches(client: IntakeClient, articles: list[InputArticle], size: int) -> SubmitReport:
    """Post the articles ``size`` at a time, with a progress bar on stderr."""
    report = SubmitReport()
    with tqdm(total=len(articles), desc="submitting", unit="article", file=sys.stderr) as bar:
        for first in range(0, len(articles), size):
            batch = articles[first : first + size]
            apply_answer(report, batch, client.submit([item.payload for item in batch]))
            bar.update(len(batch))
    return report


def wait_for(client: IntakeClient, ids: list[str], timeout_s: float) -> WaitOutcome:
    """Poll each article until it is done or failed, or ``timeout_s`` has passed."""
    deadline = time.monotonic() + timeout_s
    pending = list(dict.fromkeys(ids))
    states: dict[str, dict[str, Any]] = {}
    with tqdm(total=len(pending), desc="extracting", unit="article", file=sys.stderr) as bar:
        while pending:
            still_pending = []
            for article_id in pending:
                answer = client.article(article_id)
                states[article_id] = answer.body if isinstance(answer.body, dict) else {}
                if answer.status_code == 200 and states[article_id].get("status") in FINAL_STATES:
                    bar.update(1)
                else:
                    still_pending.append(article_id)
            pending = still_pending
            remaining = deadline - time.monotonic()
            if not pending or remaining <= 0:
                break
            time.sleep(min(POLL_INTERVAL_S, remaining))
    return WaitOutcome(states=states, timed_out=pending)


def report_submission(report: SubmitReport) -> None:
    """Tell the user (stderr) about duplicates, rejected items and queueing trouble."""
    for item in report.accepted:
        if item.duplicate:
            print(
                f"duplicate: {item.origin} (id {item.id!r}) is already stored as "
                f"{item.stored_id!r}; not queued again",
                file=sys.stderr,
            )
    for message in report.rejected:
        print(f"rejected: {message}", file=sys.stderr)
    for message in report.warnings:
        print(f"warning: {message}", file=sys.stderr)


def print_results(outcome: WaitOutcome, as_json: bool) -> None:
    """Events table (or JSON lines) on stdout; failures and timeouts on stderr."""

    from services.commands.tables import render_events_table, table_console
    from shared.schemas import ExtractionResult

    if as_json:
        for state in outcome.states.values():
            print(json.dumps(state, ensure_ascii=False))
    else:
        results = [
            ExtractionResult.model_validate(state["result"])
            for state in outcome.states.values()
            if state.get("status") == "done" and state.get("result") is not None
        ]
        if results:
            table_console().print(render_events_table(results))
    for article_id, state in outcome.states.items():
        if state.get("status") == "failed":
            print(f"failed: {article_id}: {state.get('error')}", file=sys.stderr)
    for article_id in outcome.timed_out:
        status = outcome.states.get(article_id, {}).get("status", "unknown")
        print(f"timed out: {article_id} is still {status}", file=sys.stderr)


def exit_status(skipped: int, report: SubmitReport, outcome: WaitOutcome | None) -> int:
    """0 only when every input was accepted and (when waited for) is done."""
    if skipped or report.rejected:
        return EXIT_PROBLEMS
    if outcome is None:
        return EXIT_PROBLEMS if report.not_queued else EXIT_OK
    failed = any(state.get("status") == "failed" for state in outcome.states.values())
    return EXIT_PROBLEMS if failed or outcome.timed_out else EXIT_OK


def run(args: argparse.Namespace) -> int:
    """The ``submit`` command: read, send, report, optionally wait and show the events."""
    inputs = read_inputs(args.paths)
    for problem in inputs.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    if not inputs.articles:
        print("nothing to submit: no readable articles in the given paths", file=sys.stderr)
        return EXIT_PROBLEMS
    outcome: WaitOutcome | None = None
    try:
        with IntakeClient(args.url, args.api_key) as client:
            report = send_batches(client, inputs.articles, args.batch)
            report_submission(report)
            if args.wait:
                ids = [item.stored_id for item in report.accepted]
                outcome = wait_for(client, ids, args.timeout)
    except IntakeUnreachable as error:
        print(
            f"error: {error}\nIs the intake running (uvicorn services.intake.app:app)? "
            f"Point to it with --url or NEWSEVENTS_INTAKE_URL.",
            file=sys.stderr,
        )
        return EXIT_UNREACHABLE
    if outcome is not None:
        print_results(outcome, args.json)
    elif args.json:
        for item in report.accepted:
            print(json.dumps(asdict(item), ensure_ascii=False))
    else:
        duplicates = sum(item.duplicate for item in report.accepted)
        print(
            f"submitted {len(inputs.articles)} articles: "
            f"{len(report.accepted) - duplicates} queued, {duplicates} duplicates, "
            f"{len(report.rejected)} rejected, {len(inputs.problems)} skipped"
        )
    return exit_status(len(inputs.problems), report, outcome)


def positive_int(text: str) -> int:
    """argparse type for ``--batch``: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``newsevents submit`` to the command line."""
    parser = subparsers.add_parser(
        "submit",
        help="send articles to a running intake",
        description=(
            "Send .txt files (id = file stem, optional <stem>.meta.json sidecar), .jsonl "
            "files or folders of them to the intake; optionally wait for the events."
        ),
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument(
        "--url",
        default=default_intake_url(),
        help="intake base URL (default: $NEWSEVENTS_INTAKE_URL or http://127.0.0.1:8000)",
    )
    parser.add_argument(
        "--api-key",
        default=default_api_key(),
        help=f"API key sent as 'Authorization: Bearer' (default: ${API_KEY_ENV})",
    )
    parser.add_argument(
        "--batch", type=positive_int, default=50, help="articles per request (default 50)"
    )
    parser.add_argument(
        "--wait", action="store_true", help="wait until every article is done or failed"
    )
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds --wait waits (default 300)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    parser.set_defaults(func=run)
