"""Hostile text in the real browser: no dialog ever fires, the text reads literally.

Debian's Chromium (Playwright) loads the standalone HTML network export and
the running app (``streamlit run app.py`` on a free port) over a store built
from a document whose names hold ``<script>alert(1)</script>``,
``<img src=x onerror=alert(1)>``, quotes, backslashes and ``>``. A dialog
handler records every alert; hovering a node opens its tooltip, which must
show the markup as characters, with no element made of it.

The same server also shows the query guarantee that needs two real
sessions: while one session's runaway query runs to its time limit, another
session's page still renders promptly, and afterwards no query process is
left running.
"""

from __future__ import annotations

import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from browser_support import is_local, run_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.slow]

EVIL = """陕西省知识产权局关于印发《<script>alert(1)</script>规划》的通知
陕知发〔2022〕38号
一、总体要求
加快“<img src=x onerror=alert(1)>”保护中心建设，推动陕西省"引号\\反斜杠'>知识产权保护中心建设。
贯彻落实《知识产权"强国"\\建设>纲要》，支持“</script><script>alert(2)</script>”知识产权运营中心发展。
到2025年，每万人口高价值发明专利拥有量达到12件。
"""
POLICY = "<script>alert(1)</script>规划"
IMG = "<img src=x onerror=alert(1)>"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def evil_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from graph.pipeline import build
    from graph.storage import begin_build

    base = tmp_path_factory.mktemp("evil-browser")
    (base / "docs").mkdir()
    (base / "docs" / "evil.txt").write_text(EVIL, "utf-8")
    with begin_build(base / "store") as store:
        build([base / "docs"], store, jobs=1)
    return base / "store"


@pytest.fixture(scope="module")
def server(evil_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen]]:
    """`streamlit run app.py` over the hostile store; yields (base URL, process)."""
    env = {"IPKG_STORE": str(evil_root),
           "IPKG_CORPUS": str(evil_root.parent / "docs")}  # the entity page reads passages from the source
    with run_app(env, tmp_path_factory.mktemp("evil-log") / "streamlit.log") as running:
        yield running


@pytest.fixture
def watched(page):
    """A page that records dialogs (and dismisses them) and requests that leave localhost."""
    dialogs: list[str] = []
    external: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("request", lambda req: external.append(req.url) if not is_local(req.url) else None)
    page.set_default_timeout(60_000)
    page.dialogs = dialogs
    yield page
    assert not dialogs, f"a dialog fired: {dialogs}"
    assert not external, f"requests left localhost: {external[:5]}"


def _wait_app(page) -> None:
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && document.querySelectorAll('[data-testid=\"stMainBlockContainer\"] *').length > 5"
    )


def _drawn_network(page):
    """The frame (page or iframe) whose network has been drawn."""
    for _ in range(160):
        for frame in page.frames:
            try:
                if frame.evaluate("() => window.ipkgDrawn || 0"):
                    return frame
            except Exception:
                pass
        page.wait_for_timeout(250)
    pytest.fail("the network was not drawn")


def _hover_node(page, frame, node_id: str) -> str:
    """Move the mouse onto a node once the layout has settled; return the text of the tooltip that opens.

    The node is brought to the middle of the view first (the drawing can be taller
    than the window, and the mouse cannot reach below it). A small network runs
    physics after it is drawn, so a node read too early is no longer where the
    mouse goes: wait until its position stops changing, and try again from off the
    node if the tooltip does not open.
    """
    frame.evaluate("""(id) => {
                        document.getElementById('ipkg-network').scrollIntoView({block: 'center'});
                        window.ipkgNetwork.focus(id, {scale: 1, animation: false});
                      }""", node_id)
    offset = {"x": 0, "y": 0}
    if frame != page.main_frame:
        frame.frame_element().evaluate("(e) => e.scrollIntoView({block: 'center'})")
        rect = frame.frame_element().bounding_box()
        offset = {"x": rect["x"], "y": rect["y"]}
    locate = """(id) => {
                  const net = window.ipkgNetwork;
                  const p = net.canvasToDOM(net.getPosition(id));
                  const r = document.getElementById('ipkg-network').getBoundingClientRect();
                  return {x: r.left + p.x, y: r.top + p.y};
                }"""
    tooltip = frame.locator("div.vis-tooltip")
    for attempt in range(3):
        box, previous = frame.evaluate(locate, node_id), None
        for _ in range(50):
            if box == previous:
                break
            page.wait_for_timeout(200)
            previous, box = box, frame.evaluate(locate, node_id)
        page.mouse.move(offset["x"] + 1, offset["y"] + 1)
        page.mouse.move(offset["x"] + box["x"], offset["y"] + box["y"])
        try:
            tooltip.wait_for(state="visible", timeout=5_000)
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    # vis-network escapes a string title and turns its newlines into <br>: nothing else may appear
    assert frame.evaluate("() => document.querySelectorAll('div.vis-tooltip *:not(br)').length") == 0, \
        "the tooltip holds elements: its text was parsed as HTML"
    return tooltip.inner_text()


def _assert_no_injected_elements(frame) -> None:
    counts = frame.evaluate("""() => ({
        img: document.querySelectorAll('img').length,
        script: document.querySelectorAll('script').length,
        xss: typeof window.alert === 'function' && !!document.querySelector('[onerror]'),
    })""")
    assert counts["img"] == 0 and not counts["xss"], counts
    assert counts["script"] <= 2, counts  # vis-network and the drawing script, nothing else


