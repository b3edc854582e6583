"""The TAXII 2.1 server at 100,000 objects, against medallion 3.0.0 on the same objects (issue 13).

Run: .venv/bin/python -m bench.taxii [--objects N] [--quick] [--rounds R] [--rebuild]
     (medallion in a virtualenv of its own: ACCORD_MEDALLION=/path/to/venv/bin/medallion)

The node: JPN of the JPN–KOR federation (``bench._common.make_federation``) with the
agreement's TAXII collection holding N STIX objects: 3 per item (its ACS marking, its national
marking, the report) and 5 that carry no item (Accord's identity and extension definitions,
the two nodes' identities), so (N − 5) / 3 real reports made by ``sato`` (officer, both
topics), 500 at a time (``BUILD_BATCH``) through ``ItemService.create_many``: each item
checked, sealed and signed as ``accord item create`` does, one transaction a batch. A third
are on DPRK-IMAGERY, which the reader ``ito`` (analyst, DPRK-MISSILE only) lacks: per-user
enforcement withholds them. The built home is kept under ``$TMPDIR/accord-bench-taxii/`` by
its parameters (``--rebuild`` builds it again); each run serves a fresh copy with ``accord
serve`` (its own process; the user API on 127.0.0.1).

medallion: the same objects, exported from the served node (a walk of the collection's
objects and manifest as ``sato``, who reads everything; cached beside the built home), with
the same ``date_added``, in a memory-backend data file, less the two extension definitions
(medallion 3.0.0 takes their ``version`` property for a timestamp and answers 500);
``medallion --host 127.0.0.1 --port P config.json`` in its own process, a fresh one for each
measurement (a request that timed out would go on using the CPU); HTTP Basic (medallion's
users are plain). Its POSTs carry the same envelopes as Accord's with every STIX id renewed
(medallion skips an id+version it holds) and without the extension definitions.

In one run, each server, one request at a time from this process (httpx; taxii2-client for
the walk):

* a page of 100 with ``added_after`` ~400 objects before the collection's end, as ``ito``
  (bearer token) at Accord: p50/p95 over ``--rounds``, after one warm-up request (at Accord
  the first builds the index); target p95 <= 30 ms and >= 20x medallion;
* POST, as ``sato``, of an envelope of 32 exported items (``accord stix export``) and the 4
  publisher objects: 100 objects (~77 KB, within the objects POST's 4 MiB cap,
  ``MAX_TAXII_BODY_BYTES``; before 2026-12-03 the user API's 64 KiB cut it to 24 items, 79
  objects); six envelopes, one at a time; target >= 5x medallion on the median;
* a full walk of the collection by taxii2-client (``as_pages``, 1,000 a page), as ``ito`` at
  Accord: seconds, objects seen (no target).

medallion's memory backend deep-copies the collection and compares every object with the
manifest on each first page or ``added_after`` request (quadratic): from a few thousand
objects a request takes longer than ``--medallion-timeout``. A request that times out is
recorded as ``> timeout`` and its ratio as a lower bound. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import requests
from taxii2client.v21 import Collection, as_pages

from accord.cli._demo_cmd import free_ports
from accord.interop import TAXII_MEDIA_TYPE, StixExchange
from accord.items import Precedence
from accord.limits import MAX_TAXII_BODY_BYTES
from accord.node import LabelRequest, NewItem, NewUser
from bench._common import (
    built_once,
    cpu_seconds,
    make_federation,
    medallion_command,
    percentile,
    report_content,
    start_serve,
)

PASSWORD = "bench taxii password"  # noqa: S105 - of the benchmark's throwaway node
PUBLISHER_OBJECTS = 5
OBJECTS_PER_ITEM = 3
POST_ITEMS = 32
"""Items exported per POST envelope (100 objects), cut to what fits the body cap (:func:`_fitted`)."""
POST_BATCHES = 6
NEAR_END = 400
"""``added_after`` is the ``date_added`` of the object this far before the collection's end."""
TARGET_PAGE_MS = 30.0
TARGET_PAGE_RATIO = 20.0
TARGET_POST_RATIO = 5.0
BUILD_BATCH = 500
"""Items made in one ``create_many`` (every check, signature and seal of ``create``; one commit)."""
BUILD = 2  # bump when what is built changes: older cached homes are then not reused
_UUID = re.compile(r"--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# --- the node ----------------------------------------------------------------------------------


def _build(root: Path, objects: int) -> None:
    """JPN with the agreement's collection at ``objects`` objects, its reader, tokens, POST bodies."""
    fed = make_federation(root)
    try:
        jpn = fed.jpn
        jpn.users.add(
            NewUser("ito", role="analyst", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority"
        )
        tokens = {}
        for name in ("sato", "ito"):
            jpn.accounts.set_password(name, PASSWORD, actor="authority")
            tokens[name] = jpn.accounts.issue_token(name, days=365, actor="authority")[1]
        items = (objects - PUBLISHER_OBJECTS) // OBJECTS_PER_ITEM
        ids: list[str] = []
        start, cpu = time.perf_counter(), time.process_time()
        for first in range(0, items, BUILD_BATCH):
            news = []
            for n in range(first, min(first + BUILD_BATCH, items)):
                topic = "DPRK-IMAGERY" if n % 3 == 0 else "DPRK-MISSILE"
                label = LabelRequest("秘", ["KOR"], [topic], agreement=fed.agreement_id)
                news.append(NewItem(report_content(n, 160), label, Precedence.ROUTINE))
            ids.extend(v.id for v in jpn.items.create_many(news, actor="sato"))
            if len(ids) % 5000 == 0:
                made = len(ids) / (time.perf_counter() - start)
                print(f"  {len(ids):,} items made ({made:.0f}/s)", flush=True)
        took, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(
            f"{items:,} items made at JPN in {took:.0f} s ({items / took:.0f}/s;"
            f" {cpu * 1000 / max(items, 1):.1f} ms CPU an item), load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        # The POST envelopes: exports of items already held (importing one makes a new item).
        exchange = StixExchange(jpn)
        bodies = [
            {"objects": exchange.export(ids[b * POST_ITEMS : (b + 1) * POST_ITEMS], actor="sato")["objects"]}
            for b in range(POST_BATCHES)
        ]
        (root / "post-bodies.json").write_text(json.dumps(bodies), encoding="utf-8")
        setup = {"agreement": fed.agreement_id, "tokens": tokens, "peer_port": fed.ports[0]}
        (root / "setup.json").write_text(json.dumps(setup), encoding="utf-8")
    finally:
        fed.close()


# --- serving -----------------------------------------------------------------------------------


def _stop(proc: subprocess.Popen[bytes], how: int = signal.SIGINT) -> None:
    if proc.poll() is None:
        proc.send_signal(how)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path, auth: httpx.Auth, name: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}: {log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, auth=auth, headers={"accept": TAXII_MEDIA_TYPE}, timeout=5).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer {url} within 120 s")


class Bearer(httpx.Auth, requests.auth.AuthBase):
    """``Authorization: Bearer`` for httpx and for requests (taxii2-client)."""

    def __init__(self, secret: str) -> None:
        """Send ``secret``."""
        self._value = f"Bearer {secret}"

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        """httpx: add the header."""
        request.headers["Authorization"] = self._value
        yield request

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        """requests: add the header."""
        r.headers["Authorization"] = self._value
        return r


@dataclass
class Server:
    """A TAXII server being measured: its collection's URL, who reads and who writes."""

    name: str
    collection: str
    reader: Any
    writer: Any
    pid: int


@contextlib.contextmanager
def _accord(root: Path) -> Iterator[Server]:
    """A copy of the built JPN served by ``accord serve`` with its user API on a free port."""
    setup = json.loads((root / "setup.json").read_text(encoding="utf-8"))
    (api,) = free_ports(1)
    log = root / "serve-jpn.log"
    proc = start_serve(root / "jpn", ["--api-port", str(api)], log)
    try:
        base = f"http://127.0.0.1:{api}/taxii2/api/"
        reader, writer = Bearer(setup["tokens"]["ito"]), Bearer(setup["tokens"]["sato"])
        _wait(base, proc, log, reader, "accord serve")
        listed = httpx.get(
            f"{base}collections/", auth=reader, headers={"accept": TAXII_MEDIA_TYPE}, timeout=30
        ).json()
        (collection,) = [
            c["id"] for c in listed["collections"] if c["title"] == f"Agreement {setup['agreement']}"
        ]
        yield Server("accord", f"{base}collections/{collection}/", reader, writer, proc.pid)
    finally:
        _stop(proc)


def _medallion_can_hold(obj: dict[str, Any]) -> bool:
    """Whether medallion 3.0.0 can serve ``obj``: not an extension definition, whose ``version``
    property (STIX 2.1 section 7.3) its memory backend takes for a manifest's timestamp (a 500)."""
    return obj["type"] != "extension-definition"


def _medallion_config(root: Path, port: int, objects: list[dict[str, Any]], manifest: list[Any]) -> Path:
    collection = str(uuid.uuid4())
    objects = [o for o in objects if _medallion_can_hold(o)]
    kept = {o["id"] for o in objects}
    manifest = [m for m in manifest if m["id"] in kept]
    data = {
        "/discovery": {
            "title": "medallion (benchmark)",
            "default": f"http://127.0.0.1:{port}/api1/",
            "api_roots": [f"http://127.0.0.1:{port}/api1/"],
        },
        "api1": {
            "information": {
                "title": "Benchmark API root",
                "versions": [TAXII_MEDIA_TYPE],
                "max_content_length": 10 * 1024 * 1024,
            },
            "status": [],
            "collections": [
                {
                    "id": collection,
                    "title": "The Accord collection's objects",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": objects,
                    "manifest": manifest,
                }
            ],
        },
    }
    (root / "medallion-data.json").write_text(json.dumps(data), encoding="utf-8")
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(root / "medallion-data.json"),
        },
        "users": {"sato": PASSWORD, "ito": PASSWORD},
        "taxii": {"max_page_size": 1000},
    }
    (root / "medallion-config.json").write_text(json.dumps(config), encoding="utf-8")
    return root / "medallion-config.json"


