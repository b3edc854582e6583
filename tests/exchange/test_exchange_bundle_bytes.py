"""A bundle is verified whole: flipping any one byte of the file gets it refused (issue 10, item 14).

The test builds one small bundle (a JSON member and an attachment blob: every kind of
region a bundle has — PAX headers, headers, contents, padding, manifest, end of archive),
then flips **every byte position** in turn and reads it with :func:`read_bundle`, the
parse-and-verify stage of an import. A sample of positions goes through the node's full
import in ``tests/node/test_node_bundles.py``
(``test_a_bundle_altered_anywhere_is_refused_quarantined_and_nothing_stored``).
"""

from __future__ import annotations

import hashlib
import stat
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.crypto import SigningKeys
from accord.errors import InvalidInput, VerificationFailed
from accord.exchange import BlobMember, Bundle, read_bundle, write_bundle

_BLOB = b"imagery bytes " * 40
_BLOB_ID = hashlib.sha384(_BLOB).hexdigest()


def _write(path: Path, keys: SigningKeys) -> None:
    contents = Bundle(
        "transmission",
        "jpn-1",
        "kor-1",
        "2016-11-23T09:00:00Z",
        {"transmission.json": b'{"envelopes":[]}'},
        (_BLOB_ID,),
    )
    write_bundle(path, contents, keys=keys, blobs=[BlobMember(_BLOB_ID, len(_BLOB), lambda: iter([_BLOB]))])


def _drain(_blob_id: str, _size: int, pieces: Iterator[bytes]) -> None:
    for _ in pieces:
        pass


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SigningKeys]:
    keys = SigningKeys.generate()
    path = tmp_path_factory.mktemp("bundle") / "to-kor.accord"
    _write(path, keys)
    return path, keys


def test_the_genuine_bundle_reads(signed: tuple[Path, SigningKeys]) -> None:
    path, keys = signed
    bundle = read_bundle(path, keys_of=lambda _: keys.public(), on_blob=_drain)
    assert bundle.blob_ids == (_BLOB_ID,)
    assert bundle.json_members == {"transmission.json": b'{"envelopes":[]}'}


@pytest.mark.slow  # 6-10 s of CPU: started first (conftest), never last alone
def test_flipping_any_byte_of_a_bundle_is_refused(signed: tuple[Path, SigningKeys]) -> None:
    path, keys = signed
    genuine = path.read_bytes()
    accepted: list[int] = []
    with path.open("r+b") as handle:
        for position, byte in enumerate(genuine):
            handle.seek(position)
            handle.write(bytes([byte ^ 0x01]))
            handle.flush()
            try:
                read_bundle(path, keys_of=lambda _: keys.public(), on_blob=_drain)
                accepted.append(position)
            except (InvalidInput, VerificationFailed):
                pass
            handle.seek(position)
            handle.write(bytes([byte]))
            handle.flush()
    assert path.read_bytes() == genuine
    assert accepted == [], f"altered bundles accepted at byte positions {accepted[:20]}"


def test_bytes_appended_to_a_bundle_are_refused(signed: tuple[Path, SigningKeys], tmp_path: Path) -> None:
    path, keys = signed
    for extra in (b"\0", b"\0" * tarfile.RECORDSIZE, b"x"):
        longer = tmp_path / "longer.accord"
        longer.write_bytes(path.read_bytes() + extra)
        with pytest.raises(VerificationFailed, match="altered outside its signed members"):
            read_bundle(longer, keys_of=lambda _: keys.public(), on_blob=_drain)


def test_a_bundle_is_written_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "to-kor.accord"
    _write(path, SigningKeys.generate())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not (tmp_path / "to-kor.accord.part").exists()