# --------------------------------------------------------------------------- standalone HTML export


def test_standalone_html_export_runs_nothing(watched, evil_root: Path, tmp_path: Path) -> None:
    from graph.export import export_subgraph
    from graph.store import open_store

    store = open_store(evil_root, read_only=True)
    seeds = [str(r[0]) for r in store.query(
        "SELECT ?s WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l "
        "FILTER(CONTAINS(STR(?l), '<')) }").rows]
    page_html = export_subgraph(store, seeds, 2, "html").decode("utf-8")
    store.close()
    (tmp_path / "export.html").write_text(page_html, "utf-8")

    page = watched
    page.set_content(page_html)
    frame = _drawn_network(page)
    _assert_no_injected_elements(frame)
    titles = frame.evaluate("() => window.ipkgNetwork.body.data.nodes.get().map(n => n.title)")
    policy_id = frame.evaluate(
        "(label) => window.ipkgNetwork.body.data.nodes.get().find(n => n.title.startsWith(label)).id", POLICY)
    assert any(t.startswith(POLICY) for t in titles)
    assert _hover_node(page, frame, policy_id).startswith(POLICY)
    page.wait_for_timeout(300)  # time for an onerror/alert to fire, if anything had been parsed
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "injection_export.png"))


# --------------------------------------------------------------------------- the app


def _param_of(evil_root: Path, label: str) -> str:
    from rdflib import Literal

    from graph.app_support import entity_param
    from graph.store import open_store

    store = open_store(evil_root, read_only=True)
    rows = store.query("SELECT ?s WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l "
                       "FILTER(STR(?l) = ?x) }", {"x": Literal(label)}).rows
    store.close()
    assert rows, label
    return entity_param(str(rows[0][0]))


def test_entity_page_shows_the_markup_as_text(watched, server, evil_root: Path) -> None:
    base, _proc = server
    page = watched
    page.goto(f"{base}/entity?e={urllib.parse.quote(_param_of(evil_root, POLICY))}")
    _wait_app(page)
    heading = page.locator("h2").first
    heading.wait_for()
    assert heading.inner_text().strip() == POLICY
    _assert_no_injected_elements(page.main_frame)
    page.wait_for_timeout(500)  # time for an onerror/alert to fire, if anything had been parsed
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "injection_entity.png"))


def test_institution_passage_is_escaped(watched, server, evil_root: Path) -> None:
    base, _proc = server
    page = watched
    label = "“<imgsrc=xonerror=alert(1)>”保护中心"  # spaces fall out in normalisation
    page.goto(f"{base}/entity?e={urllib.parse.quote(_param_of(evil_root, label))}")
    _wait_app(page)
    page.locator("h2").first.wait_for()
    # the source passage (markdown rendered as HTML by the page), with the tag as characters
    passage = page.locator("[data-testid='stMarkdownContainer']", has_text=IMG).first
    passage.wait_for()
    assert IMG in passage.inner_text()
    _assert_no_injected_elements(page.main_frame)
    page.wait_for_timeout(500)


def test_explore_network_and_tooltip_show_the_markup_as_text(watched, server, evil_root: Path) -> None:
    base, _proc = server
    page = watched
    param = _param_of(evil_root, POLICY)
    page.goto(f"{base}/explore?e={urllib.parse.quote(param)}&hops=2")
    _wait_app(page)
    frame = _drawn_network(page)
    _assert_no_injected_elements(frame)
    _assert_no_injected_elements(page.main_frame)
    node_id = frame.evaluate(
        "(label) => window.ipkgNetwork.body.data.nodes.get().find(n => (n.title || '').startsWith(label)).id",
        POLICY)
    assert _hover_node(page, frame, node_id).startswith(POLICY)
    page.wait_for_timeout(300)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "injection_explore.png"))


# --------------------------------------------------------------------------- a runaway query, two sessions


def _query_workers(proc: subprocess.Popen) -> list[psutil.Process]:
    out = []
    for child in psutil.Process(proc.pid).children(recursive=True):
        try:
            if "--query-worker" in " ".join(child.cmdline()) and child.status() != psutil.STATUS_ZOMBIE:
                out.append(child)
        except psutil.NoSuchProcess:
            pass
    return out


def test_a_runaway_query_leaves_other_sessions_responsive(chromium, server, evil_root: Path) -> None:
    base, proc = server
    runaway = chromium.new_context()
    other = chromium.new_context()
    try:
        a, b = runaway.new_page(), other.new_page()
        a.set_default_timeout(60_000)
        b.set_default_timeout(60_000)
        a.goto(f"{base}/sparql?timeout=8&query={urllib.parse.quote(CARTESIAN)}")
        deadline = time.monotonic() + 20
        while not _query_workers(proc) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _query_workers(proc), "the runaway query is running in its own process"

        started = time.monotonic()
        b.goto(f"{base}/entity?e={urllib.parse.quote(_param_of(evil_root, POLICY))}")
        b.locator("h2").first.wait_for()
        responsive = time.monotonic() - started
        still_running = bool(_query_workers(proc))

        a.get_by_text("8 s time limit").first.wait_for(timeout=40_000)
        assert responsive < 6, f"another session took {responsive:.1f} s while a query ran away"
        assert still_running, "the other session was served while the runaway query still ran"
        time.sleep(0.5)
        assert not _query_workers(proc), "the stopped query's process is gone"
    finally:
        runaway.close()
        other.close()
