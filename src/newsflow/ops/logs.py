"""Log lines for machines or for people: `NEWSFLOW_LOG_FORMAT=json` (one JSON object a line, what a
log collector parses) or `text`. Structured fields travel in a record's `fields` extra, so the same
call gives a JSON object's keys or a readable line."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

FORMATS = ("json", "text")
_FIELDS = "fields"


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    found = getattr(record, _FIELDS, None)
    return found if isinstance(found, dict) else {}


# default=str: a field that is not JSON (a datetime, an enum) is written, never dropped. Made once: json.dumps
# with options builds an encoder per call, a measurable share of a request's log line.
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ms), level, logger, message, the record's fields, any
    traceback. A line per request is written on the hottest path, so the time's text is kept per second."""

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._stamp = ""

    def format(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        if second != self._second:
            self._second, self._stamp = second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        stamp = f"{self._stamp}.{int(record.msecs):03d}Z"
        render = getattr(record, "json_line", None)
        if render is not None:  # a request's line (ops.requests.AccessRecord) writes itself, faster
            return str(render(stamp))
        line: dict[str, Any] = {
            "ts": stamp, "level": record.levelname.lower(),
            "logger": record.name, "msg": record.getMessage()}
        line.update(fields_of(record))
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return _encode(line)


class TextFormatter(logging.Formatter):
    """A readable line, with the fields as key=value after the message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = fields_of(record)
        if extra:
            text += " " + " ".join(f"{k}={v!r}" if isinstance(v, str) and " " in v else f"{k}={v}"
                                   for k, v in extra.items())
        return text


def check_format(value: str) -> str:
    value = value.strip().lower()
    if value not in FORMATS:
        raise ValueError(f"NEWSFLOW_LOG_FORMAT={value!r}: use one of {', '.join(FORMATS)}")
    return value


def configure(fmt: str, level: str = "info", stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record of the process (Newsflow's, uvicorn's, libraries') to one handler on
    `stream` (stderr) in `fmt`. uvicorn's own access log stays off: `ops.requests` writes ours."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if check_format(fmt) == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):  # theirs would print twice or in another shape
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    return handler
