"""Generate ``label_vectors.json``: known-answer vectors for Accord's own formats.

Run from the repository root::

    .venv/bin/python tests/vectors/generate_label_vectors.py

Every input is fixed here (creation time, labels, item content, attachment bytes, item
id, node id and the two 32-byte signing seeds), so every output is reproducible byte for
byte: canonical label JSON, STANAG 4774 XML, SHA-384 digests, canonical item content, the
binding statement and the binding's Ed25519 signature. The one exception is listed in
``RANDOMISED``: pyca/cryptography signs ML-DSA-65 in hedged (randomised) mode, so the
committed ML-DSA-65 signature is checked by verifying it, not by equality
(``tests/vectors/test_vectors_labels.py``). See ``README.md`` beside this file.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from accord.crypto import SigningKeys, b64e, bind
from accord.items import AttachmentRef, ItemContent, ItemKind, binding_statement
from accord.markings import (
    NEED_TO_KNOW,
    ORIGINATOR_CONTROL,
    RELEASABLE_TO,
    Category,
    CategoryType,
    ConfidentialityLabel,
    to_xml,
)

VECTORS_PATH = Path(__file__).with_name("label_vectors.json")

# (section, field) pairs whose committed value comes from a randomised algorithm.
RANDOMISED: frozenset[tuple[str, str]] = frozenset({("binding", "mldsa65_signature")})

CREATED = datetime(2023, 4, 13, 7, 30, 0, tzinfo=UTC)
AGREEMENT = "JPN-KOR-GSOMIA-2016"
ED25519_SEED = bytes(range(0x10, 0x30))
MLDSA65_SEED = bytes(range(0x30, 0x50))
ITEM_ID = "JPN-2023-0413-0001"
ORIGINATOR_NODE = "jpn-mod"

# name, media type, bytes
ATTACHMENT_DATA: tuple[tuple[str, str, bytes], ...] = (
    ("sunan-track.csv", "text/csv", b"t,lat,lon,alt_km\n0,39.2,125.7,0\n"),
    ("sunan-eo.tif", "image/tiff", b"II*\x00" + bytes(range(60))),
)


def labels() -> dict[str, ConfidentialityLabel]:
    """The three fixed labels: JPN 秘, KOR 군사Ⅱ급비밀, USA SECRET with a privacy mark."""
    return {
        "jpn": ConfidentialityLabel(
            policy="JPN",
            classification="秘",
            originator_id="jpn-mod",
            creation_time=CREATED,
            categories=(
                Category(RELEASABLE_TO, CategoryType.PERMISSIVE, ("JPN", "KOR")),
                Category(NEED_TO_KNOW, CategoryType.RESTRICTIVE, ("DPRK-MISSILE",)),
                Category(ORIGINATOR_CONTROL, CategoryType.RESTRICTIVE, ("NO-THIRD-PARTY",)),
            ),
            review_time=CREATED + timedelta(days=3653),
            agreement=AGREEMENT,
        ),
        "kor": ConfidentialityLabel(
            policy="KOR",
            classification="군사Ⅱ급비밀",
            originator_id="kor-mnd",
            creation_time=CREATED,
            categories=(
                Category(RELEASABLE_TO, CategoryType.PERMISSIVE, ("KOR", "JPN")),
                Category(NEED_TO_KNOW, CategoryType.RESTRICTIVE, ("DPRK-MISSILE",)),
            ),
            agreement=AGREEMENT,
        ),
        "usa": ConfidentialityLabel(
            policy="USA",
            classification="SECRET",
            originator_id="usa-dod",
            creation_time=CREATED,
            privacy_mark="LIMITED DISTRIBUTION",
        ),
    }


def content() -> ItemContent:
    """The fixed missile-launch report, its fields given as CLI text."""
    return ItemContent(
        kind=ItemKind.MISSILE_LAUNCH,
        title="Ballistic missile launch from the Sunan area",
        body="One ICBM-class missile; flight about 70 minutes; fell outside Japan's EEZ.",
        purpose="Defence of Japan and the ROK (Japan–ROK GSOMIA, Art. 6)",
        fields={
            "detection_time": "2023-04-13T16:22:00+09:00",
            "launch_area": "39.2,125.7",
            "count": "1",
            "missile_type": "ICBM",
            "apogee_km": "3000",
            "range_km": "1000",
            "impact_area": "Sea of Japan (東海)",
            "inside_japan_eez": "no",
        },
    )


def attachments() -> tuple[AttachmentRef, ...]:
    """The references to the two fixed attachments, in order."""
    return tuple(
        AttachmentRef(name, media, len(data), hashlib.sha384(data).hexdigest())
        for name, media, data in ATTACHMENT_DATA
    )


def _label_vector(label: ConfidentialityLabel) -> dict[str, str]:
    data = label.canonical_bytes()
    return {
        "canonical_text": data.decode("utf-8"),
        "canonical_hex": data.hex(),
        "sha384": hashlib.sha384(data).hexdigest(),
        "stanag4774_xml": to_xml(label),
    }


def _content_vector(item: ItemContent) -> dict[str, str]:
    data = item.canonical_bytes()
    return {
        "canonical_text": data.decode("utf-8"),
        "canonical_hex": data.hex(),
        "sha384": item.sha384(),
    }


def _binding_vector(label: ConfidentialityLabel, item: ItemContent) -> dict[str, Any]:
    statement = binding_statement(
        item_id=ITEM_ID,
        originator_node=ORIGINATOR_NODE,
        label=label,
        content_sha384=item.sha384(),
        attachments=attachments(),
    )
    keys = SigningKeys.from_seeds(ED25519_SEED, MLDSA65_SEED)
    binding = bind(keys, ORIGINATOR_NODE, statement)
    return {
        "item_id": ITEM_ID,
        "originator_node": ORIGINATOR_NODE,
        "label": "jpn",
        "statement_text": statement.decode("utf-8"),
        "statement_hex": statement.hex(),
        "signer": binding.signer,
        "verify_keys": keys.public().to_dict(),
        "ed25519_signature": binding.signature.ed25519.hex(),
        "mldsa65_signature": b64e(binding.signature.mldsa65),
    }


def build_vectors() -> dict[str, Any]:
    """Compute every vector from the fixed inputs above."""
    fixed = labels()
    item = content()
    return {
        "comment": "Generated by tests/vectors/generate_label_vectors.py; see tests/vectors/README.md.",
        "inputs": {
            "creation_time": "2023-04-13T07:30:00Z",
            "ed25519_seed": ED25519_SEED.hex(),
            "mldsa65_seed": MLDSA65_SEED.hex(),
        },
        "labels": {name: _label_vector(label) for name, label in fixed.items()},
        "content": _content_vector(item),
        "attachments": [
            {**ref.to_dict(), "data_hex": data.hex()}
            for ref, (_, _, data) in zip(attachments(), ATTACHMENT_DATA, strict=True)
        ],
        "binding": _binding_vector(fixed["jpn"], item),
    }


def render(vectors: dict[str, Any]) -> str:
    """Serialise vectors the way the committed file is written (UTF-8, non-ASCII kept)."""
    return json.dumps(vectors, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    """Write ``label_vectors.json`` next to this script."""
    VECTORS_PATH.write_text(render(build_vectors()), encoding="utf-8")
    print(f"wrote {VECTORS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
