"""What tests across the suite build their nodes and items with (importable from any test directory).

The federations themselves are built with :func:`accord.node.federate`, the same call
``accord demo`` and the benchmarks use; this module holds only what the tests add to it:
the file of the Japan–ROK GSOMIA most fixtures bring into force, a synthetic image to
attach to items, and the in-process transport that delivers between nodes without sockets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Protocol

from accord.node import Node

__all__ = [
    "JPN_KOR_GSOMIA",
    "JPN_KOR_IN_FORCE",
    "Builder",
    "Loopback",
    "MakeNode",
    "OpenGroup",
    "write_image",
]

JPN_KOR_GSOMIA = "jpn-kor-gsomia-2016.toml"
"""The shipped example file of the Japan–ROK GSOMIA (:func:`accord.node.example_agreement`)."""
JPN_KOR_IN_FORCE = date(2016, 11, 23)
"""The day the Japan–ROK GSOMIA entered into force (Art. 21)."""


class MakeNode(Protocol):
    """Makes a fresh node of a group (``HomeTemplates.group``): on its own SQLite, or on ``database_url``."""

    def __call__(self, party: str, node_id: str, database_url: str | None = None) -> Node: ...


Builder = Callable[[MakeNode], object]
"""Prepares a group of nodes from a maker of fresh ones: see ``HomeTemplates.group`` (tests/conftest.py)."""


class OpenGroup(Protocol):
    """The ``open_group`` fixture's value: copies of a group of nodes a builder prepared once."""

    def __call__(self, name: str, build: Builder, *, postgres: str | None = None) -> list[Node]: ...


def write_image(path: Path, megabytes: int) -> int:
    """Write a synthetic greyscale PGM image of about ``megabytes`` MB, row by row; its size.

    A deterministic pattern (no randomness), in bounded memory: large attachments without
    shipping large files.
    """
    width = 4096
    height = max(1, megabytes * 1024 * 1024 // width)
    header = f"P5\n# Accord test imagery (synthetic)\n{width} {height}\n255\n".encode("ascii")
    base = bytes((x * 7) & 0xFF for x in range(width))
    with path.open("wb") as handle:
        handle.write(header)
        for y in range(height):
            shift = (y * 3) % width
            handle.write(base[shift:] + base[:shift])
    return path.stat().st_size


class Loopback:
    """A PeerTransport that hands bytes straight to another node's receiving service (no sockets).

    It keeps what it was given: the transmissions posted and each upload's (blob id, offset, total).
    """

    def __init__(self, node: Node) -> None:
        self.node = node
        self.posted: list[bytes] = []
        self.uploads: list[tuple[str, int, int]] = []

    def post_transmission(self, body: bytes) -> bytes:
        self.posted.append(body)
        return self.node.receiving.receive_transmission(body)

    def blob_status(self, blob_id: str) -> int:
        return self.node.receiving.blob_status(blob_id)

    def put_blob(self, blob_id: str, offset: int, total: int, pieces: Iterable[bytes]) -> int:
        self.uploads.append((blob_id, offset, total))
        return self.node.receiving.receive_blob(blob_id, offset, total, iter(pieces))
