"""Shared pieces of the CLI: the console, logging set-up, progress bars, error display."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

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
from rich.text import Text

from jamlik.errors import DataError, JamlikError, PackError
from jamlik.i18n import catalogue, t

if TYPE_CHECKING:
    from jamlik.ingest.pack import Pack

__all__ = [
    "OverwriteOption",
    "bad_option",
    "check_output",
    "console",
    "fail_cleanly",
    "finite_numbers",
    "named",
    "progress_bar",
    "refuse",
    "refuse_non_finite",
    "require_areas",
    "require_utf8",
    "require_year",
    "setup_logging",
]

console = Console(stderr=True)
T = TypeVar("T")
#: ``--overwrite``: replacing an existing output is explicit (every command that writes one).
OverwriteOption = Annotated[
    bool, typer.Option("--overwrite", help=t("storage.opt_overwrite"), show_default=False)
]


class _LevelInLanguage(RichHandler):
    """Rich's log handler with the level named in the user's language (sv ``VARNING``)."""

    def get_level_text(self, record: logging.LogRecord) -> Text:
        level = record.levelname.lower()
        name = t(f"common.level.{level}") if f"common.level.{level}" in catalogue() else level
        return Text.styled(name.upper().ljust(8), f"logging.level.{level}")


def setup_logging(verbosity: int) -> None:
    """Attach a Rich handler to the ``jamlik`` logger; only the CLI does this."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logger = logging.getLogger("jamlik")
    logger.handlers[:] = [_LevelInLanguage(console=console, show_path=False)]
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


def fail_cleanly(
    func: Callable[[], T], *, options: Mapping[str, tuple[str, object]] | None = None
) -> T:
    """Run ``func``; turn a :class:`JamlikError` into a readable message and exit code 2.

    ``options`` maps a run parameter to the option and value typed for it
    (``{"categories": ("--categories", "casinos")}``): an error the run marks as caused by that
    parameter (:func:`jamlik.errors.about_parameter`) then names the option, as typed.
    """
    try:
        return func()
    except JamlikError as exc:
        if options and exc.parameter is not None and exc.parameter in options:
            option, given = options[exc.parameter]
            refuse(bad_option(option, given, str(exc)))
        refuse(exc)


def require_areas(pack: Pack, areas: Sequence[str] | None, *, option: str) -> None:
    """Refuse area ids (``--vulnerable-areas``) that are not areas of the pack, before computing."""
    if areas:
        from jamlik.runs.inputs import vulnerable_areas

        fail_cleanly(
            lambda: vulnerable_areas(pack, given=areas),
            options={"vulnerable_areas": (option, ",".join(areas))},
        )


def require_year(pack: Pack, year: int | None, option: str = "--year") -> None:
    """Refuse a statistics year the pack has no statistics for, before any computing."""
    if year is not None and pack.years and year not in pack.years:
        years = ", ".join(map(str, pack.years))
        refuse(bad_option(option, year, t("common.pack_has_no_year", name=pack.name, years=years)))


def named(option: str, given: object, func: Callable[[], T]) -> T:
    """Run ``func``, which reads the one option ``option``; its error names the option as typed.

    ``named("--date", "2025-13-01", lambda: parse_date(text))`` fails with
    ``--date 2025-13-01: cannot read the date …``.
    """
    try:
        return func()
    except PackError:
        raise
    except JamlikError as exc:
        raise bad_option(option, given, str(exc)) from None


def bad_option(option: str, given: object, reason: str) -> DataError:
    """Return the error for one option: ``--mode fly: choose walk or bike``."""
    return DataError(t("common.bad_option", option=option, given=_plain(given), reason=reason))


def refuse(exc: JamlikError) -> NoReturn:
    """Print ``exc`` (a pack's problems one a line) and exit with code 2."""
    if isinstance(exc, PackError):
        console.print(
            f"[bold red]{escape(exc.pack)}[/]: "
            + escape(t("common.pack_problems", n=len(exc.problems)))
        )
        for problem in exc.problems:
            console.print(f"  • {problem}", markup=False, highlight=False, soft_wrap=True)
    else:
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
    if not _writable(out.parent):
        refuse("common.out_not_writable")
    if overwrite is not None and folder:
        from jamlik.storage import check_replaceable

        fail_cleanly(lambda: check_replaceable(out, overwrite=overwrite))
    elif overwrite is not None and not overwrite and out.exists():
        refuse("storage.exists")
    return out


def _writable(folder: Path) -> bool:
    """Whether a file can be made in ``folder`` (or, if missing, its nearest existing ancestor).

    Outputs are written to a temporary file or folder beside the target and renamed into place,
    so the parent must take new entries. A real probe file rather than ``os.access``: root passes
    ``os.access`` on a read-only file system, and the probe sees ACLs and quotas too.
    """
    existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("/"))
    try:
        handle, probe = tempfile.mkstemp(prefix=".jamlik-probe-", dir=existing)
    except OSError:
        return False
    os.close(handle)
    os.unlink(probe)
    return True


def finite_numbers(text: str, *, option: str) -> tuple[float, ...]:
    """Parse a comma-separated list of finite numbers given to ``option`` (``"5,10,15"``)."""
    import math

    values = []
    for part in (p.strip() for p in text.split(",")):
        try:
            value = float(part)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            reason = t("common.option_not_finite")
            raise DataError(t("common.bad_option", option=option, given=text, reason=reason))
        values.append(value)
    return tuple(values)


def refuse_non_finite(command: Any) -> Any:
    """Make a click ``command`` (and its sub-commands) refuse NaN and ±inf in float options.

    Click parses ``nan`` and ``1e999`` as floats and its ranges let NaN through (every
    comparison with NaN is false); no jamlik option has a use for either. The check runs on
    the parsed values before the command's own code, and names the option as typed.
    """
    import math

    callback = getattr(command, "callback", None)
    if callback is not None:

        def checked(*args: Any, **kwargs: Any) -> Any:
            for param in command.params:
                value = kwargs.get(param.name)
                values = value if isinstance(value, list | tuple) else [value]
                if any(isinstance(v, float) and not math.isfinite(v) for v in values):
                    opts = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
                    option = max(opts, key=len) if opts else f"--{param.name}"
                    refuse(bad_option(option, value, t("common.option_not_finite")))
            return callback(*args, **kwargs)

        command.callback = checked
    for sub in getattr(command, "commands", {}).values():
        refuse_non_finite(sub)
    return command


def require_utf8(path: Path) -> None:
    """Refuse a file that is not UTF-8 text, naming it and the line of the first bad byte."""
    if not path.is_file():
        return  # the reader names a missing file itself
    data = path.read_bytes()
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(t("common.not_utf8_file", path=str(path), line=line)) from None
