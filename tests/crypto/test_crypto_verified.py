"""The memory of verified signatures: a success is remembered for exactly the bytes verified.

Same keys + same domain + same message + same signature ⇒ the same answer; any other byte is
verified afresh, and a failure is never remembered (``accord.crypto._verified``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from accord.crypto import DualSignature, SigningKeys, VerifyKeys
from accord.crypto._verified import VerifiedSignatures, verified_signatures
from accord.errors import VerificationFailed

KEYS = SigningKeys.generate()
OTHER = SigningKeys.generate()
MESSAGE = b'{"item":"jpn-1","label":"secret"}'
SIG = KEYS.sign("binding", MESSAGE)


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def _half(*, ed25519: bytes = SIG.ed25519, mldsa65: bytes = SIG.mldsa65) -> DualSignature:
    return DualSignature(ed25519, mldsa65)


@pytest.fixture(autouse=True)
def _empty() -> Iterator[None]:
    verified_signatures.clear()
    yield
    verified_signatures.clear()


def test_a_success_is_remembered_and_answers_the_same_bytes() -> None:
    KEYS.public().verify("binding", MESSAGE, SIG)
    assert len(verified_signatures) == 1
    KEYS.public().verify("binding", MESSAGE, SIG)  # the same bytes, keys parsed anew
    assert len(verified_signatures) == 1


Change = Callable[[], tuple[VerifyKeys, str, bytes, DualSignature]]

CHANGES: dict[str, Change] = {
    "message": lambda: (KEYS.public(), "binding", _flip(MESSAGE, 5), SIG),
    "one byte more": lambda: (KEYS.public(), "binding", MESSAGE + b" ", SIG),
    "purpose": lambda: (KEYS.public(), "agreement", MESSAGE, SIG),
    "other keys": lambda: (OTHER.public(), "binding", MESSAGE, SIG),
    "ed25519 half": lambda: (
        KEYS.public(),
        "binding",
        MESSAGE,
        DualSignature(_flip(SIG.ed25519, 3), SIG.mldsa65),
    ),
    "mldsa65 half": lambda: (
        KEYS.public(),
        "binding",
        MESSAGE,
        DualSignature(SIG.ed25519, _flip(SIG.mldsa65, 9)),
    ),
    "ed25519 key only": lambda: (
        VerifyKeys(OTHER.public().ed25519, KEYS.public().mldsa65),
        "binding",
        MESSAGE,
        SIG,
    ),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_after_a_success_any_other_byte_is_still_refused_every_time(change: Change) -> None:
    KEYS.public().verify("binding", MESSAGE, SIG)  # remembered
    keys, purpose, message, signature = change()
    for _ in range(3):
        with pytest.raises(VerificationFailed):
            keys.verify(purpose, message, signature)
    assert len(verified_signatures) == 1  # the failures were not remembered


def test_a_failure_is_never_remembered() -> None:
    bad = DualSignature(SIG.ed25519, _flip(SIG.mldsa65, 100))
    for _ in range(2):
        with pytest.raises(VerificationFailed):
            KEYS.public().verify("binding", MESSAGE, bad)
    assert len(verified_signatures) == 0
    KEYS.public().verify("binding", MESSAGE, SIG)  # the good one still verifies


def test_a_note_and_a_purpose_signature_are_remembered_apart() -> None:
    note = b"accord checkpoint\n42\n"
    signature = KEYS.sign_note(note)
    KEYS.public().verify_note(note, signature)
    assert len(verified_signatures) == 1
    with pytest.raises(VerificationFailed):  # the same bytes under a purpose: another domain
        KEYS.public().verify("note", note, signature)
    with pytest.raises(VerificationFailed):
        KEYS.public().verify_note(_flip(note, 2), signature)


def test_the_memory_keeps_no_more_than_its_bound_least_recently_used_out() -> None:
    memory = VerifiedSignatures(limit=2)
    a, b, c = ((bytes([n]),) * 6 for n in range(3))
    memory.add(a)  # type: ignore[arg-type]
    memory.add(b)  # type: ignore[arg-type]
    assert a in memory  # a is now the most recently used
    memory.add(c)  # type: ignore[arg-type]
    assert len(memory) == 2
    assert a in memory
    assert b not in memory
