"""Attachment uploads: resumed where they stopped; bad ones refused without leaving debris.

JPN's real delivery uploads an attachment blob to KOR in process. An interrupted upload
resumes from the offset KOR reports; an oversized, overlong, truncated, misplaced or
corrupt upload is refused (journalled at KOR) and does not keep a later correct upload,
and so the item, from arriving intact.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import httpx
import pytest
from support_exchange_adversarial import FederationLike, events, flip, outbox_rows, report

from accord.api import create_peer_app
from accord.errors import AccordError, IntegrityError, InvalidInput, TransportError
from accord.node import Node
from accord.node.transfer._receiving import MAX_BLOB_BYTES
from support_federation import Loopback

KOR = "kor-mnd"
SIZE = 2_600_000  # plaintext bytes: three stream chunks, three 1 MiB read pieces


def _item_with_image(jpn: Node, tmp_path: Path) -> tuple[str, bytes]:
    image = tmp_path / "image.bin"
    data = os.urandom(SIZE)
    image.write_bytes(data)
    item = report(jpn, attachments=(image,))
    jpn.sending.send(item, to="KOR", actor="sato")
    return item, data


def _blob(jpn: Node) -> tuple[str, bytes]:
    (row,) = [r for r in outbox_rows(jpn) if r.blobs_json != "[]"]
    (blob_id,) = [b["blob_id"] for b in json.loads(row.blobs_json)]
    return blob_id, b"".join(jpn.ctx.blobs.read(blob_id))


def _arrived_intact(kor: Node, item: str, data: bytes) -> None:
    ref, stream = kor.items.attachment(item, 0, actor="kim")
    assert ref.size == len(data)
    assert b"".join(stream) == data


def _first(pieces: Iterable[bytes], limit: int) -> Iterator[bytes]:
    """The first ``limit`` bytes of ``pieces``, then the truncation the peer API reports."""
    left = limit
    for piece in pieces:
        if left <= 0:
            break
        yield piece[:left]
        left -= len(piece[:left])
    raise InvalidInput("the upload was truncated")


class Interrupted(Loopback):
    """The first upload's connection drops after ``cut`` bytes; later ones go through."""

    def __init__(self, node: Node, cut: int) -> None:
        super().__init__(node)
        self.cut = cut

    def put_blob(self, blob_id: str, offset: int, total: int, pieces: Iterable[bytes]) -> int:
        if len(self.uploads) == 0:
            self.uploads.append((blob_id, offset, total))
            try:
                self.node.receiving.receive_blob(blob_id, offset, total, _first(pieces, self.cut))
            except AccordError as exc:
                raise TransportError("the connection was reset (test)") from exc
            raise AssertionError("the truncated upload was accepted")
        return super().put_blob(blob_id, offset, total, pieces)


def test_interrupted_upload_resumes_at_the_peers_offset(federation: FederationLike, tmp_path: Path) -> None:
    jpn, kor = federation.jpn, federation.kor
    item, data = _item_with_image(jpn, tmp_path)
    blob_id, blob = _blob(jpn)
    cut = 1_500_001
    transport = Interrupted(kor, cut)
    first = jpn.delivery.deliver_once(KOR, "routine", transport)
    assert first.error is not None
    assert "reset" in first.error
    assert transport.posted == []  # no transmission before the blob is complete
    assert kor.receiving.blob_status(blob_id) == cut
    (row,) = outbox_rows(jpn)
    assert (row.status, row.attempts) == ("pending", 1)
    federation.clock.advance(minutes=10)
    second = jpn.delivery.deliver_once(KOR, "routine", transport)
    assert (second.receipted, second.error) == (1, None)
    assert transport.uploads == [(blob_id, 0, len(blob)), (blob_id, cut, len(blob))]
    _arrived_intact(kor, item, data)


# --- refused uploads, then the correct one ------------------------------------------------


def over_limit(kor: Node, blob_id: str, blob: bytes) -> None:
    with pytest.raises(InvalidInput, match="exceeds the limit"):
        kor.receiving.receive_blob(blob_id, 0, MAX_BLOB_BYTES + 1, iter([blob[:1000]]))


def longer_than_announced_in_one_piece(kor: Node, blob_id: str, blob: bytes) -> None:
    with pytest.raises(InvalidInput, match="longer than"):
        kor.receiving.receive_blob(blob_id, 0, len(blob), iter([blob + b"x"]))


def longer_than_announced_after_the_last_byte(kor: Node, blob_id: str, blob: bytes) -> None:
    """Every announced byte arrives, then one more: the upload must not look complete yet stay partial."""
    with pytest.raises(InvalidInput, match="longer than"):
        kor.receiving.receive_blob(blob_id, 0, len(blob), iter([blob, b"x"]))


def disconnect_after_the_last_byte(kor: Node, blob_id: str, blob: bytes) -> None:
    with pytest.raises(InvalidInput, match="truncated"):
        kor.receiving.receive_blob(blob_id, 0, len(blob), _first([blob], len(blob)))


