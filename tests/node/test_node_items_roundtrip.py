"""Hypothesis: item ↔ database. What is created is what is shown, content and marking alike."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support_node import Pair

from accord.items import ItemContent, ItemKind, Precedence
from accord.markings import ORIGINATOR_CONTROLS
from accord.node import LabelRequest, NewItem, NewUser

# Printable text (no control characters or surrogates), as an officer would type it.
_TEXT = st.text(st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs")), max_size=60)
_LINE = _TEXT.filter(lambda s: s.strip() != "")
_TOPIC = st.from_regex(r"[A-Z0-9]{1,6}(-[A-Z0-9]{1,6}){0,2}", fullmatch=True)


@st.composite
def reports(draw: st.DrawFn) -> ItemContent:
    return ItemContent(ItemKind.REPORT, draw(_LINE), draw(_TEXT), draw(_LINE))


@st.composite
def launches(draw: st.DrawFn) -> ItemContent:
    moment = draw(
        st.datetimes(min_value=datetime(1998, 8, 31), max_value=datetime(2030, 1, 1), timezones=st.just(UTC))
    )
    fields: dict[str, object] = {
        "detection_time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "launch_area": [
            draw(st.floats(-90, 90, allow_nan=False)),
            draw(st.floats(-180, 180, allow_nan=False)),
        ],
        "count": draw(st.integers(1, 20)),
    }
    optional: dict[str, st.SearchStrategy[object]] = {
        "missile_type": st.sampled_from(["SRBM", "IRBM", "ICBM", "SLBM", "화성-18", "不明"]),
        "apogee_km": st.floats(0, 6500, allow_nan=False),
        "range_km": st.floats(0, 15000, allow_nan=False),
        "impact_area": _LINE,
        "inside_japan_eez": st.booleans(),
    }
    for name in draw(st.sets(st.sampled_from(sorted(optional)))):
        fields[name] = draw(optional[name])
    return ItemContent(ItemKind.MISSILE_LAUNCH, draw(_LINE), draw(_TEXT), draw(_LINE), fields)


@st.composite
def labels(draw: st.DrawFn, agreement_id: str) -> LabelRequest:
    under_agreement = draw(st.booleans())
    if under_agreement:
        level = draw(st.sampled_from(["極秘", "特定秘密", "秘"]))
        releasable = draw(st.sampled_from([[], ["KOR"]]))
    else:
        level = draw(st.sampled_from(["機密", "特定秘密", "極秘", "秘"]))
        # Without an agreement, REL TO names parties the node knows of only (an agreement's, a
        # pinned partner's, one with a built-in scheme): AUS or GBR here would be refused.
        releasable = draw(st.lists(st.sampled_from(["KOR", "USA"]), unique=True, max_size=2))
    return LabelRequest(
        classification=level,
        releasable_to=releasable,
        need_to_know=draw(st.lists(_TOPIC, unique=True, max_size=3)),
        originator_controls=draw(
            st.lists(st.sampled_from(sorted(ORIGINATOR_CONTROLS)), unique=True, max_size=2)
        ),
        privacy_mark=draw(st.none() | st.sampled_from(["PERSONAL DATA", "個人情報"])),
        agreement=agreement_id if under_agreement else None,
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_item_round_trip_through_the_database(pair: Pair, data: st.DataObject) -> None:
    content = data.draw(st.one_of(reports(), launches()), label="content")
    label = data.draw(labels(pair.agreement_id), label="label")
    precedence = data.draw(st.sampled_from(Precedence), label="precedence")
    # The writer holds every topic and the purpose (the decision point asks it of a creator too).
    writer = f"writer-{uuid.uuid4().hex[:12]}"
    pair.jpn.users.add(
        NewUser(writer, role="officer", clearance="機密", ntk=label.need_to_know, purposes=[content.purpose]),
        actor="authority",
    )
    made = pair.jpn.items.create(NewItem(content, label, precedence), actor=writer)
    shown = pair.jpn.items.show(made.id, actor=writer)
    assert shown.content == content
    assert shown.content.canonical_bytes() == content.canonical_bytes()
    assert shown.marking == made.marking
    assert shown.marking.canonical_bytes() == made.marking.canonical_bytes()
    assert shown.precedence is precedence
    originator = shown.marking.originator
    assert originator.classification == label.classification
    assert originator.releasable_to == {"JPN", *label.releasable_to}
    assert originator.agreement == label.agreement
    assert originator.privacy_mark == label.privacy_mark
    assert shown == made
