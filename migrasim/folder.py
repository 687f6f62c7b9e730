"""The one way results reach the disk: whole folders swapped in atomically, or single files
written to a temporary name and renamed. A failure leaves earlier results untouched and no
partial file or folder behind.

Safety rules (what ``--force`` may and may not do):

* Every results folder carries a marker, :data:`MARKER`, listing the files migrasim wrote.
  ``--force`` replaces only a folder with that marker whose every entry migrasim wrote; a
  folder holding anything else (a README, the scenario itself) is refused with a list of what
  is in the way, and nothing is deleted.
* ``--out`` given as a symbolic link writes into the link's target (the link stays).
* A folder is replaced by exchanging it with the complete new one in a single
  ``renameat2(RENAME_EXCHANGE)`` (Linux), so after a kill at any instant ``--out`` holds either
  the old complete results or the new complete ones. Elsewhere two renames are used, and a
  later run puts back results a kill left aside between them.
* Staging folders carry the writing process's id; a later run removes those whose process is
  gone (``.NAME.XXXXXXXX``; nothing else is touched).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from migrasim.errors import N_, OutputError, ResultsExistError

Files = Mapping[str, str | bytes]
"""File name (relative, may hold a sub-folder) -> text (written as UTF-8) or bytes."""

MARKER = ".migrasim-results.json"
"""A results folder's marker: ``{"tool": "migrasim", "files": [...]}``."""

STAGING_MARKER = ".migrasim-staging"
"""Inside a staging folder: the id of the process writing it."""


# --- checks -----------------------------------------------------------------------------------


def resolve_out(out: Path) -> Path:
    """The folder results go to: a symbolic link's target (so the link keeps pointing at
    the results), or ``out`` itself. A link to nowhere is an error."""
    if out.is_symlink():
        target = Path(os.path.realpath(out))
        if not target.exists():
            raise OutputError(
                N_("%(out)s is a link to %(target)s, which does not exist; create %(target)s or "
                   "choose another --out", out=out, target=target)
            )  # fmt: skip
        return target
    return out


def prepare_out_dir(out: Path, force: bool, protect: Iterable[Path] = ()) -> Path:
    """Check that results may be written to ``out`` and return the real folder to write.

    Refuses (with :class:`ResultsExistError`, exit 2) a non-empty folder unless ``force``, and
    with ``force`` any folder that holds something migrasim did not write or that holds one of
    ``protect`` (the scenario file and its inventories)."""
    out = resolve_out(out)
    if out.exists() and not out.is_dir():
        raise ResultsExistError(
            N_("%(out)s exists and is not a folder; choose another --out", out=out)
        )
    _check_protected(out, protect)
    if not out.is_dir():
        _check_writable(out.parent if out.parent.exists() else _existing_parent(out))
        return out
    entries = sorted(p.name for p in out.iterdir())
    if not entries:
        _check_writable(out.parent)
        return out
    foreign = _foreign_entries(out, entries)
    if not force:
        if foreign:
            raise ResultsExistError(
                N_("%(out)s is not empty and holds files migrasim did not write (%(files)s); "
                   "choose another --out", out=out, files=_listing(foreign))
            )  # fmt: skip
        raise ResultsExistError(
            N_("%(out)s already holds results; pass --force to replace them or --out for a new "
               "folder", out=out)
        )  # fmt: skip
    if foreign:
        raise ResultsExistError(
            N_("%(out)s holds files migrasim did not write, so --force will not replace it: "
               "%(files)s; move them away or choose another --out", out=out,
               files=_listing(foreign))
        )  # fmt: skip
    _check_writable(out.parent)
    return out


def _existing_parent(path: Path) -> Path:
    for parent in path.parents:
        if parent.exists():
            return parent
    return Path(".")


