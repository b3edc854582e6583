"""The web console at 100,000 holdings: server time of its pages, and their load in Chromium (issue 11).

Run: .venv/bin/python -m bench.console [--holdings N] [--quick] [--rounds R] [--no-browser] [--rebuild]

KOR receives ``--real`` real reports from JPN (signed, sealed, delivered in process:
``bench._common.receive_reports``), then its database is filled to N holdings with copies of
their rows (``bench._common.fill_inbox``: older, a third withheld from the readers). The inbox
page shows the newest 500 its reader may read, each opened and verified, so at least that many
are real (a copy's binding names its original's id: it would be listed as damaged). The built
homes are kept under ``$TMPDIR/accord-bench-console/`` by their parameters, so a rerun starts
in seconds (``--rebuild`` builds again); each run serves fresh copies of them.

KOR is served by ``accord serve`` in a process of its own (the console on plain HTTP on
127.0.0.1, as by default), and JPN, its partner, in another; this process is the client.
Signed in as the analyst ``lee`` (and the officer ``kim`` for the dashboard), an httpx client
requests each page ``--rounds`` times after two warm-up requests, one request at a time:

* the inbox ``/inbox`` — target p95 <= 150 ms; an item ``/items/{id}`` — <= 50 ms;
  ``/dashboard`` — <= 300 ms; ``/search?q=…`` — no target (either page may not be on this
  build: then it says so);
* the time as the client sees it on loopback, the console's own ``Server-Timing: app``, and
  the CPU time the serving process spent per request (user + system, from ``/proc``): on a
  machine shared with other work the wall-clock figures carry its load, the CPU time much less.

Then headless Chromium (Playwright, Debian's ``/usr/bin/chromium``) signs in and loads each
page a few times: Navigation Timing's ``domContentLoadedEventEnd`` and ``loadEventEnd``.
Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from accord.cli._demo_cmd import free_ports
from accord.node import NewUser
from bench._common import (
    built_once,
    cpu_seconds,
    fill_inbox,
    make_federation,
    percentile,
    receive_reports,
    start_serve,
    stop_all,
)

PASSWORD = "bench console password"  # noqa: S105 - of the benchmark's throwaway node
ROLES = {"lee": "analyst", "kim": "officer"}
TARGETS_MS = {"inbox": 150.0, "item": 50.0, "dashboard": 300.0}
BUILD = 1  # bump when what is built changes: older cached homes are then not reused
CHROMIUM = os.environ.get("ACCORD_CHROMIUM", "/usr/bin/chromium")
_LOGIN_TOKEN = re.compile(r'name="login_token" value="([^"]+)"')
_ITEM_LINK = re.compile(r'href="/items/([^"/?#]+)"')
_TIMING = re.compile(r"app;dur=([\d.]+)")


def _build(root: Path, holdings: int, real: int) -> None:
    """The JPN–KOR federation with ``holdings`` at KOR and two people who sign in to its console."""
    fed = make_federation(root)
    try:
        start = time.perf_counter()
        receive_reports(fed, real)
        took = time.perf_counter() - start
        print(f"{real:,} real reports delivered JPN -> KOR in {took:.0f} s", flush=True)
        start = time.perf_counter()
        fill_inbox(fed.kor, holdings)
        print(f"filled to {holdings:,} holdings in {time.perf_counter() - start:.0f} s", flush=True)
        topics = ["DPRK-MISSILE", "DPRK-IMAGERY"]
        analyst = NewUser("lee", role="analyst", clearance="군사Ⅱ급비밀", ntk=topics)
        fed.kor.users.add(analyst, actor="authority")
        for name in ("lee", "kim"):
            fed.kor.accounts.set_password(name, PASSWORD, actor="authority")
    finally:
        fed.close()


@dataclass
class Served:
    """The console being served: its base URL and the serving process."""

    base: str
    pid: int


def _outbox(home: Path) -> int:
    """Envelopes in the outbox of the node at ``home`` (a read-only connection of our own)."""
    uri = f"file:{home / 'accord.db'}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=30)) as connection:
        return int(connection.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0])


@contextlib.contextmanager
def _served(root: Path) -> Iterator[Served]:
    """``accord serve`` of KOR (with its console) and of JPN (its partner) until the block ends.

    Both, on the endpoints they were built with: a node whose partner is down keeps its
    delivery lane polling for it (KOR's first ledger checkpoint waits for JPN), which is not
    the console's cost. Measuring starts once KOR's outbox is empty.
    """
    (web,) = free_ports(1)
    procs = [start_serve(root / "jpn", ["--api-port", "0"], root / "serve-jpn.log")]
    procs.append(start_serve(root / "kor", ["--api-port", str(web)], root / "serve-kor.log"))
    base = f"http://127.0.0.1:{web}"
    try:
        deadline = time.monotonic() + 60
        while True:
            for proc, name in zip(procs, ("jpn", "kor"), strict=True):
                if proc.poll() is not None:
                    log = (root / f"serve-{name}.log").read_text()[-2000:]
                    raise RuntimeError(f"accord serve ({name}) exited with {proc.returncode}: {log}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/login", timeout=2).status_code == 200 and not _outbox(root / "kor"):
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the console did not answer, or KOR's outbox did not empty, within 60 s")
            time.sleep(0.2)
        yield Served(base, procs[1].pid)
    finally:
        stop_all(procs)


def _signed_in(base: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    token = _LOGIN_TOKEN.search(client.get("/login").text)
    if token is None:
        raise RuntimeError("no login token on /login")
    response = client.post("/login", data={"user": user, "password": PASSWORD, "login_token": token[1]})
    if response.status_code != 303:
        raise RuntimeError(f"signing in as {user}: {response.status_code}")
    return client


@dataclass
class Figures:
    """One page's timings in milliseconds."""

    page: str
    path: str
    client: list[float]
    server: list[float]
    cpu: float
    """The serving process's CPU time per request."""

    def line(self) -> str:
        """p50 / p95 / max as the client saw them, the server's own p50 / p95, its CPU per request."""
        c, s = self.client, self.server
        server = f"{statistics.median(s):7.1f} {percentile(s, 95):7.1f}" if s else f"{'-':>7} {'-':>7}"
        return (
            f"{statistics.median(c):7.1f} {percentile(c, 95):7.1f} {max(c):7.1f}   {server} {self.cpu:7.1f}"
        )


def _measure(client: httpx.Client, pid: int, page: str, path: str, rounds: int) -> Figures | None:
    """``rounds`` requests of ``path`` after two warm-up ones; None when the page is not there."""
    for _ in range(2):
        response = client.get(path)
        if response.status_code in (403, 404):
            return None
        response.raise_for_status()
    seen, server = [], []
    cpu = cpu_seconds(pid)
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(path)
        seen.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
        timing = _TIMING.search(response.headers.get("server-timing", ""))
        if timing:
            server.append(float(timing[1]))
    return Figures(page, path, seen, server, (cpu_seconds(pid) - cpu) * 1000 / rounds)


def _pages(lee: httpx.Client) -> list[tuple[str, str, str]]:
    """(name, path, who) of each page timed: the analyst's, and the officer's dashboard."""
    inbox = lee.get("/inbox")
    inbox.raise_for_status()
    shown = _ITEM_LINK.findall(inbox.text)
    if not shown:
        raise RuntimeError("the inbox lists no item")
    rows = inbox.text.count("<tr") - 1
    print(f"the inbox shows {rows} rows to lee, {len(set(shown))} items linked", flush=True)
    return [
        ("inbox", "/inbox", "lee"),
        ("item", f"/items/{shown[len(shown) // 2]}", "lee"),
        ("dashboard", "/dashboard", "lee"),
        ("dashboard", "/dashboard", "kim"),
        ("search", "/search?q=missile", "lee"),
    ]


def _time_pages(
    clients: dict[str, httpx.Client], pid: int, holdings: int, rounds: int
) -> tuple[list[tuple[str, str]], bool]:
    """Time every page; print the figures. Returns the analyst's pages found, and whether a
    target was missed."""
    pages = _pages(clients["lee"])
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{holdings:,} holdings, {rounds} requests per page (ms); load average {load}")
    print(f"{'':20} {'client on loopback':^23}   {'Server-Timing':^15} {'CPU':>7}")
    print(f"{'page (who)':20} " + " ".join(f"{h:>7}" for h in ("p50", "p95", "max", "  p50", "p95", "/req")))
    available = []
    missed = False
    for name, path, who in pages:
        figures = _measure(clients[who], pid, name, path, rounds)
        label = f"{name} ({ROLES[who]})"
        if figures is None:
            print(f"{label}: not available on this build ({path} answers 404 or 403)")
            continue
        if who == "lee":
            available.append((name, path))
        print(f"{label:20} {figures.line()}", flush=True)
        target = TARGETS_MS.get(name)
        if target is not None:
            met = percentile(figures.client, 95) <= target
            missed |= not met
            print(f"{'':20} target p95 <= {target:.0f} ms: {'met' if met else 'MISSED'}")
    return available, missed


def _browser(base: str, pages: list[tuple[str, str]], loads: int) -> None:
    """Each page loaded ``loads`` times in headless Chromium: DOMContentLoaded and load, median/max."""
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only for this part
    except ImportError:
        print("browser: Playwright is not installed; skipped")
        return
    if not Path(CHROMIUM).is_file():
        print(f"browser: no Chromium at {CHROMIUM} (set ACCORD_CHROMIUM); skipped")
        return
    script = (
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return [n.domContentLoadedEventEnd - n.startTime, n.loadEventEnd - n.startTime]; }"
    )
    print(f"\nheadless Chromium, {loads} loads each (ms)    DOMContentLoaded p50 max   load p50 max")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_context(base_url=base).new_page()
            page.goto("/login")
            page.fill("input[name=user]", "lee")
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():
                page.click("button[type=submit]")
            for name, path in pages:
                dcl, load = [], []
                for _ in range(loads + 1):
                    response = page.goto(path, wait_until="load")
                    if response is None or response.status in (403, 404):
                        break
                    first, whole = page.evaluate(script)
                    dcl.append(first)
                    load.append(whole)
                if not load:
                    print(f"  {name:10} not available on this build")
                    continue
                dcl, load = dcl[1:], load[1:]  # the first load warms the browser's connection
                print(
                    f"  {name:10} {path[:28]:28} {statistics.median(dcl):9.1f} {max(dcl):7.1f}"
                    f" {statistics.median(load):9.1f} {max(load):7.1f}"
                )
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the node, serve it, time the pages; exit status 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holdings", type=int, default=100_000)
    parser.add_argument("--real", type=int, default=520, help="real reports among them (>= 500)")
    parser.add_argument("--rounds", type=int, help="timed requests per page (50; 20 with --quick)")
    parser.add_argument("--loads", type=int, default=5, help="page loads per page in Chromium")
    parser.add_argument("--quick", action="store_true", help="5,000 holdings, 20 rounds")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium part")
    parser.add_argument("--rebuild", action="store_true", help="build the node again (not from the cache)")
    args = parser.parse_args(argv)
    holdings = 5_000 if args.quick else args.holdings
    rounds = args.rounds or (20 if args.quick else 50)
    start = time.perf_counter()
    built = built_once(
        "console",
        f"h{holdings}-r{args.real}-b{BUILD}",
        lambda root: _build(root, holdings, args.real),
        args.rebuild,
    )
    print(f"node ready in {time.perf_counter() - start:.0f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-console-") as tmp:
        root = Path(tmp)
        for name in ("jpn", "kor"):
            shutil.copytree(built / name, root / name)
        with _served(root) as served:
            base = served.base
            idle = cpu_seconds(served.pid)
            time.sleep(2)
            idle = (cpu_seconds(served.pid) - idle) * 1000 / 2
            print(f"KOR serving, idle: {idle:.0f} ms of CPU a second", flush=True)
            clients = {who: _signed_in(base, who) for who in ROLES}
            try:
                available, missed = _time_pages(clients, served.pid, holdings, rounds)
            finally:
                for client in clients.values():
                    client.close()
            if not args.no_browser:
                _browser(base, available, args.loads)
    print("targets missed" if missed else "targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
