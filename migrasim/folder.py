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
* The marker is trusted only as far as it can be checked: every name it lists is a plain
  relative path inside the folder (no ``..``, no absolute path), and a symbolic link anywhere
  inside the folder counts as something migrasim did not write (nothing is written or deleted
  through one).
* A file being written is first a temporary file named ``.NAME.XXXXXXXX`` +
  :data:`TEMP_SUFFIX` beside it; only such names count as migrasim's own leftovers (a user's
  dotfile does not).
* Staging folders carry :data:`STAGING_MARKER` with the writing process's id, and results set
  aside between two renames carry :data:`ASIDE_MARKER`; a later run removes such folders whose
  process is gone, and nothing else (a folder merely named like one is left alone).
* One writer at a time: a lock file ``.NAME`` + :data:`LOCK_SUFFIX` beside the folder is held
  (``flock``) while a folder is written, and for the whole of a sweep; a second writer exits
  with an error (exit 2) instead of leaving a mix.
* New folders and files get the permissions the user's umask gives (and a folder replaced by
  ``--force`` keeps the mode it had, a shared group folder's setgid bit included).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from migrasim.errors import N_, OutputError, ResultsExistError

Files = Mapping[str, str | bytes]
"""File name (relative, may hold a sub-folder) -> text (written as UTF-8) or bytes."""

MARKER = ".migrasim-results.json"
"""A results folder's marker: ``{"tool": "migrasim", "files": [...]}``."""

STAGING_MARKER = ".migrasim-staging"
"""Inside a staging folder: the id of the process writing it."""

ASIDE_MARKER = ".migrasim-aside"
"""Inside results set aside between two renames (where the file system cannot exchange two
folders in one step): the id of the process replacing them."""

TEMP_SUFFIX = ".migrasim-part"
"""The end of a temporary file's name while it is written (then renamed to its own name)."""

LOCK_SUFFIX = ".migrasim-lock"
"""Beside a results folder while a migrasim process writes it."""

MAX_PID = 1 << 22
"""Linux's largest process id (``pid_max`` cannot exceed it): a larger "id" is not one of ours."""


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()
"""The user's umask, read once at import (``os.umask`` sets it as it reads it, so it is not
read again while other threads may create files)."""


COMPARE_NAME_MAX = 100
"""The longest default compare folder name that lists every scenario (two scenarios always
fit: stems are cut to 40 characters); longer ones are
shortened (:func:`compare_folder_name`)."""


def compare_folder_name(stems: Sequence[str], variants: int = 0) -> str:
    """The default results folder of a compare (under ``results/``): every scenario, by its
    file's stem, and the number of variants: ``compare-a-vs-b-c``, ``compare-a-vs-2-variants``.
    Stems are cut to 40 characters and keep only letters, digits, ``.``, ``_`` and ``-``
    (anything else becomes ``_``), so the name is safe on any file system. A name longer than
    :data:`COMPARE_NAME_MAX` keeps the first two and counts the rest, with the first 8 hex
    digits of the SHA-256 of every part so different lists get different folders:
    ``compare-a-vs-b-and-3-more-1f2e3d4c``. The same scenarios in the same order always give
    the same name."""
    parts = [(re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "scenario")[:40]
             for stem in stems]  # fmt: skip
    if variants:
        parts.append(f"{variants}-variant{'s' if variants > 1 else ''}")
    if len(parts) < 2:
        raise ValueError("a comparison needs two or more scenarios")
    name = f"compare-{parts[0]}-vs-{'-'.join(parts[1:])}"
    if len(name) <= COMPARE_NAME_MAX:
        return name
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:8]
    return f"compare-{parts[0]}-vs-{parts[1]}-and-{len(parts) - 2}-more-{digest}"


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
    if not isinstance(files, list) or not all(isinstance(f, str) and _inside(f) for f in files):
        return None  # a marker naming anything outside its folder is not trusted at all
    return set(files)


