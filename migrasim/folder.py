"""The one way results reach the disk: whole folders swapped in atomically, or single files
written to a temporary name and renamed. A failure leaves earlier results untouched and no
partial file or folder behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from migrasim.errors import ResultsExistError

Files = Mapping[str, str | bytes]
"""File name (relative, may hold a sub-folder) -> text (written as UTF-8) or bytes."""


def prepare_out_dir(out: Path, force: bool) -> None:
    """Refuse to overwrite an existing non-empty folder unless ``force``."""
    if out.exists() and not out.is_dir():
        raise ResultsExistError(f"{out} exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ResultsExistError(
            f"{out} already holds results; pass --force to replace them or --out for a new folder"
        )


def write_files(out: Path, files: Files, force: bool) -> None:
    """Write ``files`` into ``out`` atomically: everything is written to a temporary sibling
    folder, which then replaces ``out`` in one rename."""
    prepare_out_dir(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, content in files.items():
            _write(staging / name, content)
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def add_files(out: Path, files: Files) -> None:
    """Add (or replace) files in an existing folder, each one atomically: it is either absent,
    its previous version, or complete. For results built up over time (a sweep's points)."""
    for name, content in files.items():
        path = out / name
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


def _swap_in(staging: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    staging.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
