"""The TAXII 2.1 server, end to end with taxii2-client against a node served on 127.0.0.1 (issue 13)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from support_interop import FederationTemplate, build_template
from taxii2client.v21 import Server, as_pages

from accord.cli._serve import UserApiServer
from accord.interop import TAXII_MEDIA_TYPE, StixExchange
from accord.items import ItemContent, ItemKind, Precedence
from accord.limits import MAX_TAXII_BODY_BYTES, MAX_USER_API_BODY_BYTES
from accord.node import LabelRequest, NewItem, NewUser

PASSWORD = "correct horse battery staple"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _fill(federation: Any) -> None:
    """JPN with 25 reports (20 need DPRK-MISSILE, 5 need nothing), sato and ito with passwords."""
    jpn = federation.jpn
    for n in range(25):
        ntk = ["DPRK-MISSILE"] if n < 20 else []
        jpn.items.create(
            NewItem(
                ItemContent(ItemKind.REPORT, f"Report {n:02d}", "text", "Assessment"),
                LabelRequest("極秘", ["KOR"], ntk, agreement=federation.agreement_id),
                Precedence.ROUTINE,
            ),
            actor="sato",
        )
        federation.clock.advance(seconds=1)
    jpn.users.add(NewUser("ito", role="officer", clearance="極秘", ntk=[]), actor="authority")
    for name in ("sato", "ito"):
        jpn.accounts.set_password(name, PASSWORD, actor="authority")


@pytest.fixture(scope="module")
def filled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, home_templates: Any
) -> FederationTemplate:
    """The federation with the 25 reports, built once for the module."""
    return build_template(tmp_path_factory.mktemp("taxii"), request.config, home_templates, _fill)


@pytest.fixture
def served(filled: FederationTemplate, tmp_path: Path) -> Iterator[tuple[Any, str]]:
    """A copy of the filled JPN, served in-process on 127.0.0.1 (uvicorn in a thread)."""
    federation = filled.open(tmp_path)
    port = _free_port()
    server = UserApiServer(federation.jpn, port)
    server.start()
    try:
        yield federation, f"http://127.0.0.1:{port}/taxii2/"
    finally:
        server.stop()
        federation.jpn.close()
        federation.kor.close()


def _collection(url: str, user: str, agreement_id: str) -> Any:
    root = Server(url, user=user, password=PASSWORD).api_roots[0]
    return next(c for c in root.collections if c.title == f"Agreement {agreement_id}")


def test_paging_filters_and_partial_reader(served: tuple[Any, str]) -> None:
    federation, url = served
    sato = _collection(url, "sato", federation.agreement_id)
    pages = list(as_pages(sato.get_objects, per_request=10, type="report"))
    assert [len(p.get("objects", [])) for p in pages] == [10, 10, 5]
    assert [p["more"] for p in pages] == [True, True, False]
    reports = [o for p in pages for o in p["objects"]]
    assert [r["name"] for r in reports] == [f"Report {n:02d}" for n in range(25)]
    # added_after: the manifest's 20th report's date_added leaves the last five.
    manifest = sato.get_manifest(type="report")["objects"]
    later = sato.get_objects(added_after=manifest[19]["date_added"], type="report")["objects"]
    assert [r["name"] for r in later] == [f"Report {n:02d}" for n in range(20, 25)]
    # match[id] and the object endpoints.
    wanted = reports[3]["id"]
    assert [o["id"] for o in sato.get_objects(id=wanted)["objects"]] == [wanted]
    assert sato.get_object(wanted)["objects"][0]["name"] == "Report 03"
    # A page carries each object's JSON as it was kept: the same object as the object endpoint's.
    assert sato.get_object(wanted)["objects"] == [reports[3]]
    assert sato.object_versions(wanted)["versions"] == [reports[3]["modified"]]
    # Every object is marked: nothing leaves unmarked.
    assert all(r["object_marking_refs"] for r in reports)
    # ito may read only the five without a need-to-know: filtered before paging.
    ito = _collection(url, "ito", federation.agreement_id)
    seen = [o for p in as_pages(ito.get_objects, per_request=10, type="report") for o in p.get("objects", [])]
    assert [r["name"] for r in seen] == [f"Report {n:02d}" for n in range(20, 25)]
    ito_manifest = ito.get_manifest()["objects"]
    assert wanted not in {m["id"] for m in ito_manifest}
    # date_added is the collection's, the same for every person (no gap betrays a withheld one).
    sato_added = {m["id"]: m["date_added"] for m in sato.get_manifest()["objects"]}
    assert all(sato_added[m["id"]] == m["date_added"] for m in ito_manifest)
    assert len(ito_manifest) < len(sato_added)
    with pytest.raises(requests.HTTPError) as hidden:
        ito.get_object(wanted)
    assert hidden.value.response.status_code == 404


def test_post_and_status(served: tuple[Any, str]) -> None:
    federation, url = served
    jpn = federation.jpn
    item = jpn.items.listing(actor="sato").views[0].id
    bundle = StixExchange(jpn).export([item], actor="sato")
    sato = _collection(url, "sato", federation.agreement_id)
    before = len(jpn.items.all())
    assert len(sato.get_objects(type="report")["objects"]) == 25  # the index is built now
    status = sato.add_objects({"objects": bundle["objects"]}, wait_for_completion=False)
    assert status.status == "complete"
    assert status.success_count == len(bundle["objects"])
    assert len(jpn.items.all()) == before + 1
    # The new report is served after the 25, past the index built by the first request.
    pages = as_pages(sato.get_objects, per_request=10, type="report")
    names = [o["name"] for p in pages for o in p["objects"]]
    title = jpn.items.show(item, actor="sato").content.title
    assert names == [f"Report {n:02d}" for n in range(25)] + [title]
    # A client retrying the same post creates nothing more; the status names the item.
    again = sato.add_objects({"objects": bundle["objects"]}, wait_for_completion=False)
    assert again.success_count == 0
    assert again.failure_count == len(bundle["objects"])
    assert "imported already" in again.failures[0]["message"]
    assert len(jpn.items.all()) == before + 1
    # A refused envelope stores nothing; its status says why.
    broken = [o for o in bundle["objects"] if o["type"] != "marking-definition"]
    refused = sato.add_objects({"objects": broken}, wait_for_completion=False)
    assert refused.failure_count == len(broken)
    assert "not in the bundle" in refused.failures[0]["message"]
    assert len(jpn.items.all()) == before + 1


def test_credentials_and_media_types(served: tuple[Any, str]) -> None:
    federation, url = served
    wrong = requests.get(url, auth=("sato", "wrong"), headers={"Accept": TAXII_MEDIA_TYPE}, timeout=30)
    assert wrong.status_code == 401
    assert wrong.headers["content-type"] == TAXII_MEDIA_TYPE
    nobody = requests.get(url, headers={"Accept": TAXII_MEDIA_TYPE}, timeout=30)
    assert nobody.status_code == 401
    token = federation.jpn.accounts.issue_token("sato", days=1, actor="authority")[1]
    bearer = {"Authorization": f"Bearer {token}"}
    ok = requests.get(url, headers={**bearer, "Accept": TAXII_MEDIA_TYPE}, timeout=30)
    assert ok.status_code == 200
    assert ok.headers["content-type"] == TAXII_MEDIA_TYPE
    not_acceptable = requests.get(url, headers={**bearer, "Accept": "text/html"}, timeout=30)
    assert not_acceptable.status_code == 406
    assert not_acceptable.headers["content-type"] == TAXII_MEDIA_TYPE
    objects_url = ok.json()["default"] + "collections/"
    collection = requests.get(objects_url, headers=bearer, timeout=30).json()["collections"][1]["id"]
    posted = requests.post(
        f"{objects_url}{collection}/objects/",
        headers={**bearer, "Content-Type": "application/json"},
        data=b'{"objects": []}',
        timeout=30,
    )
    assert posted.status_code == 415
    assert posted.headers["content-type"] == TAXII_MEDIA_TYPE


def test_a_post_of_100_objects(served: tuple[Any, str]) -> None:
    # Far above the user API's 64 KiB: the objects POST takes an envelope as large as a
    # STIX bundle (MAX_TAXII_BODY_BYTES), as the API root advertises; all stored, or none.
    federation, url = served
    jpn = federation.jpn
    for n in range(7):  # 32 reports: 3 objects each, and 4 definitions they share
        jpn.items.create(
            NewItem(
                ItemContent(ItemKind.REPORT, f"More {n}", "text", "Assessment"),
                LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], agreement=federation.agreement_id),
                Precedence.ROUTINE,
            ),
            actor="sato",
        )
    ids = [v.id for v in jpn.items.listing(actor="sato", limit=100).views]
    objects = StixExchange(jpn).export(ids, actor="sato")["objects"]
    envelope = {"objects": objects}
    assert len(objects) == 100
    assert len(json.dumps(envelope)) > MAX_USER_API_BODY_BYTES
    assert Server(url, user="sato", password=PASSWORD).api_roots[0].max_content_length == MAX_TAXII_BODY_BYTES
    sato = _collection(url, "sato", federation.agreement_id)
    before = len(jpn.items.all())
    status = sato.add_objects(envelope, wait_for_completion=False)
    assert (status.status, status.success_count, status.failure_count) == ("complete", 100, 0)
    assert len(jpn.items.all()) == before + 32
