"""Shared pieces of the CLI: the console, logging set-up, progress bars, error display."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from jamlik.errors import DataError, JamlikError, PackError
from jamlik.i18n import t

__all__ = [
    "OverwriteOption",
    "check_output",
    "console",
    "fail_cleanly",
    "progress_bar",
    "setup_logging",
]

console = Console(stderr=True)
T = TypeVar("T")
#: ``--overwrite``: replacing an existing output is explicit (every command that writes one).
OverwriteOption = Annotated[
    bool, typer.Option("--overwrite", help=t("storage.opt_overwrite"), show_default=False)
]


def setup_logging(verbosity: int) -> None:
    """Attach a Rich handler to the ``jamlik`` logger; only the CLI does this."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logger = logging.getLogger("jamlik")
    logger.handlers[:] = [RichHandler(console=console, show_path=False)]
    logger.setLevel(level)


@contextmanager
def progress_bar(description: str, total: float | None = None) -> Iterator[Callable[..., None]]:
    """Show a Rich progress bar; yields ``advance(step=1, total=None)``."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)

        def advance(step: float = 1, total: float | None = None) -> None:
            if total is not None:
                bar.update(task, total=total)
            bar.advance(task, step)

        yield advance


def option_error(exc: ValueError, options: Mapping[str, str]) -> DataError:
    """Turn an options model's validation error into one line per bad option, named as typed.

    ``options`` maps a model field to its command-line option (``cutoffs_min`` → ``--cutoffs``);
    other fields are shown as ``--field-name``. pydantic's own texts ("Input should be greater
    than or equal to 1") are replaced by a catalogued sentence for the common bounds.
    """
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return DataError(str(exc))
    lines = []
    for error in exc.errors(include_url=False):
        field = str(error["loc"][0]) if error["loc"] else ""
        option = options.get(field, "--" + field.replace("_", "-"))
        given = error.get("input")
        shown = ",".join(map(_plain, given)) if isinstance(given, tuple | list) else _plain(given)
        bound = {**error.get("ctx", {})}
        key = f"common.option_{error['type']}"
        if error["type"] in _BOUND_TYPES:
            reason = t(key, limit=_plain(next(iter(bound.values()))))
        else:
            reason = str(error["msg"]).removeprefix("Value error, ")
        lines.append(t("common.bad_option", option=option, given=shown, reason=reason))
    return DataError("\n".join(lines))


_BOUND_TYPES = ("greater_than", "greater_than_equal", "less_than", "less_than_equal")


def _plain(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def fail_cleanly(func: Callable[[], T]) -> T:
    """Run ``func``; turn a :class:`JamlikError` into a readable message and exit code 2."""
    try:
        return func()
    except PackError as exc:
        console.print(
            f"[bold red]{escape(exc.pack)}[/]: "
            + escape(t("common.pack_problems", n=len(exc.problems)))
        )
        for problem in exc.problems:
            console.print(f"  • {problem}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    except JamlikError as exc:
        console.print(
            f"[bold red]{t('common.error')}:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(code=2) from None


def check_output(
    out: Path,
    *,
    inputs: Sequence[Path | None] = (),
    folder: bool = False,
    overwrite: bool | None = None,
) -> Path:
    """Refuse an output path that would fail or destroy input, before any computing.

    A file output may not be an existing folder, may not have a file as a parent, and may not
    be one of the command's inputs; a folder output may not be an existing file. With
    ``overwrite`` given (the command has ``--overwrite``), an existing output is replaced only
    when it is ``True``, and a folder only when jamlik wrote it
    (:func:`jamlik.storage.check_replaceable`). Exits with code 2 and a message naming the path.
    """

    def refuse(key: str) -> None:
        message = escape(t(key, path=str(out)))
        console.print(
            f"[bold red]{t('common.error')}:[/] {message}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(code=2)

    # An input first: the most important refusal, whatever else is wrong with the path.
    target = out.resolve()
    for given in inputs:
        if given is None:
            continue
        source = Path(given).resolve()
        if target == source:
            refuse("common.out_is_input")
    if folder and out.exists() and not out.is_dir():
        refuse("common.out_is_file")
    if not folder and out.is_dir():
        refuse("common.out_is_folder")
    parent = out if folder else out.parent
    for ancestor in (parent, *parent.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                refuse("common.out_parent_is_file")
            break
    if overwrite is not None and folder:
        from jamlik.storage import check_replaceable

        fail_cleanly(lambda: check_replaceable(out, overwrite=overwrite))
    elif overwrite is not None and not overwrite and out.exists():
        refuse("storage.exists")
    return out
