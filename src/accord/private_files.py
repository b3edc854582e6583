"""The one way Accord creates a file that holds item content or accountability records.

Such a file (a decrypted attachment, a STIX or STANAG 4778 export, a destruction certificate,
a holdings summary, an offline bundle…) is created readable by its owner only (0600), whatever
the umask: it is opened with ``O_CREAT | O_EXCL`` and mode 0600, so there is no moment at which
another account could open it. It is written under a side name (``NAME.part``) and renamed over
``path`` only once whole, so a failure never leaves a partial file at ``path``; the rename keeps
the side file's mode, so a file replaced (``--force``) is 0600 too.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = ["PRIVATE_MODE", "private_file", "replace_private"]

PRIVATE_MODE = 0o600
"""Owner read and write, nobody else: the mode of every file Accord writes with plain content."""


@contextmanager
def private_file(path: Path, *, sync: bool = False) -> Iterator[BinaryIO]:
    """Create ``path`` 0600, whole or not at all: the handle yielded writes its side file.

    The side file is renamed over ``path`` when the block ends normally; on any exception it
    is removed and the exception goes on (an :class:`OSError` as it is: callers name the path).

    Args:
        path: The file to create (an existing one is replaced).
        sync: Flush the side file to the disk before the rename (an offline bundle).

    Raises:
        OSError: the file cannot be created or written, or ``path`` is there and is not a
            regular file (a link, a device, a pipe: renamed over, it would be replaced, e.g.
            ``/dev/stdout`` run as root — found by review; written through, a link could aim
            the plain content anywhere).
    """
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise OSError(errno.EINVAL, "not a regular file (a link, a device or a pipe)", str(path))
    part = path.with_name(path.name + ".part")
    # A crash's leftover side file is removed: O_EXCL then creates ours, 0600, or fails.
    part.unlink(missing_ok=True)
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        part.replace(path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def replace_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through :func:`private_file` (0600, whole or not at all).

    An existing file at ``path`` is replaced. (A node's keys are written by
    ``accord.node.core._home.write_private`` instead, which never replaces a file.)

    Raises:
        OSError: the file cannot be written.
    """
    with private_file(path) as handle:
        handle.write(data)