@contextlib.contextmanager
def _medallion(root: Path, export: tuple[list[Any], list[Any]]) -> Iterator[Server]:
    """medallion serving ``export`` (objects, manifest) from its memory backend."""
    (port,) = free_ports(1)
    config = _medallion_config(root, port, *export)
    collection = json.loads((root / "medallion-data.json").read_text())["api1"]["collections"][0]["id"]
    log = root / "medallion.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - the peer's own console script
            [*medallion_command(), "--host", "127.0.0.1", "--port", str(port), str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        auth = httpx.BasicAuth("ito", PASSWORD)
        _wait(f"http://127.0.0.1:{port}/api1/", proc, log, auth, "medallion")
        url = f"http://127.0.0.1:{port}/api1/collections/{collection}/"
        writer = httpx.BasicAuth("sato", PASSWORD)
        yield Server("medallion", url, ("ito", PASSWORD), writer, proc.pid)
    except Exception:
        print(f"medallion's log ends: {log.read_text(errors='replace')[-3000:]}", flush=True)
        raise
    finally:
        _stop(proc, signal.SIGTERM)


def _export(server: Server) -> tuple[list[Any], list[Any]]:
    """Every object of Accord's collection as ``sato`` sees it (all), and its manifest."""
    objects: list[Any] = []
    manifest: list[Any] = []
    headers = {"accept": TAXII_MEDIA_TYPE}
    with httpx.Client(auth=server.writer, headers=headers, timeout=600) as client:
        for path, into, key in (("objects/", objects, "objects"), ("manifest/", manifest, "objects")):
            params: dict[str, Any] = {"limit": 1000}
            while True:
                page = client.get(server.collection + path, params=params)
                page.raise_for_status()
                body = page.json()
                into.extend(body.get(key, []))
                if not body.get("more"):
                    break
                params["next"] = body["next"]
    return objects, manifest


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Timed:
    """Milliseconds of a measurement's requests; ``timed_out`` when one exceeded the budget."""

    ms: list[float]
    timed_out: float = 0.0
    cpu_ms: float = 0.0
    note: str = ""

    def p(self, q: float) -> float:
        """The q-th percentile, or the budget when timed out (a lower bound)."""
        return self.timed_out * 1000 if self.timed_out else percentile(self.ms, q)

    def text(self) -> str:
        """p50 / p95 / max, or ``> budget``."""
        if self.timed_out:
            return f"> {self.timed_out:.0f} s (timed out)"
        ms = self.ms
        return f"p50 {percentile(ms, 50):8.1f}  p95 {percentile(ms, 95):8.1f}  max {max(ms):8.1f}"


def _timed(
    server: Server, send: Callable[[httpx.Client], httpx.Response], rounds: int, budget: float, auth: Any
) -> Timed:
    """``rounds`` requests, one at a time; stops at the first that exceeds ``budget`` seconds."""
    if isinstance(auth, tuple):
        auth = httpx.BasicAuth(*auth)
    ms = []
    headers = {"accept": TAXII_MEDIA_TYPE, "content-type": TAXII_MEDIA_TYPE}
    cpu = cpu_seconds(server.pid)
    with httpx.Client(auth=auth, headers=headers, timeout=budget) as client:
        for _ in range(rounds):
            start = time.perf_counter()
            try:
                response = send(client)
            except httpx.TimeoutException:
                return Timed(ms, budget)
            ms.append((time.perf_counter() - start) * 1000)
            response.raise_for_status()
    return Timed(ms, cpu_ms=(cpu_seconds(server.pid) - cpu) * 1000 / max(rounds, 1))


def _page(server: Server, added_after: str, rounds: int, budget: float) -> Timed:
    params = {"added_after": added_after, "limit": 100}
    seen: list[int] = []

    def send(client: httpx.Client) -> httpx.Response:
        response = client.get(server.collection + "objects/", params=params)
        if response.status_code == 200:
            seen.append(len(response.json().get("objects", [])))
        return response

    send_first = _timed(server, send, 1, budget, server.reader)  # warm-up (and the index)
    if send_first.timed_out:
        return send_first
    timed = _timed(server, send, rounds, budget, server.reader)
    timed.note = f"{seen[-1] if seen else 0} objects a page"
    return timed


def _renewed(body: dict[str, Any]) -> bytes:
    """``body`` with every STIX id's UUID replaced (consistently within the body)."""
    text = json.dumps({"objects": [o for o in body["objects"] if _medallion_can_hold(o)]})
    fresh: dict[str, str] = {}
    return _UUID.sub(lambda m: fresh.setdefault(m[0], f"--{uuid.uuid4()}"), text).encode()


def _fitted(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` less its last items (report and markings) until it fits Accord's body cap.

    32 items (100 objects) are ~77 KB; the objects POST takes 4 MiB, so all of them fit.
    """
    objects = body["objects"]
    reports = [o for o in objects if o["type"] == "report"]
    for kept in range(len(reports), 0, -1):
        refs = {r for o in reports[:kept] for r in o["object_marking_refs"]}
        ids = refs | {o["id"] for o in reports[:kept]}
        fitted = {
            "objects": [
                o for o in objects if o["type"] not in ("report", "marking-definition") or o["id"] in ids
            ]
        }
        if len(json.dumps(fitted).encode()) <= MAX_TAXII_BODY_BYTES:
            return fitted
    raise RuntimeError("not even one item fits the body cap")


def _post(server: Server, bodies: list[dict[str, Any]], budget: float) -> Timed:
    encoded = [_renewed(b) if server.name == "medallion" else json.dumps(b).encode() for b in bodies]
    sent = iter(encoded)
    stored: list[int] = []

    def send(client: httpx.Client) -> httpx.Response:
        response = client.post(server.collection + "objects/", content=next(sent))
        if response.status_code in (200, 202):
            stored.append(int(response.json().get("success_count", 0)))
        return response

    timed = _timed(server, send, len(bodies), budget, server.writer)
    posted = sum(len(json.loads(e)["objects"]) for e in encoded[: len(stored)])
    timed.note = f"{sum(stored)} of {posted} objects stored"
    return timed


def _walk(server: Server, budget: float) -> Timed:
    """A full walk by taxii2-client (``as_pages``, 1,000 a page) in a thread, given ``budget`` s."""
    result: dict[str, Any] = {}

    def walk() -> None:
        try:
            collection = Collection(server.collection, auth=server.reader)
            if isinstance(server.reader, tuple):
                collection = Collection(server.collection, user=server.reader[0], password=server.reader[1])
            start = time.perf_counter()
            count = pages = 0
            for page in as_pages(collection.get_objects, per_request=1000):
                count += len(page.get("objects", []))
                pages += 1
            result["ms"] = (time.perf_counter() - start) * 1000
            result["note"] = f"{count:,} objects in {pages} pages"
        except Exception as exc:  # noqa: BLE001 - reported, not raised: the other figures stand
            result["error"] = repr(exc)

    thread = threading.Thread(target=walk, daemon=True)
    thread.start()
    thread.join(budget)
    if thread.is_alive():
        return Timed([], budget, note="timed out")
    if "error" in result:
        raise RuntimeError(f"{server.name} walk failed: {result['error']}")
    return Timed([result["ms"]], note=result["note"])


def _added_after(manifest: list[dict[str, Any]]) -> str:
    dates = sorted(m["date_added"] for m in manifest)
    return str(dates[max(0, len(dates) - NEAR_END)])


def _measure(
    serving: Callable[[], contextlib.AbstractContextManager[Server]],
    added_after: str,
    bodies: list[Any],
    rounds: int,
    budget: float,
) -> dict[str, Timed]:
    """The page, the walk and the POSTs, each from a server ``serving()`` gives."""
    figures = {}
    for what, measure in (
        ("page", lambda s: _page(s, added_after, rounds, budget)),
        ("walk", lambda s: _walk(s, budget)),
        ("POST", lambda s: _post(s, bodies, budget)),
    ):
        with serving() as server:
            figures[what.lower()] = timed = measure(server)
        print(f"  {server.name:9} {what:5} {timed.text()}  ({timed.note})", flush=True)
    return figures


def _ratio(theirs: Timed, ours: Timed, q: float) -> tuple[float, str]:
    ratio = theirs.p(q) / ours.p(q)
    return ratio, (">= " if theirs.timed_out else "") + f"{ratio:,.1f}x"


def _report(accord: dict[str, Timed], medallion: dict[str, Timed] | None) -> bool:
    page = accord["page"].p(95)
    met = page <= TARGET_PAGE_MS
    print(f"RESULT page p95 {page:.1f} ms (target <= {TARGET_PAGE_MS:.0f} ms): {'met' if met else 'MISSED'}")
    print(f"RESULT accord page: server CPU {accord['page'].cpu_ms:.1f} ms a request")
    if medallion is None:
        return met
    for what, q, target in (("page", 95, TARGET_PAGE_RATIO), ("post", 50, TARGET_POST_RATIO)):
        ratio, text = _ratio(medallion[what], accord[what], q)
        ok = ratio >= target
        met &= ok
        print(
            f"RESULT {what} medallion/accord = {text} (target >= {target:.0f}x): {'met' if ok else 'MISSED'}"
        )
    _, text = _ratio(medallion["walk"], accord["walk"], 50)
    print(f"RESULT walk medallion/accord = {text} (no target; Accord's walk is of what ito may read)")
    return met


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the node, serve it and medallion, measure; exit status 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, help="timed page requests (50; 20 with --quick)")
    parser.add_argument("--quick", action="store_true", help="5,000 objects, 20 rounds")
    parser.add_argument("--medallion-timeout", type=float, default=120.0, help="seconds for one request")
    parser.add_argument("--no-medallion", action="store_true", help="measure Accord only")
    parser.add_argument("--rebuild", action="store_true", help="build the node again (not from the cache)")
    args = parser.parse_args(argv)
    objects = 5_000 if args.quick else args.objects
    rounds = args.rounds or (20 if args.quick else 50)
    start = time.perf_counter()
    built = built_once("taxii", f"o{objects}-b{BUILD}", lambda root: _build(root, objects), args.rebuild)
    print(f"node ready in {time.perf_counter() - start:.0f} s", flush=True)
    bodies = [_fitted(b) for b in json.loads((built / "post-bodies.json").read_text(encoding="utf-8"))]
    print(f"POST envelopes of {len(bodies[0]['objects'])} objects", flush=True)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"== TAXII: {objects:,} objects, {rounds} page requests, load average {load} ==", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-taxii-") as tmp:
        root = Path(tmp)
        shutil.copytree(built / "jpn", root / "jpn")
        shutil.copy(built / "setup.json", root / "setup.json")
        with _accord(root) as accord_server:
            start = time.perf_counter()
            cached = built / "export.json"
            if not cached.exists():
                cached.write_text(json.dumps(_export(accord_server)), encoding="utf-8")
            objects_, manifest = json.loads(cached.read_text(encoding="utf-8"))
            export = (objects_, manifest)
            print(
                f"accord: the collection's {len(export[0]):,} objects as sato (the export for medallion):"
                f" {time.perf_counter() - start:.0f} s (cached, or the first request builds the index)",
                flush=True,
            )
            added_after = _added_after(export[1])
            # One Accord process for all three: its index, built once, is what a node keeps.
            accord = _measure(
                lambda: contextlib.nullcontext(accord_server), added_after, bodies, rounds, 600.0
            )
        medallion = None
        if not args.no_medallion:
            # A medallion process for each: a request that timed out would go on using the CPU.
            medallion = _measure(
                lambda: _medallion(root, export), added_after, bodies, rounds, args.medallion_timeout
            )
    met = _report(accord, medallion)
    print("targets met" if met else "targets missed")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
