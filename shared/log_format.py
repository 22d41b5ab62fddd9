"""One log line per record, in JSON or in plain text, with control characters escaped.

Logs of a service that takes text from strangers must not let that text forge log lines:
an article id or URL holding a newline and ``CRITICAL ...`` used to appear in the worker log
as a line of its own, and an ANSI escape could rewrite a terminal. Both formats here write
exactly one line per record whatever the message holds:

* ``json`` (default): one JSON object per line (``ts``, ``level``, ``logger``, ``message``,
  ``exception`` when there is one, ``task_id``/``task_name`` inside a Celery task), which log
  collectors parse without a grok pattern; ``json.dumps`` escapes every control character.
* ``text``: ``ts level logger: message``, with control characters written as ``\\n``,
  ``\\x1b`` ... for people reading a terminal.

The intake (``services.intake.app``) and the workers (``workers.celery_app``, through
Celery's ``setup_logging`` signal) both call ``configure_logging``; uvicorn's and Celery's
own loggers then go through the same handler.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from typing import Any, TextIO

#: Every C0 control character, DEL and the C1 range (ESC included), which a terminal or a
#: line-oriented log reader could interpret.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Loggers that install handlers of their own; they are pointed at the root's handler.
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "celery", "celery.task")
LOG_FORMATS = ("json", "text")
#: HTTP client loggers kept at WARNING: their INFO/DEBUG lines print request URLs, the
#: credentials of callback URLs included.
QUIET_LOGGERS = ("httpx", "httpcore")


def escape_controls(text: str) -> str:
    """``text`` with each control character written as a visible escape (``\\n``, ``\\x1b``)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _timestamp(record: logging.LogRecord) -> str:
    moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _current_task() -> tuple[str, str] | None:
    """Id and name of the Celery task running in this thread, if Celery is loaded."""
    state = sys.modules.get("celery._state")
    task = state.get_current_task() if state is not None else None
    if task is None or task.request.id is None:
        return None
    return str(task.request.id), str(task.name)


class JsonFormatter(logging.Formatter):
    """A record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        task = _current_task()
        if task is not None:
            entry["task_id"], entry["task_name"] = task
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class EscapingTextFormatter(logging.Formatter):
    """``ts level logger: message`` on one line, control characters escaped."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        elif record.exc_text:
            line += "\n" + record.exc_text
        return escape_controls(line)


def formatter_for(log_format: str) -> logging.Formatter:
    """The formatter of ``log_format`` (``json`` or ``text``)."""
    if log_format == "json":
        return JsonFormatter()
    if log_format == "text":
        return EscapingTextFormatter()
    raise ValueError(f"log format must be one of {LOG_FORMATS}, not {log_format!r}")


def configure_logging(log_format: str, level: str = "INFO", stream: TextIO | None = None) -> None:
    """Send every record (root, uvicorn's, Celery's) to one handler on ``stream`` (stderr).

    Idempotent: calling it again replaces the handler instead of adding a second one.
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter_for(log_format))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers = []
        server_logger.propagate = True
    logging.captureWarnings(True)  # warnings too: one format, one line each
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
