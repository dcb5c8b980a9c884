"""The log of an in-process run (``schemewatch run``): one line per message, nothing more.

Dagster's console logger prints a failed step's whole traceback, framework frames
included (~90 lines for a corrupt checkpoint); the command then ends with the one
line that matters. Here each message keeps its first line and errors are left
out: a failed step, and every step skipped because of it, would each print an
``error:`` line before the command's own one-line error, which names the step,
the innermost error and what to do. (The Dagster event log keeps them all.)
"""

from __future__ import annotations

import logging
import re
import sys

from dagster import Field, logger

# "<job> - <run id (a UUID)> - [<step> - ][<EVENT_TYPE> - ]"
_DAGSTER_PREFIX = re.compile(
    r"^[\w.]+ - [0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12} - (?:[\w.\[\]:-]+ - )?(?:[A-Z_]+ - )?"
)


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # Dagster's messages read "<job> - <run id> - <step> - [<EVENT> - ]<text>"; keep the text.
        text = _DAGSTER_PREFIX.sub("", record.getMessage(), count=1)
        line = next((line for line in text.strip().splitlines() if line.strip()), "")
        return f"{record.levelname.lower()}: {line.strip()}" if record.levelno >= logging.WARNING else line.strip()


@logger(config_schema={"log_level": Field(str, is_required=False, default_value="INFO")},
        description="One line per message (schemewatch run).")
def one_line_logger(init_context) -> logging.Logger:  # noqa: ANN001 - Dagster's InitLoggerContext
    """A logger writing one line per message to stderr."""
    log = logging.getLogger(f"schemewatch.run.{id(init_context)}")
    log.setLevel(init_context.logger_config["log_level"])
    log.propagate = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    handler.addFilter(lambda record: record.levelno < logging.ERROR)
    log.handlers = [handler]
    return log
