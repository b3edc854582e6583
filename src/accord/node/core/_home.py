"""A node's home directory: configuration, keys, database and blobs.

::

    HOME/
      config.toml          node id, party, scheme, endpoint, database URL
                           (optionally console_idle_minutes, 15 when absent)
      keys/signing.key     Ed25519 + ML-DSA-65 seeds            (0600)
      keys/hpke.key        ML-KEM-768 + X25519 private key     (0600)
      keys/hpke-cnsa.key   ML-KEM-1024 + P-384 private key (CNSA 2.0 suite, 0600)
      keys/tls.key         TLS private key, ECDSA P-384        (0600)
      keys/tls.crt         self-signed certificate for the peer API
      keys/data.key        key-encryption key for data at rest  (0600)
      accord.db            SQLite database (WAL) unless database_url says otherwise
      blobs/               encrypted attachments, named by SHA-384
      run/                 the serving processes' wake-up sockets (0700; each 0600,
                           made by `accord serve`, removed when it stops)
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, overload

from accord.errors import Conflict, InvalidInput, NotFound
from accord.limits import MAX_DOCUMENT_BYTES, read_bounded

__all__ = ["CONSOLE_IDLE_MINUTES", "HomeLayout", "NodeConfig", "write_private", "write_public"]

_NODE_ID = re.compile(r"[a-z0-9][a-z0-9-]{2,62}")
_KEYS = ("node_id", "party", "scheme", "endpoint", "database_url", "created")

CONSOLE_IDLE_MINUTES = 15
"""Minutes a console session may stay unused before it ends (issue 11; ``console_idle_minutes``)."""
_MAX_IDLE_MINUTES = 24 * 60


@dataclass(frozen=True)
class NodeConfig:
    """What ``config.toml`` holds."""

    node_id: str
    party: str
    scheme: str
    endpoint: str
    database_url: str
    created: str
    console_idle_minutes: int = CONSOLE_IDLE_MINUTES

    def __post_init__(self) -> None:
        if not _NODE_ID.fullmatch(self.node_id):
            raise InvalidInput(f"node id {self.node_id!r} must be 3–63 lower-case letters, digits or hyphens")
        idle = self.console_idle_minutes
        if isinstance(idle, bool) or not isinstance(idle, int) or not 1 <= idle <= _MAX_IDLE_MINUTES:
            raise InvalidInput(f"console_idle_minutes must be 1 to {_MAX_IDLE_MINUTES}, not {idle!r}")

    def to_toml(self) -> str:
        """The file text (TOML basic strings are JSON-escaped); a default setting is not written."""
        lines = ["# Accord node configuration. Keys live in keys/ beside this file."]
        for key in _KEYS:
            lines.append(f"{key} = {json.dumps(getattr(self, key), ensure_ascii=False)}")
        if self.console_idle_minutes != CONSOLE_IDLE_MINUTES:
            lines.append(f"console_idle_minutes = {self.console_idle_minutes}")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, text: str) -> NodeConfig:
        """Parse ``config.toml``.

        Raises:
            InvalidInput: malformed, or keys missing or unknown.
        """
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"config.toml is malformed: {exc}") from exc
        keys = set(_KEYS)
        given = set(data) - {"console_idle_minutes"}
        if given != keys or not all(isinstance(data[k], str) for k in keys):
            missing = sorted(keys - given)
            unknown = sorted(given - keys)
            raise InvalidInput(f"config.toml: missing {missing or 'nothing'}, unknown {unknown or 'nothing'}")
        return cls(**data)


class _Place:
    """A path in a node's home: ``name`` in the home itself, or in the folder ``under`` names."""

    def __init__(self, name: str, doc: str, *, under: _Place | None = None) -> None:
        self._name = name
        self._under = under
        self.__doc__ = doc

    @overload
    def __get__(self, home: None, owner: type) -> _Place: ...
    @overload
    def __get__(self, home: HomeLayout, owner: type | None = None) -> Path: ...
    def __get__(self, home: HomeLayout | None, owner: type | None = None) -> Path | _Place:
        if home is None:  # looked up on the class (help(), documentation tools)
            return self
        folder = home.root if self._under is None else self._under.__get__(home)
        return folder / self._name


@dataclass(frozen=True)
class HomeLayout:
    """Paths inside a node's home (the layout drawn in this module's docstring)."""

    root: Path

    config = _Place("config.toml", "``config.toml``.")
    keys = _Place("keys", "The key folder.")
    signing_key = _Place("signing.key", "Ed25519 and ML-DSA-65 seeds.", under=keys)
    hpke_key = _Place("hpke.key", "The HPKE (ML-KEM-768 + X25519) private key.", under=keys)
    hpke_cnsa_key = _Place(
        "hpke-cnsa.key", "The HPKE (ML-KEM-1024 + P-384) private key for the CNSA 2.0 suite.", under=keys
    )
    tls_key = _Place("tls.key", "The TLS private key.", under=keys)
    tls_cert = _Place("tls.crt", "The self-signed TLS certificate.", under=keys)
    data_key = _Place("data.key", "The key-encryption key for data at rest.", under=keys)
    database = _Place("accord.db", "The default SQLite database file.")
    blobs = _Place("blobs", "Encrypted attachments.")
    run = _Place("run", "The serving processes' wake-up sockets (``accord.store._commit_bell``).")

    def ensure_new(self) -> None:
        """Refuse to initialise over an existing node or a non-empty folder.

        Raises:
            Conflict: a node (or anything else) is already there.
        """
        if self.config.exists():
            raise Conflict(f"a node already exists at {self.root}; refusing to overwrite it")
        if self.root.exists() and any(self.root.iterdir()):
            raise Conflict(f"{self.root} is not empty; choose a new folder for the node")

    def read_config(self) -> NodeConfig:
        """Load ``config.toml``.

        Raises:
            NotFound: no node at this home, or its configuration cannot be read.
            InvalidInput: the file is malformed, or larger than ``MAX_DOCUMENT_BYTES``.
        """
        if not self.config.is_file():
            raise NotFound(f"no Accord node at {self.root} (run `accord init {self.root} --party …`)")
        data = read_bounded(self.config, limit=MAX_DOCUMENT_BYTES, what=f"configuration {self.config}")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"{self.config} is not UTF-8 text") from exc
        return NodeConfig.from_toml(text)


def write_private(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600 and write ``data``; never overwrite.

    Raises:
        Conflict: the file exists.
    """
    with _created(path, 0o600, "refusing to overwrite a key") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def write_public(path: Path, data: bytes) -> None:
    """Create ``path`` (0644) and write ``data``; never overwrite.

    Raises:
        Conflict: the file exists.
    """
    with _created(path, 0o644, "refusing to overwrite it") as handle:
        handle.write(data)


def _created(path: Path, mode: int, refusal: str) -> BinaryIO:
    # O_EXCL: the file is created here with ``mode`` or not at all (never a file already there).
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError as exc:
        raise Conflict(f"{path} exists; {refusal}") from exc
    return os.fdopen(fd, "wb")
