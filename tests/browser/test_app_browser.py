"""End-to-end: the Streamlit app in Debian's Chromium, with every non-localhost request blocked.

One app server per module on a free port. It serves the bundled corpus through the
embedded store, built on first start into a temporary folder (as the README's first
command does into data/store), or the hand-written fixture when the pipeline is not
importable. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_support import is_local, run_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
FIXTURE = ROOT / "tests" / "data" / "app_fixture.ttl"
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _pipeline_ready() -> bool:
    try:
        import graph.pipeline
        import graph.store  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `streamlit run app.py` on a free port; yield its base URL."""
    env = {}
    if _pipeline_ready() and os.environ.get("IPKG_APP_FIXTURE") != "1":
        env["IPKG_STORE"] = str(tmp_path_factory.mktemp("app") / "store")
    else:
        env["IPKG_FIXTURE"] = str(FIXTURE)
    with run_app(env, tmp_path_factory.mktemp("applog") / "streamlit.log") as (url, _proc):
        yield url


@pytest.fixture
def app_page(page):
    """A browser page that records every request it makes to a host other than localhost."""
    external: list[str] = []
    page.on("request", lambda req: external.append(req.url) if not is_local(req.url) else None)
    page.external_requests = external
    page.set_default_timeout(60_000)
    yield page
    assert not external, f"requests left localhost: {external[:5]}"


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def _wait_app(page) -> None:
    """Wait until the script run is over (Streamlit shows a status widget while running)."""
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && document.querySelectorAll('[data-testid=\"stMainBlockContainer\"] *').length > 5"
    )


def _network_frame(page):
    """The iframe that draws the network, once its first frame after layout is drawn."""
    page.wait_for_selector("iframe")
    for _ in range(120):
        for frame in page.frames:
            if frame == page.main_frame:
                continue
            try:
                if frame.evaluate("() => window.ipkgDrawn || 0"):
                    return frame
            except Exception:
                pass
        page.wait_for_timeout(250)
    pytest.fail("the network was not drawn")


def test_search_draws_network_then_open_entity(app_page, app_url: str) -> None:
    page = app_page
    page.goto(f"{app_url}/explore")
    _wait_app(page)
    box = page.get_by_placeholder("秦创原 / 秦創原")
    box.fill("秦創原")  # Traditional input finds the Simplified label
    box.press("Enter")
    frame = _network_frame(page)
    nodes = frame.evaluate("() => window.ipkgNetwork.body.data.nodes.length")
    assert nodes >= 2
    assert "秦创原" in frame.evaluate("() => JSON.stringify(window.ipkgNetwork.body.data.nodes.get())")
    assert frame.locator("#ipkg-legend").inner_text()
    assert re.search(r"q=%E7%A7%A6%E5%89%B5%E5%8E%9F|q=秦創原", page.url), page.url  # the view is a URL
    page.wait_for_timeout(500)
    _shot(page, "explore_qinchuangyuan")

    page.get_by_role("link", name="打开实体").click()
    page.wait_for_url(re.compile(r".*/entity\?.*e=.*"))
    _wait_app(page)
    page.get_by_text("出向关系").first.wait_for()
    assert "秦创原" in page.locator("h2").first.inner_text()
    page.get_by_text("原文出处").first.wait_for()
    _shot(page, "entity_qinchuangyuan")


def test_institutions_serving_protection_centre_measures(app_page, app_url: str) -> None:
    page = app_page
    page.goto(f"{app_url}/measures")
    _wait_app(page)
    box = page.get_by_placeholder("知识产权保护中心")
    box.fill("知识产权保护中心")
    box.press("Enter")
    page.wait_for_url(re.compile(r".*q=.*"))
    _wait_app(page)
    links = page.locator("[data-testid='stPageLink'] a")
    links.first.wait_for()
    names = " ".join(links.all_inner_texts())
    assert "知识产权保护中心" in names, names
    _shot(page, "measures_protection_centre")


def test_example_sparql_query(app_page, app_url: str) -> None:
    page = app_page
    page.goto(f"{app_url}/sparql?ex=institutions_serving_measure&p_keyword=%E7%9F%A5%E8%AF%86%E4%BA%A7%E6%9D%83")
    _wait_app(page)
    page.get_by_role("button", name="运行").click()
    _wait_app(page)
    caption = page.get_by_text(re.compile(r"^\d+ 行$")).first
    caption.wait_for()
    assert int(caption.inner_text().split()[0]) > 0
    _network_frame(page)
    _shot(page, "sparql_example")

    page.goto(f"{app_url}/sparql?query=SELEC%20*%20WHERE%20%7B")
    _wait_app(page)
    page.get_by_text("查询有误").first.wait_for()


def test_download_export(app_page, app_url: str, tmp_path: Path) -> None:
    page = app_page
    page.goto(f"{app_url}/export?q=%E7%A7%A6%E5%88%9B%E5%8E%9F&fmt=gexf")
    _wait_app(page)
    page.get_by_text("个节点").first.wait_for()
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("下载")).click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.suffix == ".gexf"
    assert b"<gexf" in target.read_bytes()
    _shot(page, "export")


def test_overview_and_english(app_page, app_url: str) -> None:
    page = app_page
    page.goto(f"{app_url}/?lang=en")
    _wait_app(page)
    page.get_by_role("heading", name="IP-policy knowledge graph").wait_for()
    page.wait_for_timeout(1500)  # charts
    _shot(page, "overview_en")
    page.goto(f"{app_url}/documents")
    _wait_app(page)
    page.locator("mark").first.wait_for()
    _shot(page, "documents")
