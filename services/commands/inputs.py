"""Reading articles to submit from files: plain text with a sidecar, folders, JSON lines.

Several commands (``submit``, ``extract``) take the same PATH arguments, so the reading
lives here, apart from any network or model code. The functions only read the files they
are given and return what they found plus a list of problems: one bad line or unreadable
file is reported with its location and skipped, and never stops the other articles.

The payloads are plain JSON-able dicts in the shape the intake accepts (``id``, ``text``,
``published_at``, ...). Full validation stays with ``shared.schemas.Article`` on the
receiving side; here we only reject what is certainly unusable (not JSON, not an object,
no text), so that a line number can be named while the file is still at hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Keys a ``<stem>.meta.json`` sidecar may give; anything else in it (e.g. ``file``) is ignored.
META_KEYS = ("id", "published_at", "source", "title", "url")
#: File suffixes a folder is searched for.
FOLDER_SUFFIXES = (".txt", ".jsonl")
#: Suffix of the sidecar that carries a text file's metadata.
META_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class InputArticle:
    """One article read from disk: the JSON payload to send and where it came from."""

    payload: dict[str, Any]
    origin: str

    @property
    def id(self) -> str | None:
        """The article id, when the input names one (the intake derives it otherwise)."""
        value = self.payload.get("id")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class InputProblem:
    """Something that could not be read, with its location (``file`` or ``file:line``)."""

    origin: str
    message: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"


@dataclass
class InputBatch:
    """Everything read from a set of paths: usable articles and the problems met."""

    articles: list[InputArticle] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)

    def extend(self, other: InputBatch) -> None:
        """Append another batch's articles and problems, keeping their order."""
        self.articles.extend(other.articles)
        self.problems.extend(other.problems)


def payload_problem(payload: Any) -> str | None:
    """Why a decoded JSON value cannot be an article payload, or None when it can."""
    if not isinstance(payload, dict):
        return f"expected a JSON object, got {type(payload).__name__}"
    text = payload.get("text")
    if text is None:
        return "missing field 'text'"
    if not isinstance(text, str):
        return f"field 'text' must be a string, got {type(text).__name__}"
    if not text.strip():
        return "field 'text' is empty"
    article_id = payload.get("id")
    if article_id is not None and (not isinstance(article_id, str) or not article_id.strip()):
        return "field 'id' must be a non-blank string when given"
    return None


def parse_jsonl(lines: Iterable[str], source: str) -> InputBatch:
    """Articles from JSON lines; bad lines become problems named ``source:line``.

    Blank lines are skipped silently (editors like to leave one at the end).
    """
    batch = InputBatch()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        origin = f"{source}:{number}"
        try:
            payload = json.loads(line)
        except json.JSONDecodeError as error:
            batch.problems.append(InputProblem(origin, f"invalid JSON: {error.msg}"))
            continue
        problem = payload_problem(payload)
        if problem is not None:
            batch.problems.append(InputProblem(origin, problem))
            continue
        batch.articles.append(InputArticle(payload, origin))
    return batch


def meta_path_for(text_path: Path) -> Path:
    """Where the sidecar of ``text_path`` lives: ``<stem>.meta.json`` next to it."""
    return text_path.with_name(text_path.stem + META_SUFFIX)


def read_meta(meta_path: Path) -> dict[str, Any]:
    """The known keys of a sidecar file; raises ValueError when it is not a JSON object."""
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(
            f"invalid JSON in {meta_path.name} at line {error.lineno} column {error.colno}: "
            f"{error.msg}"
        ) from error
    if not isinstance(meta, dict):
        raise ValueError(f"{meta_path.name} must hold a JSON object")
    return {key: meta[key] for key in META_KEYS if meta.get(key) is not None}


def read_text_file(path: Path) -> InputBatch:
    """One article from a ``.txt`` file: id from the file stem unless the sidecar names one."""
    batch = InputBatch()
    origin = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        batch.problems.append(InputProblem(origin, f"not UTF-8 text: {error.reason}"))
        return batch
    except OSError as error:
        batch.problems.append(InputProblem(origin, f"cannot read: {error.strerror}"))
        return batch
    payload: dict[str, Any] = {"id": path.stem, "text": text}
    meta_path = meta_path_for(path)
    if meta_path.exists():
        try:
            payload.update(read_meta(meta_path))
        except (ValueError, OSError) as error:
            batch.problems.append(InputProblem(str(meta_path), str(error)))
            return batch
    problem = payload_problem(payload)
    if problem is not None:
        batch.problems.append(InputProblem(origin, problem))
    else:
        batch.articles.append(InputArticle(payload, origin))
    return batch


def read_jsonl_file(path: Path) -> InputBatch:
    """The articles of a JSON-lines file; bad lines are reported and skipped."""
    try:
        with path.open(encoding="utf-8") as lines:
            return parse_jsonl(lines, str(path))
    except UnicodeDecodeError as error:
        return InputBatch(problems=[InputProblem(str(path), f"not UTF-8 text: {error.reason}")])
    except OSError as error:
        return InputBatch(problems=[InputProblem(str(path), f"cannot read: {error.strerror}")])


def files_in_folder(folder: Path) -> list[Path]:
    """The ``*.txt`` and ``*.jsonl`` files directly in ``folder``, sorted by name."""
    return sorted(
        child for child in folder.iterdir() if child.is_file() and child.suffix in FOLDER_SUFFIXES
    )


def read_path(path: Path) -> InputBatch:
    """Articles from one PATH argument: a ``.txt`` file, a ``.jsonl`` file or a folder."""
    if path.is_dir():
        batch = InputBatch()
        for child in files_in_folder(path):
            batch.extend(read_path(child))
        if not batch.articles and not batch.problems:
            batch.problems.append(InputProblem(str(path), "folder holds no .txt or .jsonl files"))
        return batch
    if not path.exists():
        return InputBatch(problems=[InputProblem(str(path), "no such file or folder")])
    if path.suffix == ".txt":
        return read_text_file(path)
    if path.suffix == ".jsonl":
        return read_jsonl_file(path)
    return InputBatch(
        problems=[InputProblem(str(path), "unsupported file type (expected .txt or .jsonl)")]
    )


def read_inputs(paths: Sequence[Path]) -> InputBatch:
    """All articles from the PATH arguments, in the order given."""
    batch = InputBatch()
    for path in paths:
        batch.extend(read_path(path))
    return batch
