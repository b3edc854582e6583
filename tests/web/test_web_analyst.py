"""The analyst's pages in process: create from the form, attachments, refusals in the CLI's words."""

from __future__ import annotations

import re

from support_web import ConsoleClient, ConsoleWorld, deliver_to_kor

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem
from accord.web import ConsoleSettings, create_console_app

LAUNCH = {
    "kind": "missile-launch",
    "title": "Launch from Sinpo",
    "classification": "군사Ⅲ급비밀",
    "precedence": "FLASH",
    "purpose": "Early warning",
    "rel": "JPN",
    "ntk": "DPRK-MISSILE",
    "controls": "NO-THIRD-PARTY",
    "field_detection_time": "2026-11-25T08:58:00Z",
    "field_launch_area": "40.0,128.2",
    "field_count": "1",
    "field_missile_type": "",
    "body": "One SLBM.",
}


def test_the_form_offers_the_levels_the_node_allows(console: ConsoleWorld, signed_in: ConsoleClient) -> None:
    page = signed_in.get("/items/new?kind=missile-launch").text
    offered = re.findall(
        r'<option value="([^"]+)"', page.split('id="classification"')[1].split("</select>")[0]
    )
    assert offered == [level.native for level in console.kor.items.creatable_levels("kim")]
    for name in ("field_detection_time", "field_launch_area", "field_count", "field_inside_japan_eez"):
        assert f'name="{name}"' in page


def test_an_item_is_created_from_the_form_with_its_attachment(
    console: ConsoleWorld, signed_in: ConsoleClient
) -> None:
    form = {**LAUNCH, "csrf": signed_in.csrf()}
    created = signed_in.post("/items/new", data=form, files={"attachments": ("track.txt", b"track data\n")})
    assert created.status_code == 200
    assert created.url.path.startswith("/items/kor-")
    assert "Launch from Sinpo" in created.text
    assert created.text.count("군사Ⅲ급비밀 (GUNSA 3-GEUP BIMIL) // CONFIDENTIAL") >= 2  # both banners
    (view,) = [v for v in console.kor.items.all() if v.content.title == "Launch from Sinpo"]
    assert view.content.fields["count"] == 1
    assert view.marking.originator.originator_controls == frozenset({"NO-THIRD-PARTY"})
    download = signed_in.get(f"/items/{view.id}/attachments/0")
    assert download.content == b"track data\n"
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"] == "attachment; filename*=UTF-8''track.txt"
    # Asked for inline, a non-image is still a download.
    assert signed_in.get(f"/items/{view.id}/attachments/0?inline=true").headers["content-type"] == (
        "application/octet-stream"
    )


def test_a_refused_creation_shows_the_node_words_and_keeps_the_form(
    console: ConsoleWorld, signed_in: ConsoleClient
) -> None:
    before = len(console.kor.items.all())
    token = signed_in.csrf()
    too_high = signed_in.post("/items/new", data={**LAUNCH, "csrf": token, "classification": "군사Ⅰ급비밀"})
    assert too_high.status_code == 400
    assert "needs clearance 군사Ⅰ급비밀 or higher" in too_high.text
    assert 'value="Launch from Sinpo"' in too_high.text
    missing = signed_in.post("/items/new", data={**LAUNCH, "csrf": token, "field_count": ""})
    assert missing.status_code == 400
    assert "needs field count" in missing.text
    assert len(console.kor.items.all()) == before


def test_a_release_request_is_refused_in_the_node_words(
    console: ConsoleWorld, signed_in: ConsoleClient
) -> None:
    # The originator itself is no third party: the node refuses, and says why.
    token = signed_in.csrf()
    refused = signed_in.post(
        f"/items/{console.report}/release", data={"csrf": token, "to": "JPN", "purpose": "Assessment"}
    )
    assert refused.status_code == 400
    assert "JPN" in refused.text
    assert "Nothing was changed." in refused.text


def test_the_inbox_is_shown_a_page_at_a_time(console: ConsoleWorld) -> None:
    # Each item shown is opened and verified: a page's time grows with its size (bench/console.py).
    routine = console.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "Coastal radar survey", "Nothing new.", "Assessment"),
            LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement=console.federation.agreement_id),
            Precedence.ROUTINE,
        ),
        actor="sato",
    ).id
    deliver_to_kor(console.federation, routine)
    settings = ConsoleSettings(secure_cookies=False, inbox_page=1)
    client = ConsoleClient(create_console_app(console.kor, settings))
    assert client.sign_in("kim").status_code == 200
    first, second, past = (client.get(f"/inbox?page={n}") for n in (1, 2, 3))
    assert f'href="/items/{console.report}"' in first.text  # FLASH first
    assert f'href="/items/{routine}"' not in first.text
    assert 'href="/inbox?page=2" rel="next"' in first.text
    assert 'rel="prev"' not in first.text
    assert 'hx-get="/inbox/rows?page=1"' in first.text
    assert f'href="/items/{routine}"' in second.text
    assert 'href="/inbox?page=1" rel="prev"' in second.text
    assert 'rel="next"' not in second.text
    assert "/items/" not in past.text.split("<main")[1]
    assert client.get("/inbox/rows?page=2").text.count('href="/items/') == 1
    assert [client.get(f"/inbox?page={n}").status_code for n in ("0", "x", "10001")] == [400, 400, 400]
