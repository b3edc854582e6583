"""Types shared by the peer API tests (imported by name, so collection order never matters)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from accord.api import PeerServer
from accord.crypto import TlsIdentity


@dataclass(frozen=True)
class Identities:
    jpn: TlsIdentity
    kor: TlsIdentity
    rogue: TlsIdentity


class FakeHandler:
    """Records calls; raises ``fail`` from every method when it is set."""

    def __init__(self) -> None:
        self.fail: Exception | None = None
        self.transmissions: list[bytes] = []
        self.blobs: dict[str, int] = {}
        self.piece_sizes: list[int] = []
        self.consumed = 0
        self.errors: list[Exception] = []
        self.lock = threading.Lock()

    def _maybe_fail(self) -> None:
        if self.fail is not None:
            raise self.fail

    def receive_transmission(self, body: bytes) -> bytes:
        self._maybe_fail()
        self.transmissions.append(body)
        return b'{"receipts":["r1"]}'

    def blob_status(self, blob_id: str) -> int:
        self._maybe_fail()
        return self.blobs.get(blob_id, 0)

    def receive_blob(self, blob_id: str, offset: int, total: int, pieces: Iterator[bytes]) -> int:
        self._maybe_fail()
        size = offset
        try:
            for piece in pieces:
                with self.lock:
                    self.piece_sizes.append(len(piece))
                    self.consumed += len(piece)
                size += len(piece)
        except Exception as exc:
            self.errors.append(exc)
            raise
        self.blobs[blob_id] = size
        return size

    def health(self) -> dict[str, object]:
        self._maybe_fail()
        return {"status": "ok", "node": "JPN"}


ServeFactory = Callable[..., PeerServer]
