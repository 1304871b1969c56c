"""Result folders: a run's output files appear together or not at all.

A result of several files (a GeoPackage and CSV tables, a report's HTML, PDF and workbook) is
one folder, written as a whole and swapped into place:

1. every file is written into a hidden staging folder beside the target,
   ``.<name>.staging-<pid>-<token>`` (the slow part), and a manifest ``.jamlik-result.json``
   (command, time, files) is added last;
2. when the target folder exists, ``renameat2(staging, target, RENAME_EXCHANGE)`` swaps the two
   folders in one step (Linux 3.15 and later, on ext4, XFS, Btrfs, tmpfs…); when it does not,
   a plain ``rename`` moves the staging folder in;
3. the previous set, now under the staging name, is removed.

So a process killed at any moment (even with ``kill -9``) leaves the target folder holding the
previous complete set or the new one, never a mix, without any recovery step; what it can leave
is a hidden staging folder, which the next write to the same target removes.

Where ``RENAME_EXCHANGE`` is not available (another operating system, a file system that
answers ``EINVAL``/``ENOSYS``/``EOPNOTSUPP``), the swap falls back to a recovery record
``.<name>.swap.json``, then renaming the target aside and the staging folder in. A kill between
those two renames leaves briefly *no* target folder (still never a mix);
:func:`recover_result_folder`, which every write to the target calls first, puts the new set
(or, if it is gone, the previous one) back in place.

Safety: a folder is swapped away only when jamlik wrote it (its manifest is there and nothing
else was added beside the listed files) or when it is empty; replacing an existing result needs
``overwrite=True`` (the ``--overwrite`` option of the commands). Anything else raises
:class:`~jamlik.errors.OutputExistsError` naming the folder, before any computing when the caller
checks with :func:`check_replaceable` first.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from jamlik.errors import OutputExistsError
from jamlik.i18n import t
from jamlik.storage.files import glob_escape, process_alive

__all__ = [
    "MANIFEST",
    "ResultFolder",
    "check_replaceable",
    "recover_result_folder",
    "result_folder",
    "sources_table",
]

#: The manifest a result folder carries: proof that jamlik wrote it, and its list of files.
MANIFEST = ".jamlik-result.json"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
#: Test hooks only (tests/test_result_set_atomic.py): exit at a step as ``kill -9`` would, or
#: force the fallback swap.
_EXIT_AT = "JAMLIK_TEST_RESULT_FOLDER_EXIT_AT"
_FORCE_FALLBACK = "JAMLIK_TEST_RESULT_FOLDER_FALLBACK"


def sources_table(sources: Sequence[object]) -> pd.DataFrame:
    """Return ``name, licence, attribution, url, retrieved`` for the data sources of an output."""
    rows = [
        {
            "name": getattr(s, "name", ""),
            "licence": getattr(s, "licence", ""),
            "attribution": getattr(s, "attribution", "") or "",
            "url": getattr(s, "url", "") or "",
            "retrieved": getattr(s, "retrieved", "") or "",
        }
        for s in sources
    ]
    return pd.DataFrame(rows, columns=["name", "licence", "attribution", "url", "retrieved"])


@dataclass(frozen=True)
class ResultFolder:
    """A result folder being written: files go to ``staging``; ``target`` is where they land."""

    staging: Path
    target: Path

    def final(self, path: str | os.PathLike[str]) -> Path:
        """Return where ``path`` (a file in ``staging``) will be once the folder is in place.

        A result folder written inside another one's staging (the demo's ``access/``) maps
        through both, so a message names the place the file ends up, never a staging folder.
        """
        path = self.target / Path(path).relative_to(self.staging)
        for outer in reversed(_OPEN):
            if path.is_relative_to(outer.staging):
                path = outer.target / path.relative_to(outer.staging)
        return path


#: The result folders this process is writing, innermost last (see :meth:`ResultFolder.final`).
_OPEN: list[ResultFolder] = []


def check_replaceable(target: str | os.PathLike[str], *, overwrite: bool) -> None:
    """Refuse a target that a result folder may not replace; cheap, so call it before computing.

    Allowed: no such path, an empty folder, or (with ``overwrite``) a folder jamlik wrote that
    holds only the files its manifest lists.

    Raises
    ------
    OutputExistsError
        Naming the folder: not a folder, not written by jamlik, files added since, or an
        existing result without ``overwrite``.
    """
    target = Path(os.path.normpath(target))
    here = Path.cwd()
    if Path(os.path.abspath(target)) in (here, *here.parents):
        raise OutputExistsError(t("storage.is_working_folder", path=str(target)))
    recover_result_folder(target)
    if not target.exists() and not target.is_symlink():
        return
    if target.is_symlink() or not target.is_dir():
        raise OutputExistsError(t("storage.not_a_folder", path=str(target)))
    entries = {p.name for p in target.iterdir()}
    if not entries:
        return
    listed = _manifest_names(target)
    if listed is None:
        raise OutputExistsError(t("storage.foreign_folder", path=str(target), manifest=MANIFEST))
    added = sorted(entries - listed - {MANIFEST})
    if added:
        shown = ", ".join(added[:5]) + (" …" if len(added) > 5 else "")
        raise OutputExistsError(t("storage.files_added", path=str(target), files=shown))
    if not overwrite:
        raise OutputExistsError(t("storage.exists", path=str(target)))


@contextmanager
def result_folder(
    target: str | os.PathLike[str], *, command: str, overwrite: bool
) -> Iterator[ResultFolder]:
    """Yield a staging folder to write a result into; swap it onto ``target`` when the block ends.

    The block's files appear at ``target`` together, with a manifest ``.jamlik-result.json``
    (``command``, time, files), or not at all: an exception (also ``KeyboardInterrupt`` and the
    ``SystemExit`` of SIGTERM) removes the staging folder and leaves the previous folder as it
    was. See the module docstring for the swap and its fallback.

    Raises
    ------
    OutputExistsError
        As :func:`check_replaceable`, checked before the block runs and again before the swap.
    """
    target = Path(os.path.normpath(target))
    check_replaceable(target, overwrite=overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    _sweep(target)
    staging = target.with_name(f".{target.name}.staging-{os.getpid()}-{secrets.token_hex(4)}")
    folder: ResultFolder | None = None
    try:  # made inside the try: a SIGTERM right after mkdir still removes it
        staging.mkdir()
        folder = ResultFolder(staging=staging, target=target)
        _OPEN.append(folder)
        yield folder
        _test_exit("staged")
        _write_manifest(staging, command)
        _test_exit("manifest")
        check_replaceable(target, overwrite=overwrite)  # nothing else took the name meanwhile
        _swap(staging, target)
    finally:
        if folder is not None:
            _OPEN.remove(folder)
        shutil.rmtree(staging, ignore_errors=True)


def recover_result_folder(target: str | os.PathLike[str]) -> None:
    """Finish or undo a fallback swap of ``target`` that was interrupted; drop stale staging.

    Only needed after the fallback swap (no ``RENAME_EXCHANGE``) was killed between its two
    renames: then the new set (or, if it is gone, the previous one) is put back at ``target``.
    Staging folders of processes that no longer run are removed. Safe to call at any time.
    """
    target = Path(os.path.normpath(target))
    record = _record(target)
    if record.exists() and not _swapping_elsewhere(record):
        new: Path | None = None
        old: Path | None = None
        try:
            names = json.loads(record.read_text(encoding="utf-8"))
            new, old = target.with_name(names["new"]), target.with_name(names["old"])
        except (ValueError, KeyError, TypeError):  # cannot be torn (renamed in whole); be safe
            pass
        if new is not None and old is not None and not target.exists():
            if new.is_dir():
                os.rename(new, target)  # the new set was complete: roll forward
            elif old.is_dir():
                os.rename(old, target)  # roll back
        if old is not None and old != target:
            shutil.rmtree(old, ignore_errors=True)
        record.unlink()
    record.with_name(record.name + ".tmp").unlink(missing_ok=True)
    _sweep(target)


def _swapping_elsewhere(record: Path) -> bool:
    """Whether another running process owns ``record`` (it is between its renames right now)."""
    try:
        staging = str(json.loads(record.read_text(encoding="utf-8"))["new"])
        pid = int(staging.rsplit(".staging-", 1)[1].split("-", 1)[0])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return False
    return pid != os.getpid() and process_alive(pid)


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` at ``target``; the previous ``target`` ends up at ``staging``."""
    if not target.exists():
        os.rename(staging, target)
        return
    if os.environ.get(_FORCE_FALLBACK) != "1" and _exchange(staging, target):
        _test_exit("exchanged")
        return
    _swap_with_record(staging, target)