def _inside(name: str) -> bool:
    """A name the marker may list: a plain relative path that stays inside the folder."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return False
    parts = name.split("/")
    return all(part not in ("", ".", "..") for part in parts)


def _foreign_entries(folder: Path, entries: list[str]) -> list[str]:
    """Top-level entries of ``folder`` that migrasim did not write."""
    written = written_files(folder)
    if written is None or (folder / MARKER).is_symlink():
        return entries
    tops = {name.split("/", 1)[0] for name in written} | {MARKER, ASIDE_MARKER}
    folders = _dirs(written)
    foreign = []
    for name in entries:
        path = folder / name
        if name not in tops or path.is_symlink():  # nothing is written or deleted through a link
            if not (path.is_file() and not path.is_symlink() and _is_temp(name)):
                foreign.append(name)
            continue
        if path.is_dir():  # a sub-folder (a sweep's points) may hold only listed files
            for inner in sorted(path.rglob("*")):  # rglob does not enter linked folders
                relative = inner.relative_to(folder).as_posix()
                if inner.is_dir() and not inner.is_symlink():
                    ours = relative + "/" in folders
                else:
                    ours = not inner.is_symlink() and (relative in written or _is_temp(inner.name))
                if not ours:
                    foreign.append(relative)
    return foreign


def _dirs(written: set[str]) -> set[str]:
    """Every sub-folder the listed files lie in, as ``a/`` and ``a/b/``."""
    out = set()
    for name in written:
        parts = name.split("/")[:-1]
        out |= {"/".join(parts[: i + 1]) + "/" for i in range(len(parts))}
    return out


def _is_temp(name: str) -> bool:
    """A temporary file of :func:`_replace_file` (a kill can leave one behind)."""
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


# --- writing ----------------------------------------------------------------------------------


def _marker(files: Iterable[str]) -> str:
    return json.dumps({"tool": "migrasim", "files": sorted(set(files))}, indent=2) + "\n"


def write_files(out: Path, files: Files, force: bool, protect: Iterable[Path] = ()) -> Path:
    """Write ``files`` into ``out`` atomically: everything is written to a temporary sibling
    folder, which then takes the place of ``out`` in one step. Returns the folder written.
    Holds the folder's lock (:func:`folder_lock`) from the last check to the swap."""
    out = prepare_out_dir(out, force, protect)
    with folder_lock(out):
        out = prepare_out_dir(out, force, protect)  # again: no other writer can change it now
        with _os_errors(out):
            remove_stale_staging(out)
            staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
            try:
                _set_folder_mode(staging, out)
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


def _set_folder_mode(folder: Path, like: Path) -> None:
    """Give a new folder (made 0700 by ``mkdtemp``) the mode of the folder it will replace,
    or else what the user's umask gives (a set-group-id bit inherited from the parent kept)."""
    if like.is_dir():
        os.chmod(folder, stat.S_IMODE(like.stat().st_mode))
    else:
        inherited = folder.stat().st_mode & stat.S_ISGID
        os.chmod(folder, (0o777 & ~_UMASK) | inherited)


def start_folder(out: Path, files: Files, protect: Iterable[Path] = ()) -> Path:
    """Create ``out`` (empty or absent; check with :func:`prepare_out_dir` first) with
    ``files``, to be added to later with :func:`add_files` (a sweep; hold
    :func:`folder_lock` for the whole of it)."""
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
            path = out / name
            if not _through_link(out, path):
                path.unlink(missing_ok=True)
        for folder in sorted({(out / n).parent for n in written}, reverse=True):
            if folder != out and not _through_link(out, folder):
                for leftover in folder.glob(f".*{TEMP_SUFFIX}"):
                    if leftover.is_file() and not leftover.is_symlink():
                        leftover.unlink()
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only if empty
        (out / MARKER).unlink(missing_ok=True)


def _through_link(top: Path, path: Path) -> bool:
    """Whether a folder between ``top`` (excluded) and ``path`` is a symbolic link (so
    ``path`` would lie outside ``top``)."""
    here = path.parent
    while here != top and top in here.parents:
        if here.is_symlink():
            return True
        here = here.parent
    return False


def add_files(out: Path, files: Files) -> None:
    """Add (or replace) files in an existing folder, each one atomically: it is either absent,
    its previous version, or complete. For results built up over time (a sweep's points). The
    folder's marker lists them before they are written."""
    with folder_lock(out), _os_errors(out):
        known = written_files(out) or set()
        if not set(files) <= known:
            _replace_file(out / MARKER, _marker(known | set(files)))
        for name, content in files.items():
            _replace_file(out / name, content)


def write_file(path: Path, content: str | bytes, force: bool) -> Path:
    """One file (not a results folder: e.g. the schema) written atomically, its folder made if
    missing; an existing file is replaced only with ``force``, a folder never. A symbolic link
    is written through, as ``--out`` is for folders. Returns the path written."""
    path = Path(os.path.realpath(path)) if path.is_symlink() else path
    if path.is_dir():
        raise OutputError(N_("%(path)s is a folder; give the name of a file to write", path=path))
    if path.exists() and not force:
        raise ResultsExistError(
            N_("%(path)s exists; pass --force to replace it, or choose another --out", path=path)
        )
    with _os_errors(path):
        _replace_file(path, content)
    return path