def _check_writable(folder: Path) -> None:
    if not folder.is_dir():
        raise OutputError(N_("%(folder)s is not a folder; choose another --out", folder=folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(
            N_("cannot write in %(folder)s (permission denied); choose another --out or fix the "
               "folder's permissions", folder=folder)
        )  # fmt: skip


def _check_protected(out: Path, protect: Iterable[Path]) -> None:
    here = Path(os.path.realpath(out))
    for path in protect:
        real = Path(os.path.realpath(path))
        if real == here or here in real.parents:
            raise ResultsExistError(
                N_("%(out)s holds %(path)s, which the run reads; results never replace their "
                   "own input: choose another --out", out=out, path=path)
            )  # fmt: skip


def _listing(names: list[str], most: int = 8) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def written_files(folder: Path) -> set[str] | None:
    """The files the marker says migrasim wrote in ``folder`` (None: no marker)."""
    try:
        record = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("tool") != "migrasim":
        return None
    files = record.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return set(files)


def _foreign_entries(folder: Path, entries: list[str]) -> list[str]:
    """Top-level entries of ``folder`` that migrasim did not write."""
    written = written_files(folder)
    if written is None:
        return entries
    tops = {name.split("/", 1)[0] for name in written} | {MARKER}
    foreign = [e for e in entries if e not in tops]
    for name in entries:  # a sub-folder (a sweep's points) may hold only listed files
        path = folder / name
        if name in tops and path.is_dir() and not path.is_symlink():
            for inner in path.rglob("*"):
                relative = inner.relative_to(folder).as_posix()
                if inner.is_file() and relative not in written and not _is_temp(inner.name):
                    foreign.append(relative)
    return foreign


def _is_temp(name: str) -> bool:
    return name.startswith(".") and "." in name[1:]


# --- writing ----------------------------------------------------------------------------------


def _marker(files: Iterable[str]) -> str:
    return json.dumps({"tool": "migrasim", "files": sorted(set(files))}, indent=2) + "\n"


def write_files(out: Path, files: Files, force: bool, protect: Iterable[Path] = ()) -> Path:
    """Write ``files`` into ``out`` atomically: everything is written to a temporary sibling
    folder, which then takes the place of ``out`` in one step. Returns the folder written."""
    out = prepare_out_dir(out, force, protect)
    with _os_errors(out):
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(out)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        try:
            (staging / STAGING_MARKER).write_text(str(os.getpid()), encoding="utf-8")
            for name, content in files.items():
                _write(staging / name, content)
            (staging / MARKER).write_text(_marker(files), encoding="utf-8")
            (staging / STAGING_MARKER).unlink()
            _swap_in(staging, out)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return out


def start_folder(out: Path, files: Files, protect: Iterable[Path] = ()) -> Path:
    """Create ``out`` (empty or absent; check with :func:`prepare_out_dir` first) with
    ``files``, to be added to later with :func:`add_files` (a sweep)."""
    out = resolve_out(out)
    with _os_errors(out):
        out.mkdir(parents=True, exist_ok=True)
        _check_protected(out, protect)
    add_files(out, files)
    return out


def clear_folder(out: Path) -> None:
    """Delete what migrasim wrote in ``out`` (checked by :func:`prepare_out_dir` with
    ``force``); anything else is left, so this never deletes a file migrasim did not write."""
    written = written_files(out) or set()
    with _os_errors(out):
        for name in sorted(written, reverse=True):
            (out / name).unlink(missing_ok=True)
        for folder in sorted({(out / n).parent for n in written}, reverse=True):
            if folder != out:
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only if empty
        (out / MARKER).unlink(missing_ok=True)


def add_files(out: Path, files: Files) -> None:
    """Add (or replace) files in an existing folder, each one atomically: it is either absent,
    its previous version, or complete. For results built up over time (a sweep's points). The
    folder's marker lists them before they are written."""
    with _os_errors(out):
        known = written_files(out) or set()
        if not set(files) <= known:
            _replace_file(out / MARKER, _marker(known | set(files)))
        for name, content in files.items():
            _replace_file(out / name, content)


def _replace_file(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content.encode("utf-8") if isinstance(content, str) else content)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


# --- replacing a folder -----------------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False where that is not available."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False  # the file system cannot exchange
    raise OSError(code, os.strerror(code), str(b))


def _swap_in(staging: Path, out: Path) -> None:
    if not out.exists():
        staging.rename(out)
        return
    if _exchange(staging, out):
        # ``staging`` now holds the old results: mark it so a later run can remove it if
        # this process dies before it does.
        with contextlib.suppress(OSError):
            (staging / STAGING_MARKER).write_text(str(os.getpid()), encoding="utf-8")
        shutil.rmtree(staging, ignore_errors=True)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_staging(out: Path) -> None:
    """Remove staging folders beside ``out`` that a killed migrasim left (their process is
    gone), and put back results a kill left aside between two renames."""
    parent = out.parent
    if not parent.is_dir():
        return
    prefix = f".{out.name}."
    for entry in parent.iterdir():
        if not entry.name.startswith(prefix) or not entry.is_dir() or entry.is_symlink():
            continue
        rest = entry.name[len(prefix) :]
        if rest.startswith("old-"):
            pid_text = rest[4:]
            if pid_text.isdigit() and not _alive(int(pid_text)):
                if not out.exists() and written_files(entry) is not None:
                    entry.rename(out)  # the old results, put back
                else:
                    shutil.rmtree(entry, ignore_errors=True)
            continue
        try:
            pid_text = (entry / STAGING_MARKER).read_text(encoding="utf-8").strip()
        except OSError:
            continue  # not ours, or complete new results waiting for a rename
        if pid_text.isdigit() and not _alive(int(pid_text)):
            shutil.rmtree(entry, ignore_errors=True)


@contextlib.contextmanager
def _os_errors(out: Path) -> Iterator[None]:
    """Operating-system errors while writing become :class:`OutputError` (exit 2) naming the
    path and the fix, never an internal error."""
    try:
        yield
    except OutputError:
        raise
    except PermissionError as exc:
        raise OutputError(
            N_("cannot write %(path)s (permission denied); choose another --out or fix the "
               "folder's permissions", path=exc.filename or out)
        ) from None  # fmt: skip
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise OutputError(
                N_("the disk holding %(out)s is full; free some space or choose another --out",
                   out=out)
            ) from None  # fmt: skip
        if exc.errno == errno.EROFS:
            raise OutputError(
                N_("%(out)s is on a read-only file system; choose another --out", out=out)
            ) from None
        raise OutputError(
            N_("cannot write %(path)s (%(error)s); choose another --out",
               path=exc.filename or out, error=exc.strerror or exc)
        ) from None  # fmt: skip