def _exchange(a: Path, b: Path) -> bool:
    """Swap ``a`` and ``b`` atomically; ``False`` when this system cannot (then nothing moved)."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except AttributeError:  # no renameat2 in this C library (not glibc >= 2.28, not Linux)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap_with_record(staging: Path, target: Path) -> None:
    """Fallback swap: a record, the target renamed aside, the staging folder renamed in."""
    aside = target.with_name(f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
    record = _record(target)
    tmp = record.with_name(record.name + ".tmp")
    tmp.write_text(json.dumps({"new": staging.name, "old": aside.name}), encoding="utf-8")
    os.replace(tmp, record)
    try:
        os.rename(target, aside)
        _test_exit("aside")
        os.rename(staging, target)
        os.rename(aside, staging)  # so the caller's clean-up removes the previous set
    finally:
        recover_result_folder(target)


def _record(target: Path) -> Path:
    return target.with_name(f".{target.name}.swap.json")


def _write_manifest(staging: Path, command: str) -> None:
    files = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if not p.is_dir())
    manifest = {
        "jamlik_result": 1,
        "command": command,
        "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": files,
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _manifest_names(folder: Path) -> set[str] | None:
    """Top-level names a result folder's manifest lists; ``None`` when it has no valid one."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return {str(name).split("/", 1)[0] for name in manifest["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _sweep(target: Path) -> None:
    """Remove staging and aside folders of ``target`` left by processes that no longer run."""
    if not target.parent.is_dir():
        return
    for prefix in (f".{target.name}.staging-", f".{target.name}.old-"):
        for path in target.parent.glob(f"{glob_escape(prefix)}*"):
            pid = path.name[len(prefix) :].split("-", 1)[0]
            if pid.isdigit() and not process_alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


def _test_exit(step: str) -> None:
    """Exit at ``step`` without any clean-up, as ``kill -9`` would (test hook only)."""
    if os.environ.get(_EXIT_AT) == step:
        os._exit(70)
