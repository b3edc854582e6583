"""Exchange throughput: 10,000 reports of 4 KiB from JPN to KOR, all receipts back.

Run: .venv/bin/python -m bench.exchange_throughput [--quick] [--count N] [--mode subprocess|in-process]

Accord: both nodes served for real over mutual TLS on 127.0.0.1. By default each node is an
``accord serve`` subprocess: a node is a process of its own in production, and on this 2-core
machine that gives each node its own interpreter and GIL (in-process, the two peer APIs, the
two delivery workers and the sender share one GIL). The items are created beforehand (that
rate is printed too); the time measured runs from the first ``send`` (this process writes the
envelopes into JPN's outbox, as ``accord send`` would) to the last receipt stored at JPN.

Peers, measured in the same run with the same count of ~4 KiB items:

* medallion (OASIS TAXII 2.1 reference server) with its memory backend, as a subprocess on
  127.0.0.1: STIX 2.1 indicators padded to 4 KiB, 100 objects per request, each status
  polled until ``complete``;
* RabbitMQ on 127.0.0.1:5672: 4 KiB persistent messages to a fresh durable queue, publisher
  confirms (pika ``BlockingConnection``, one confirm per publish), a consumer in another
  process acking every message; the queue is deleted afterwards.

Targets (issue 3): >= 2,000 items/s; >= 5x medallion. A missed target is printed as such.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import multiprocessing.queues
import signal
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pika

from bench._common import (
    _wait_listening,
    cpu_seconds,
    create_reports,
    free_ports,
    held_items,
    make_federation,
    medallion_command,
    pending,
    profilers,
    rate,
    serve,
)

TARGET_RATE = 2000.0
TARGET_VS_MEDALLION = 5.0
ITEM_BYTES = 4096
TAXII = "application/taxii+json;version=2.1"
COLLECTION = "365fed99-08fa-fdcd-a1b3-fb247eb41d01"


# --- Accord ---------------------------------------------------------------------------------


SEND_CHUNK = 200


def run_accord(count: int, mode: str, root: Path, profile: Path | None = None) -> dict[str, float]:
    """Create ``count`` reports, then send them all and wait for every receipt.

    With ``profile``, py-spy records both serving processes from the first send to the last
    receipt (collapsed stacks, one file per node, one line per stack per thread).
    """
    fed = make_federation(root)
    try:
        ids, create_s = create_reports(fed.jpn, count, size=ITEM_BYTES)
        print(
            f"accord: created {count} reports of {ITEM_BYTES} B at JPN in {create_s:.1f} s "
            f"({rate(count, create_s)} items/s: validate, bind with Ed25519+ML-DSA-65, seal, journal)"
        )
        with serve(fed, mode) as served:
            print(f"accord: serving JPN and KOR ({served.mode}, mTLS on 127.0.0.1:{fed.ports})")
            spies = profilers(served.pids, profile)
            cpu_before = {party: cpu_seconds(pid) for party, pid in served.pids.items()}
            start = time.perf_counter()
            # `accord send ITEM...` queues many items in one transaction (send_many).
            for chunk in range(0, len(ids), SEND_CHUNK):
                fed.jpn.sending.send_many(ids[chunk : chunk + SEND_CHUNK], to="KOR", actor="sato")
            sent_s = time.perf_counter() - start
            deadline = time.monotonic() + max(600.0, count / 10)
            # Items only: the witnessing that follows the transmissions is not what was sent.
            while pending(fed.jpn, kind="item") and time.monotonic() < deadline:
                time.sleep(0.02)
            total_s = time.perf_counter() - start
            left = pending(fed.jpn, kind="item")
            cpu = {party: cpu_seconds(pid) - cpu_before[party] for party, pid in served.pids.items()}
            for spy in spies:
                spy.send_signal(signal.SIGINT)
            for spy in spies:
                spy.wait(60)
        received = held_items(fed.kor, "jpn-mod", ids)
    finally:
        fed.close()
    if left or received != count:
        print(f"accord: INCOMPLETE: {left} still pending at JPN, {received}/{count} held at KOR")
    print(
        f"accord: {count} sends in {sent_s:.2f} s ({rate(count, sent_s)} sends/s: checks, HPKE seal, outbox)"
    )
    print(
        f"accord: first send to last receipt: {total_s:.2f} s -> {rate(count, total_s)} items/s "
        f"({received} held at KOR)"
    )
    # CPU per item varies less than the wall time on a machine shared with other work.
    print(
        "accord: CPU of the serving processes meanwhile: "
        + ", ".join(f"{party} {s:.1f} s ({1000 * s / count:.2f} ms/item)" for party, s in cpu.items())
    )
    return {"rate": count / total_s if not left else 0.0, "create": count / create_s, "send": count / sent_s}


# --- medallion ------------------------------------------------------------------------------


def stix_indicator(index: int, now: str) -> dict[str, object]:
    """A STIX 2.1 indicator whose JSON is ITEM_BYTES bytes (padded description)."""
    obj: dict[str, object] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": now,
        "modified": now,
        "name": f"Benchmark indicator {index}",
        "description": "",
        "indicator_types": ["malicious-activity"],
        "pattern": "[file:hashes.'SHA-256' = "
        "'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']",
        "pattern_type": "stix",
        "valid_from": now,
    }
    obj["description"] = "x" * (ITEM_BYTES - len(json.dumps(obj)))
    return obj


def _medallion_files(root: Path, port: int) -> Path:
    data = {
        "/discovery": {
            "title": "Accord benchmark TAXII server",
            "description": "medallion with the memory backend",
            "default": f"http://127.0.0.1:{port}/api1/",
            "api_roots": [f"http://127.0.0.1:{port}/api1/"],
        },
        "api1": {
            "information": {
                "title": "Benchmark API root",
                "description": "STIX 2.1 objects",
                "versions": [TAXII],
                "max_content_length": 10 * 1024 * 1024,
            },
            "status": [],
            "collections": [
                {
                    "id": COLLECTION,
                    "title": "Benchmark collection",
                    "description": "Where the benchmark posts its objects",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }
    data_path = root / "medallion-data.json"
    data_path.write_text(json.dumps(data), encoding="utf-8")
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(data_path),
        },
        "users": {"bench": "bench-password"},
        "taxii": {"max_page_size": 100},
    }
    config_path = root / "medallion-config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    return config_path


def run_medallion(count: int, root: Path, per_request: int = 100) -> float:
    """POST ``count`` 4-KiB STIX objects to medallion, ``per_request`` at a time; objects/s."""
    port = free_ports(1)[0]
    config = _medallion_files(root, port)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    objects = [stix_indicator(i, now) for i in range(count)]
    bodies = [
        json.dumps({"objects": objects[i : i + per_request]}).encode("utf-8")
        for i in range(0, count, per_request)
    ]
    log = root / "medallion.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - the peer's own console script
            [*medallion_command(), "--host", "127.0.0.1", "--port", str(port), str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_listening(port, proc)
        base = f"http://127.0.0.1:{port}/api1"
        headers = {"accept": TAXII, "content-type": TAXII}
        with httpx.Client(auth=("bench", "bench-password"), headers=headers, timeout=300) as client:
            stored = 0
            start = time.perf_counter()
            first_batch_s = 0.0
            for body in bodies:
                response = client.post(f"{base}/collections/{COLLECTION}/objects/", content=body)
                response.raise_for_status()
                status = response.json()
                while status["status"] != "complete":
                    time.sleep(0.005)
                    status = client.get(f"{base}/status/{status['id']}/").json()
                stored += status["success_count"]
                if not first_batch_s:
                    first_batch_s = time.perf_counter() - start
            elapsed = time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(10)
    print(
        f"medallion: {stored}/{count} objects of ~{ITEM_BYTES} B "
        f"in {len(bodies)} requests of {per_request}: "
        f"{elapsed:.2f} s -> {rate(stored, elapsed)} objects/s "
        f"(first request alone: {rate(min(per_request, count), first_batch_s)} objects/s)"
    )
    return stored / elapsed


# --- RabbitMQ -------------------------------------------------------------------------------


def _rabbit() -> pika.BlockingConnection:
    return pika.BlockingConnection(
        pika.ConnectionParameters("127.0.0.1", 5672, credentials=pika.PlainCredentials("guest", "guest"))
    )


def _consume(queue: str, count: int, out: multiprocessing.queues.Queue[tuple[str, float]]) -> None:
    connection = _rabbit()
    channel = connection.channel()
    channel.basic_qos(prefetch_count=500)
    received = 0

    def on_message(ch: object, method: object, _props: object, _body: bytes) -> None:
        nonlocal received
        channel.basic_ack(delivery_tag=method.delivery_tag)  # type: ignore[attr-defined]
        received += 1
        if received == count:
            out.put(("done", time.time()))
            channel.stop_consuming()

    channel.basic_consume(queue=queue, on_message_callback=on_message, auto_ack=False)
    out.put(("ready", time.time()))
    channel.start_consuming()
    connection.close()


def run_rabbitmq(count: int) -> float:
    """Publish ``count`` persistent 4-KiB messages with confirms; a consumer acks each; msgs/s."""
    queue = f"accord-bench-{uuid.uuid4().hex[:12]}"
    connection = _rabbit()
    channel = connection.channel()
    channel.queue_declare(queue=queue, durable=True)
    channel.confirm_delivery()
    context = multiprocessing.get_context("spawn")
    events: multiprocessing.queues.Queue[tuple[str, float]] = context.Queue()
    consumer = context.Process(target=_consume, args=(queue, count, events), daemon=True)
    consumer.start()
    try:
        kind, _ = events.get(timeout=60)
        assert kind == "ready"
        body = b"\x5a" * ITEM_BYTES
        properties = pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent)
        start = time.time()
        for _ in range(count):
            channel.basic_publish(exchange="", routing_key=queue, body=body, properties=properties)
        published_s = time.time() - start
        kind, end = events.get(timeout=600)
        assert kind == "done"
        consumer.join(30)
    finally:
        channel.queue_delete(queue=queue)
        connection.close()
        if consumer.is_alive():
            consumer.terminate()
    elapsed = end - start
    print(
        f"rabbitmq: {count} persistent messages of {ITEM_BYTES} B, confirmed and acked: {elapsed:.2f} s "
        f"-> {rate(count, elapsed)} msgs/s (publishing with confirms took {published_s:.2f} s)"
    )
    return count / elapsed


# --- main -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run Accord and both peers; print the figures and ratios; exit 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 items instead of 10,000")
    parser.add_argument("--count", type=int, help="items for each system (default 10,000)")
    parser.add_argument("--mode", choices=["subprocess", "in-process"], default="subprocess")
    parser.add_argument("--no-peers", action="store_true", help="measure Accord only")
    parser.add_argument(
        "--profile",
        type=Path,
        help="py-spy both serving processes into this directory (raw collapsed stacks)",
    )
    args = parser.parse_args(argv)
    count = args.count or (1000 if args.quick else 10_000)
    print(f"== exchange throughput: {count} items of {ITEM_BYTES} B ({args.mode}) ==")
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp:
        root = Path(tmp)
        accord = run_accord(count, args.mode, root, args.profile)["rate"]
        medallion = rabbit = 0.0
        if not args.no_peers:
            medallion = run_medallion(count, root)
            rabbit = run_rabbitmq(count)
    ok = accord >= TARGET_RATE
    print(f"RESULT accord {accord:,.0f} items/s (target >= {TARGET_RATE:,.0f}): {'met' if ok else 'MISSED'}")
    if medallion:
        ratio = accord / medallion
        met = ratio >= TARGET_VS_MEDALLION
        ok = ok and met
        print(
            f"RESULT accord/medallion = {ratio:.2f}x (target >= {TARGET_VS_MEDALLION:.0f}x): "
            f"{'met' if met else 'MISSED'}"
        )
    if rabbit:
        print(f"RESULT accord/rabbitmq = {accord / rabbit:.2f}x (no target)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
