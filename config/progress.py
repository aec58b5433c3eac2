"""Progress of a long command (seeding, archiving, purging, reports, imports), one way for all: a bar
redrawn in place on a terminal, plain periodic lines otherwise (cron, a pipe, a log), never both;
`--quiet` keeps only the one-line summary; a failure ends with that summary on stderr and a non-zero
exit (CommandError)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

# Seconds between two redraws of the bar (a terminal redraws fast; a flood of writes slows the job).
BAR_EVERY = 0.1
BAR_WIDTH = 30


class Progress:
    """Counts what a command has done and shows it: `advance()` per step, `note()` for a detail
    line, `finish()` for the summary. Made by `ProgressCommand.progress()`."""

    def __init__(
        self, command: BaseCommand, *, label: str, total: int | None, unit: str, quiet: bool, every: float
    ) -> None:
        self.out = command.stdout
        self.style = command.style
        self.label, self.total, self.unit, self.quiet, self.every = label, total, unit, quiet, every
        self.tty = not quiet and self.out.isatty()
        self.done = 0
        self._drawn = False
        self._last = time.monotonic()

    def advance(self, count: int = 1, *, detail: str = "", line: str = "") -> None:
        """`count` more done. On a terminal: the bar, with `detail` beside it. Otherwise a plain line
        (`line`, else the figures), at most one per `every` seconds (0: one per step, a batch)."""
        self.done += count
        if self.quiet:
            return
        now = time.monotonic()
        if self.tty:
            if now - self._last >= BAR_EVERY or self.done == self.total:
                self._draw(detail)
                self._last = now
        elif now - self._last >= self.every:
            self.out.write(f"  {line}" if line else f"{self.label}: {self._figures()}")
            self._last = now

    def note(self, text: str) -> None:
        """A detail line ("created operator1"): above the bar on a terminal; none with --quiet."""
        if self.quiet:
            return
        self._clear()
        self.out.write(text)

    def finish(self, summary: str) -> None:
        """End the bar and write the one-line summary (also with --quiet)."""
        if self._drawn:
            self._draw("")
            self.out.write("")
            self._drawn = False
        self.out.write(self.style.SUCCESS(summary))

    def fail(self, summary: str) -> CommandError:
        """End the bar; the error to raise, whose message is the one-line summary of the failure."""
        self._clear()
        return CommandError(summary)

    def _figures(self) -> str:
        if self.total:
            return f"{self.done}/{self.total} {self.unit} ({100 * self.done // self.total}%)"
        return f"{self.done} {self.unit}"

    def _draw(self, detail: str) -> None:
        if self.total:
            filled = min(BAR_WIDTH, BAR_WIDTH * self.done // self.total)
            bar = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
        else:
            bar = ""
        self.out.write(f"\r\033[K{self.label} {bar}{self._figures()} {detail}".rstrip(), ending="")
        self.out.flush()
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self.out.write("\r\033[K", ending="")
            self._drawn = False


class ProgressCommand(BaseCommand):
    """A long command: `--quiet`, and `with self.progress(...) as progress:` around the work. Any
    error inside becomes a CommandError naming how far it got (exit status 1)."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "-q", "--quiet", action="store_true", help="Print only the one-line summary (and errors)."
        )
        return parser

    def execute(self, *args: Any, **options: Any) -> Any:
        self.quiet = bool(options.get("quiet")) or options.get("verbosity", 1) == 0
        return super().execute(*args, **options)

    @contextmanager
    def progress(
        self, label: str, *, total: int | None = None, unit: str = "items", every: float = 0.0
    ) -> Iterator[Progress]:
        """Show the progress of the block's work; `every`: seconds between plain lines off a terminal."""
        progress = Progress(
            self, label=label, total=total, unit=unit, quiet=getattr(self, "quiet", False), every=every
        )
        try:
            yield progress
        except CommandError as exc:
            raise progress.fail(f"{label}: failed after {progress._figures()}: {exc}") from exc
        except Exception as exc:
            raise progress.fail(
                f"{label}: failed after {progress._figures()}: {type(exc).__name__}: {exc}"
            ) from exc
