"""Benchmark the app in Debian's Chromium: first render of every page, and ego-network drawing.

    .venv/bin/python bench/app_bench.py [--store DIR] [--fixture] [--repeat N] [--cold-index]

1. Starts `streamlit run app.py` on a free localhost port over the bundled corpus
   (built into bench/out/store on first use, as the app itself would) and times,
   for each page, from navigation to the end of the first script run (title drawn,
   no "running" indicator): the first visit (cold caches) and the median of the
   next N visits, and the CPU time the server spent on the first visit (which,
   unlike wall time, other work on the machine does not inflate). By default the
   measured server is the second to start, as after a restart: the first one ran
   every page once and kept its entity index and Overview rows beside the store;
   --cold-index times the first server after a build, with nothing kept.
2. Draws 50-, 200- and 500-node ego networks (the HTML the Explore page embeds) in
   Chromium and times from loading the page to `window.ipkgDrawn` (first frame after
   layout; physics on up to PHYSICS_NODE_LIMIT nodes, a precomputed layout past it).
   The corpus has few 500-node neighbourhoods, so the graph is padded with synthetic
   nodes attached to the real ones when needed.

Every request to a host other than localhost is blocked. Aims: first render < 3 s,
500-node network < 2 s. Prints a table; exits non-zero when an aim is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser_support import block_external, launch_chromium  # noqa: E402
from graph.app_support import INDEX_DIR_NAME, build_store_if_needed, open_app_store  # noqa: E402
from graph.network import EntityIndex, select_subgraph  # noqa: E402
from graph.visual import PHYSICS_NODE_LIMIT, network_html  # noqa: E402

PAGES = ["overview", "explore?q=秦创原", "entity", "measures?q=知识产权保护中心", "indicators", "sparql",
         "documents", "export?q=秦创原"]
SIZES = (50, 200, 500)
AIM_PAGE_S, AIM_NET_S = 3.0, 2.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_rendered(page) -> None:
    page.wait_for_selector("[data-testid='stApp'] h1", timeout=120_000)
    page.wait_for_function(
        "() => { const s = document.querySelector('[data-testid=\"stApp\"]');"
        " return s && s.getAttribute('data-test-script-state') !== 'running'"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]'); }",
        timeout=120_000,
    )


def _cpu_seconds(pid: int) -> float:
    """CPU time a process has used (user + system), from /proc: the server's work, whatever else runs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_pages(env: dict[str, str], browser, repeat: int) -> list[tuple[str, float, float, float]]:
    """(page, first-visit seconds, warm median seconds, server CPU seconds of the first visit) per page."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        results = []
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.route("**/*", block_external)
        page = context.new_page()
        for name in PAGES:
            times, cpu = [], 0.0
            for i in range(repeat + 1):
                cpu_before = _cpu_seconds(proc.pid)
                started = time.perf_counter()
                page.goto(f"{url}/{'' if name == 'overview' else name}")  # the default page lives at /
                _wait_rendered(page)
                times.append(time.perf_counter() - started)
                if i == 0:
                    cpu = _cpu_seconds(proc.pid) - cpu_before
            results.append((name, times[0], statistics.median(times[1:]) if repeat else times[0], cpu))
        context.close()
        return results
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _network_of_size(index: EntityIndex, size: int):
    """An ego network of exactly `size` nodes around the best-connected node, as the Explore page draws it."""
    center = max(index.nodes, key=lambda i: len(index.out.get(i, [])) + len(index.inc.get(i, [])))
    g = index.to_networkx(select_subgraph(index, [center], 3, cap=size))
    nodes = list(g.nodes)
    n = 0
    while g.number_of_nodes() < size:  # pad with synthetic neighbours of real nodes
        parent = nodes[n % len(nodes)]
        g.add_node(f"urn:bench:{n}", label=f"合成节点{n}", cls="Program", region="", quote="", iri=f"urn:bench:{n}",
                   depth=min(3, g.nodes[parent]["depth"] + 1))
        g.add_edge(parent, f"urn:bench:{n}", key="mentions", relation="mentions", quote="")
        n += 1
    return g


def bench_networks(index: EntityIndex, browser, repeat: int) -> list[tuple[int, int, bool, float]]:
    """(nodes, edges, physics, median seconds to first drawn frame) per size."""
    out = []
    context = browser.new_context(viewport={"width": 1200, "height": 700})
    context.route("**/*", block_external)
    page = context.new_page()
    for size in SIZES:
        net = _network_of_size(index, size)
        physics = net.number_of_nodes() <= PHYSICS_NODE_LIMIT
        html = network_html(net, physics=physics, height="650px")
        times = []
        for _ in range(max(1, repeat)):
            started = time.perf_counter()
            page.set_content(html, wait_until="commit")
            page.wait_for_function("() => window.ipkgDrawn > 0", timeout=60_000)
            times.append(time.perf_counter() - started)
        out.append((net.number_of_nodes(), net.number_of_edges(), physics, statistics.median(times)))
    context.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=ROOT / "bench" / "out" / "store")
    parser.add_argument("--fixture", action="store_true", help="use tests/data/app_fixture.ttl")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cold-index", action="store_true",
                        help="time the first server after a build, with nothing kept beside the store "
                             "(default: as after a restart: one server runs every page first)")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if not k.startswith("IPKG_")}
    if args.fixture:
        env["IPKG_FIXTURE"] = os.environ["IPKG_FIXTURE"] = str(ROOT / "tests" / "data" / "app_fixture.ttl")
    else:
        args.store.parent.mkdir(parents=True, exist_ok=True)
        build_store_if_needed(args.store)
        env["IPKG_STORE"] = os.environ["IPKG_STORE"] = str(args.store)
    store = open_app_store()
    index = EntityIndex.from_store(store)
    store.close()
    if not args.fixture:
        shutil.rmtree(args.store.parent / INDEX_DIR_NAME, ignore_errors=True)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        if not args.cold_index:
            bench_pages(env, browser, 0)  # a server that ran before: what it kept beside the store is there
        pages = bench_pages(env, browser, args.repeat)
        nets = bench_networks(index, browser, args.repeat)
        browser.close()

    ok = True
    print(f"graph: {len(index.nodes)} nodes, {len(index.edges)} links")
    print(f"\n{'page':<32}{'first visit s':>14}{'warm median s':>15}{'server CPU s (first)':>22}")
    for name, cold, warm, cpu in pages:
        ok &= cold < AIM_PAGE_S
        print(f"{name:<32}{cold:>14.2f}{warm:>15.2f}{cpu:>22.2f}")
    print(f"\n{'ego network':<14}{'edges':>7}{'physics':>9}{'drawn in s':>12}")
    for nodes, edges, physics, secs in nets:
        ok &= nodes < 500 or secs < AIM_NET_S
        print(f"{nodes:<14}{edges:>7}{'on' if physics else 'off':>9}{secs:>12.2f}")
    print(f"\naims: first visit < {AIM_PAGE_S} s, 500-node network < {AIM_NET_S} s: "
          f"{'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