def rewrite_file(path: Path, change: Callable[[bytes], bytes]) -> bytes:
    """Replace the file at ``path`` (absent: empty) with ``change(its bytes)``, atomically and
    under its lock (:func:`folder_lock`, so two writers never lose each other's change): a
    reader, or a kill at any instant, finds the old file or the new one, never a truncated or
    half-written one. The file keeps its permissions; a symbolic link is written through.
    ``change`` may refuse by raising. Returns the bytes written."""
    path = Path(os.path.realpath(path)) if path.is_symlink() else path
    if path.is_dir():
        raise OutputError(N_("%(path)s is a folder; give the name of a file to write", path=path))
    with folder_lock(path), _os_errors(path):
        old = path.read_bytes() if path.exists() else b""
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else None
        new = change(old)
        _replace_file(path, new, mode)
    return new


def _replace_file(path: Path, content: str | bytes, mode: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        # mkstemp makes 0600; a plain file would get this
        os.fchmod(handle, 0o666 & ~_UMASK if mode is None else mode)
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
    aside = out / ASIDE_MARKER  # marks the old results as ours while they are set aside
    aside.write_text(str(os.getpid()), encoding="utf-8")
    out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _pid(text: str) -> int | None:
    """A process id written by migrasim, or None (not digits, or beyond any real id)."""
    text = text.strip()
    if not text.isdigit() or not 0 < int(text) <= MAX_PID:
        return None
    return int(text)


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
    gone), and put back results a kill left aside between two renames. Only folders carrying
    migrasim's own marker (:data:`STAGING_MARKER`, :data:`ASIDE_MARKER`) are touched: a
    folder merely named like one is the user's."""
    parent = out.parent
    if not parent.is_dir():
        return
    prefix = f".{out.name}."
    for entry in parent.iterdir():
        if not entry.name.startswith(prefix) or not entry.is_dir() or entry.is_symlink():
            continue
        aside = entry.name[len(prefix) :].startswith("old-")
        marker = entry / (ASIDE_MARKER if aside else STAGING_MARKER)
        if marker.is_symlink() or not marker.is_file():
            continue  # not ours, or complete new results waiting for a rename
        try:
            pid = _pid(marker.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
        if pid is None or _alive(pid):
            continue
        if aside and not out.exists() and written_files(entry) is not None:
            entry.rename(out)  # the old results, put back
            (out / ASIDE_MARKER).unlink(missing_ok=True)
        else:
            shutil.rmtree(entry, ignore_errors=True)


# --- one writer at a time ---------------------------------------------------------------------

_HELD: dict[Path, tuple[int, int]] = {}
"""Lock files this process holds: path -> (descriptor, depth), so a sweep that holds its
folder's lock can still add files to it."""
_HELD_GUARD = threading.Lock()


@contextlib.contextmanager
def folder_lock(out: Path) -> Iterator[None]:
    """Hold ``out``'s lock file (``.NAME.migrasim-lock`` beside it, removed on release) so no
    other migrasim process writes the folder meanwhile; if one holds it, an
    :class:`OutputError` (exit 2) says so at once, rather than waiting or mixing results.
    Re-entrant within a process."""
    out = resolve_out(out)
    with _os_errors(out):
        out.parent.mkdir(parents=True, exist_ok=True)
    path = Path(os.path.realpath(out.parent)) / f".{out.name}{LOCK_SUFFIX}"
    with _HELD_GUARD:
        held = _HELD.get(path)
        if held is not None:
            _HELD[path] = (held[0], held[1] + 1)
        else:
            with _os_errors(out):
                _HELD[path] = (_acquire(path, out), 1)
    try:
        yield
    finally:
        with _HELD_GUARD:
            fd, depth = _HELD[path]
            if depth > 1:
                _HELD[path] = (fd, depth - 1)
            else:
                del _HELD[path]
                with contextlib.suppress(OSError):
                    path.unlink()  # while still locked: a waiting opener sees a new file
                os.close(fd)


def _acquire(path: Path, out: Path) -> int:
    """Open and lock ``path``; retried when the file was removed by its last holder between
    our open and our lock (we would hold a lock on a file no one else can see)."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666 & ~_UMASK)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError(
                N_(
                    "another migrasim process is writing %(out)s now; wait for it to finish, or "
                    "choose another --out",
                    out=out,
                )
            ) from None
        except BaseException:
            os.close(fd)
            raise
        try:
            same = os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


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