def truncated(kor: Node, blob_id: str, blob: bytes) -> None:
    with pytest.raises(InvalidInput, match="truncated"):
        kor.receiving.receive_blob(blob_id, 0, len(blob), _first([blob], len(blob) // 2))
    assert kor.receiving.blob_status(blob_id) == len(blob) // 2


def wrong_offset(kor: Node, blob_id: str, blob: bytes) -> None:
    with pytest.raises(InvalidInput, match="resumes at 0, not 4096"):
        kor.receiving.receive_blob(blob_id, 4096, len(blob), iter([blob[4096:]]))


def corrupt_whole(kor: Node, blob_id: str, blob: bytes) -> None:
    with pytest.raises(IntegrityError, match="does not hash to its name"):
        kor.receiving.receive_blob(blob_id, 0, len(blob), iter([flip(blob, 10)]))
    assert kor.receiving.blob_status(blob_id) == 0


def corrupt_partial(kor: Node, blob_id: str, blob: bytes) -> None:
    """Garbage first half left behind: the resumed upload fails its name check once, then restarts."""
    half = len(blob) // 2
    with pytest.raises(InvalidInput, match="truncated"):
        kor.receiving.receive_blob(blob_id, 0, len(blob), _first([flip(blob, 10)], half))


def malformed_id(kor: Node, blob_id: str, blob: bytes) -> None:
    with pytest.raises(AccordError):
        kor.receiving.receive_blob("../" + blob_id[:20], 0, len(blob), iter([blob]))


Refusal = Callable[[Node, str, bytes], None]


@pytest.mark.parametrize(
    "refuse",
    [
        pytest.param(over_limit, id="total-above-limit"),
        pytest.param(longer_than_announced_in_one_piece, id="more-bytes-than-announced"),
        pytest.param(longer_than_announced_after_the_last_byte, id="more-bytes-after-the-last-byte"),
        pytest.param(disconnect_after_the_last_byte, id="disconnect-after-the-last-byte"),
        pytest.param(truncated, id="truncated"),
        pytest.param(wrong_offset, id="wrong-offset"),
        pytest.param(corrupt_whole, id="corrupt-bytes"),
        pytest.param(corrupt_partial, id="corrupt-partial-left-behind"),
        pytest.param(malformed_id, id="malformed-blob-id"),
    ],
)
def test_refused_upload_does_not_block_a_correct_one(
    federation: FederationLike, tmp_path: Path, refuse: Refusal
) -> None:
    jpn, kor = federation.jpn, federation.kor
    item, data = _item_with_image(jpn, tmp_path)
    blob_id, blob = _blob(jpn)
    refusals = len(events(kor, "exchange.blob"))
    refuse(kor, blob_id, blob)
    assert len(events(kor, "exchange.blob")) == refusals + 1
    assert events(kor, "exchange.blob")[-1].outcome == "refused"
    assert any("attachment upload refused" in q.reason for q in kor.receiving.quarantine())
    assert kor.items.inbox().views == []
    transport = Loopback(kor)
    errors = []
    for _ in range(3):
        result = jpn.delivery.deliver_once(KOR, "routine", transport)
        if result.receipted:
            break
        errors.append(result.error)
        federation.clock.advance(minutes=10)
    assert len(errors) <= 1, errors  # at most one attempt lost (a garbage partial found at completion)
    assert all(e is not None and "does not hash" in e for e in errors)
    (row,) = outbox_rows(jpn)
    assert row.status == "receipted"
    _arrived_intact(kor, item, data)


def test_overlong_upload_over_http_is_refused_opaquely(federation: FederationLike, tmp_path: Path) -> None:
    """Through the real peer app: 400 {"error":"rejected"}, then the correct upload works."""
    jpn, kor = federation.jpn, federation.kor
    item, data = _item_with_image(jpn, tmp_path)
    blob_id, blob = _blob(jpn)
    app = create_peer_app(kor.receiving)

    async def put(body: bytes, total: int) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kor") as client:
            return await client.put(
                f"/peer/v1/blobs/{blob_id}", params={"offset": 0, "total": total}, content=body
            )

    response = asyncio.run(put(blob + b"tail", len(blob)))
    assert (response.status_code, response.content) == (400, b'{"error":"rejected"}')
    assert kor.receiving.blob_status(blob_id) <= len(blob)
    result = jpn.delivery.deliver_once(KOR, "routine", Loopback(kor))
    assert (result.receipted, result.error) == (1, None)
    _arrived_intact(kor, item, data)
    assert hashlib.sha384(blob).hexdigest() == blob_id


def test_no_debris_after_refusals(federation: FederationLike, tmp_path: Path) -> None:
    """After the refusals and a good delivery, no partial upload is left in KOR's blob store."""
    jpn, kor = federation.jpn, federation.kor
    item, data = _item_with_image(jpn, tmp_path)
    blob_id, blob = _blob(jpn)
    for refuse in (longer_than_announced_in_one_piece, corrupt_whole, truncated):
        refuse(kor, blob_id, blob)
    assert jpn.delivery.deliver_once(KOR, "routine", Loopback(kor)).receipted == 1
    partial = kor.ctx.home.blobs / "partial"
    assert not partial.exists() or list(partial.iterdir()) == []
    _arrived_intact(kor, item, data)


def test_complete_upload_never_moved_into_place(federation: FederationLike, tmp_path: Path) -> None:
    """Regression: every byte written, then the node stopped before completing the upload.

    KOR reported the whole size received, so JPN never uploaded again, and the envelope
    was rejected for a missing attachment: the item could never be delivered.
    """
    jpn, kor = federation.jpn, federation.kor
    item, data = _item_with_image(jpn, tmp_path)
    blob_id, blob = _blob(jpn)
    partial = kor.ctx.home.blobs / "partial"
    partial.mkdir(exist_ok=True)
    (partial / blob_id).write_bytes(blob)
    assert kor.receiving.blob_status(blob_id) == len(blob)
    transport = Loopback(kor)
    assert jpn.delivery.deliver_once(KOR, "routine", transport).receipted == 1
    assert transport.uploads == []
    _arrived_intact(kor, item, data)
