import re

import pytest

from browser_support import block_external, is_local

HAN_FONT = re.compile(r"CJK|WenQuanYi|Droid Sans Fallback|AR PL")


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://localhost:8501/", True),
        ("http://127.0.0.1:7878/query?q=1", True),
        ("http://[::1]:8501/static/app.js", True),
        ("data:text/html,<h1>知识产权</h1>", True),
        ("blob:http://localhost:8501/0b1c", True),
        ("https://cdn.jsdelivr.net/npm/vis-network.min.js", False),
        ("https://fonts.googleapis.com/css", False),
        ("http://localhost.example.com/", False),
        ("http://10.0.0.1/", False),
    ],
)
def test_is_local(url, local):
    assert is_local(url) is local


class _Route:
    def __init__(self, url):
        self.request = type("Request", (), {"url": url})()
        self.calls = []

    def continue_(self):
        self.calls.append("continue")

    def abort(self, error_code=None):
        self.calls.append(("abort", error_code))


def test_block_external_aborts_only_remote_hosts():
    local, remote = _Route("http://127.0.0.1:8501/"), _Route("https://unpkg.com/x.js")
    block_external(local)
    block_external(remote)
    assert local.calls == ["continue"]
    assert remote.calls == [("abort", "blockedbyclient")]


@pytest.mark.browser
def test_page_renders_chinese_and_blocks_external(page):
    page.set_content(
        '<h1>知识产权</h1><img id="remote" src="https://example.com/x.png">'
        "<script>fetch('https://example.com/').then(() => document.title = 'leaked',"
        " () => document.title = 'blocked')</script>"
    )
    page.wait_for_function("document.title !== ''")
    assert page.title() == "blocked"
    assert page.inner_text("h1") == "知识产权"
    # The heading is drawn with a real Han font (fonts-noto-cjk), not tofu boxes:
    # ask Chromium which platform font rendered its glyphs.
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    h1 = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": h1})["fonts"]
    assert fonts
    assert all(HAN_FONT.search(font["familyName"]) for font in fonts), fonts
