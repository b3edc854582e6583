"""binding_statement: every part the binding covers changes the signed bytes."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from hypothesis import assume, given
from strategies_markings import labels

from accord.canonical import canonical_json
from accord.items import AttachmentRef, binding_statement
from accord.markings import (
    NEED_TO_KNOW,
    RELEASABLE_TO,
    Category,
    CategoryType,
    ConfidentialityLabel,
    scheme,
)

LABEL = ConfidentialityLabel(
    policy="JPN",
    classification="秘",
    originator_id="jpn-mod-1",
    creation_time=datetime(2024, 1, 15, 10, 0, tzinfo=UTC),
    categories=(
        Category(RELEASABLE_TO, CategoryType.PERMISSIVE, ("JPN", "KOR")),
        Category(NEED_TO_KNOW, CategoryType.RESTRICTIVE, ("DPRK-MISSILE",)),
    ),
    agreement="JPN-KOR-GSOMIA-2016",
)
CONTENT = hashlib.sha384(b"content").hexdigest()
A = AttachmentRef("sunan.tif", "image/tiff", 1024, hashlib.sha384(b"a").hexdigest())
B = AttachmentRef("track.csv", "text/csv", 77, hashlib.sha384(b"b").hexdigest())


def _statement(
    *,
    item_id: str = "JPN-2024-0001",
    originator_node: str = "jpn-mod-1",
    label: ConfidentialityLabel = LABEL,
    content_sha384: str = CONTENT,
    attachments: Sequence[AttachmentRef] = (A, B),
) -> bytes:
    return binding_statement(
        item_id=item_id,
        originator_node=originator_node,
        label=label,
        content_sha384=content_sha384,
        attachments=attachments,
    )


def _flip_hex(digest: str) -> str:
    return ("1" if digest[0] == "0" else "0") + digest[1:]


def test_statement_is_canonical_json_of_the_expected_shape() -> None:
    statement = _statement()
    assert canonical_json(json.loads(statement)) == statement
    assert json.loads(statement) == {
        "type": "accord-binding",
        "v": 1,
        "item_id": "JPN-2024-0001",
        "originator_node": "jpn-mod-1",
        "label": LABEL.to_dict(),
        "content_sha384": CONTENT,
        "attachments": [A.to_dict(), B.to_dict()],
    }
    # The label inside is byte for byte the label's own canonical form.
    assert LABEL.canonical_bytes() in statement


def test_statement_is_deterministic() -> None:
    assert _statement() == _statement()
    assert _statement(attachments=[A, B]) == _statement(attachments=(A, B))


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(lambda: _statement(item_id="JPN-2024-0002"), id="item-id"),
        pytest.param(lambda: _statement(originator_node="jpn-mod-2"), id="originator-node"),
        pytest.param(lambda: _statement(content_sha384=_flip_hex(CONTENT)), id="content-digest"),
        pytest.param(
            lambda: _statement(label=LABEL.with_classification(scheme("JPN").level("極秘"))),
            id="label-classification",
        ),
        pytest.param(
            lambda: _statement(
                label=dataclasses.replace(LABEL, creation_time=datetime(2024, 1, 15, 10, 0, 1, tzinfo=UTC))
            ),
            id="label-creation-time",
        ),
        pytest.param(
            lambda: _statement(label=dataclasses.replace(LABEL, agreement="USA-JPN-GSOMIA-2007")),
            id="label-agreement",
        ),
        pytest.param(
            lambda: _statement(
                label=dataclasses.replace(
                    LABEL,
                    categories=(Category(RELEASABLE_TO, CategoryType.PERMISSIVE, ("JPN", "KOR", "USA")),),
                )
            ),
            id="label-releasable-to",
        ),
        pytest.param(
            lambda: _statement(attachments=(dataclasses.replace(A, sha384=_flip_hex(A.sha384)), B)),
            id="attachment-digest",
        ),
        pytest.param(
            lambda: _statement(attachments=(dataclasses.replace(A, size=1025), B)), id="attachment-size"
        ),
        pytest.param(
            lambda: _statement(attachments=(dataclasses.replace(A, name="sunan2.tif"), B)),
            id="attachment-name",
        ),
        pytest.param(
            lambda: _statement(attachments=(dataclasses.replace(A, media_type="image/png"), B)),
            id="attachment-media-type",
        ),
        pytest.param(lambda: _statement(attachments=(B, A)), id="attachment-order"),
        pytest.param(lambda: _statement(attachments=(A,)), id="attachment-removed"),
        pytest.param(lambda: _statement(attachments=(A, B, B)), id="attachment-duplicated"),
        pytest.param(lambda: _statement(attachments=()), id="no-attachments"),
    ],
)
def test_every_covered_part_changes_the_statement(changed: object) -> None:
    assert callable(changed)
    assert changed() != _statement()


def test_digests_are_not_interchangeable_between_content_and_attachment() -> None:
    # Swapping the content digest with an attachment's digest gives another statement.
    swapped_a = dataclasses.replace(A, sha384=CONTENT)
    assert _statement(content_sha384=A.sha384, attachments=(swapped_a, B)) != _statement()


@given(labels(), labels())
def test_different_labels_give_different_statements(
    first: ConfidentialityLabel, second: ConfidentialityLabel
) -> None:
    assume(first.canonical_bytes() != second.canonical_bytes())
    assert _statement(label=first) != _statement(label=second)


@given(labels())
def test_statement_carries_the_label_exactly(label: ConfidentialityLabel) -> None:
    statement = _statement(label=label)
    assert label.canonical_bytes() in statement
    recovered = ConfidentialityLabel.from_dict(json.loads(statement)["label"])
    assert recovered == label
    assert recovered.canonical_bytes() == label.canonical_bytes()
