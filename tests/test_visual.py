"""graph.visual: standalone, escaped network pages."""

from __future__ import annotations

import json
import re

import networkx as nx
import pytest

from graph.visual import CLASS_STYLE, PHYSICS_NODE_LIMIT, class_style, highlight_spans, network_html

NASTY = '<script>alert("x")</script> \'单\' "双" \\反斜杠\\ \n换行 </script><!-- \u2028 @@VIS_JS@@ &amp;'


def small_graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("https://w3id.org/ipkg/id/pc", label="中国（陕西）知识产权保护中心", cls="ProtectionCenter",
               region="陕西省", quote="", iri="https://w3id.org/ipkg/id/pc")
    g.add_node("https://w3id.org/ipkg/id/m1", label="发挥保护中心作用", cls="Measure", region="",
               quote="發揮保護中心作用", iri="https://w3id.org/ipkg/id/m1")
    g.add_node("https://w3id.org/ipkg/id/doc", label="工作要点", cls="Document", region="陕西省", quote="",
               iri="https://w3id.org/ipkg/id/doc")
    g.add_edge("https://w3id.org/ipkg/id/m1", "https://w3id.org/ipkg/id/pc", key="servedBy",
               relation="servedBy", quote="發揮保護中心作用")
    g.add_edge("https://w3id.org/ipkg/id/doc", "https://w3id.org/ipkg/id/pc", key="mentions",
               relation="mentions", quote="保護中心")
    g.add_edge("https://w3id.org/ipkg/id/doc", "https://w3id.org/ipkg/id/pc", key="cites", relation="cites",
               quote="")
    return g


def data_block(page: str) -> dict:
    ours = page.rsplit("<script>", 1)[1]  # our own script comes after the inlined library
    match = re.search(r"var data = (.*?);\n  var options = (.*?);\n", ours, re.DOTALL)
    assert match, "data block not found"
    return json.loads(match.group(1)) | {"options": json.loads(match.group(2))}


def test_no_external_resources():
    page = network_html(small_graph())
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)\s*=\s*[\"']?(https?:)?//", page, re.IGNORECASE)
    assert "vis.Network" in page and len(page) > 400_000, "vis-network is inlined"
    assert page.count("</script>") == 2


def test_graph_text_is_escaped_and_round_trips():
    g = small_graph()
    g.nodes["https://w3id.org/ipkg/id/pc"]["label"] = NASTY
    g.nodes["https://w3id.org/ipkg/id/m1"]["quote"] = NASTY
    g.nodes["https://w3id.org/ipkg/id/m1"]["cls"] = "<img src=x onerror=alert(1)>"
    g.edges["https://w3id.org/ipkg/id/m1", "https://w3id.org/ipkg/id/pc", "servedBy"]["quote"] = NASTY
    page = network_html(g, title=NASTY)
    body = page.split("<body>", 1)[1]
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "\u2028" not in page.rsplit("<script>", 1)[1], "line separators would end a JS string"
    assert page.count("</script>") == 2, "nothing from the graph closes a script element"
    data = data_block(page)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["https://w3id.org/ipkg/id/pc"]["title"].startswith(NASTY)  # shown as text by vis (innerText)
    assert NASTY in nodes["https://w3id.org/ipkg/id/m1"]["title"]
    assert any(NASTY in (e.get("title") or "") for e in data["edges"])
    assert "&lt;img src=x onerror=alert(1)&gt;" in body  # an unknown class name in the legend
    assert "<title>&lt;script&gt;" in page


def test_colours_shapes_legend_and_edge_labels():
    page = network_html(small_graph(), lang="zh")
    data = data_block(page)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["https://w3id.org/ipkg/id/pc"]["color"] == CLASS_STYLE["ProtectionCenter"][0]
    assert nodes["https://w3id.org/ipkg/id/doc"]["shape"] == "box"
    assert nodes["https://w3id.org/ipkg/id/pc"]["title"].splitlines() == ["中国（陕西）知识产权保护中心", "保护中心", "陕西省"]
    labels = sorted(e["label"] for e in data["edges"])
    assert labels == sorted(["服务机构", "提及", "引用"])
    served = next(e for e in data["edges"] if e["label"] == "服务机构")
    assert "發揮保護中心作用" in served["title"]
    legend = page.split('<div id="ipkg-legend">', 1)[1].split("</div>", 1)[0]
    assert "保护中心 (1)" in legend and "措施 (1)" in legend and "文档 (1)" in legend
    en = data_block(network_html(small_graph(), lang="en"))
    assert sorted(e["label"] for e in en["edges"]) == sorted(["served by", "mentions", "cites"])
    assert class_style("NoSuchClass") == CLASS_STYLE["Other"]


def test_parallel_edges_get_their_own_curve():
    edges = data_block(network_html(small_graph()))["edges"]
    pair = [e for e in edges if e["from"].endswith("/doc")]
    assert len(pair) == 2 and sum("smooth" in e for e in pair) == 1


def test_hidden_count_in_the_legend():
    g = small_graph()
    g.graph["hidden"] = 42
    assert "+42 个未显示" in network_html(g)
    assert "+42 more" in network_html(g, lang="en")


def big_graph(size: int) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for i in range(size):
        g.add_node(f"n{i}", label=f"节点{i}", cls="Institution")
        if i:
            g.add_edge(f"n{i}", f"n{i // 2}", key="partOf", relation="partOf", quote="")
    return g


def test_physics_switches_off_above_the_limit():
    small = data_block(network_html(big_graph(PHYSICS_NODE_LIMIT)))
    assert small["options"]["physics"]["enabled"] is True
    assert "x" not in small["nodes"][0]
    big = data_block(network_html(big_graph(PHYSICS_NODE_LIMIT + 1)))
    assert big["options"]["physics"]["enabled"] is False
    assert all("x" in n and "y" in n for n in big["nodes"]), "a layout is computed instead"
    forced = data_block(network_html(big_graph(10), physics=False))
    assert forced["options"]["physics"]["enabled"] is False


def test_empty_graph_and_bad_height():
    assert "vis.Network" in network_html(nx.MultiDiGraph())
    with pytest.raises(ValueError):
        network_html(small_graph(), height='1px"><script>')


@pytest.mark.browser
def test_page_draws_in_a_browser_without_network(page):
    g = small_graph()
    g.nodes["https://w3id.org/ipkg/id/pc"]["label"] = NASTY
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (errors.append("dialog: " + d.message), d.dismiss()))
    page.set_content(network_html(g))
    page.wait_for_function("window.ipkgNetwork !== undefined")
    ids = page.evaluate("window.ipkgNetwork.body.data.nodes.getIds()")
    assert sorted(ids) == sorted(g.nodes)
    assert errors == []


def test_a_selection_draws_seeds_larger_and_what_the_cap_hid():
    g = small_graph()
    for node, depth in zip(g.nodes, (0, 1, 1), strict=True):
        g.nodes[node]["depth"] = depth
    g.nodes["https://w3id.org/ipkg/id/pc"]["more"] = 7
    data = data_block(network_html(g, lang="en"))
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["https://w3id.org/ipkg/id/pc"]["size"] > nodes.get("https://w3id.org/ipkg/id/m1", {}).get("size", 16)
    more = nodes["more::https://w3id.org/ipkg/id/pc"]
    assert more["label"] == "+7 more" and more["shape"] == "box"
    assert any(e["to"] == more["id"] and e["dashes"] for e in data["edges"])


def test_a_big_selection_is_laid_out_in_rings():
    g = big_graph(PHYSICS_NODE_LIMIT + 50)
    for node in g.nodes:
        i = int(node[1:])
        g.nodes[node]["depth"] = 0 if i == 0 else 1 if i < 3 else 2
    nodes = {n["id"]: n for n in data_block(network_html(g))["nodes"]}
    assert (nodes["n0"]["x"], nodes["n0"]["y"]) == (0.0, 0.0)  # the seed in the middle
    radius = {round((n["x"] ** 2 + n["y"] ** 2) ** 0.5, 3) for i, n in nodes.items() if i not in ("n0", "n1", "n2")}
    assert len(radius) == 1, "one ring per hop"
    assert radius.pop() > max((nodes[i]["x"] ** 2 + nodes[i]["y"] ** 2) ** 0.5 for i in ("n1", "n2"))


def test_the_page_tells_when_it_is_drawn():
    page = network_html(small_graph())
    assert "window.ipkgDrawn" in page and 'setAttribute("data-drawn", "1")' in page


def test_highlight_spans_escapes_and_keeps_the_longer_overlap():
    text = "<b>陕西省</b>知识产权局\n下一行"
    html = highlight_spans(text, [(3, 6, "#d62728", '"省"'), (3, 13, "#1f77b4", "局"), (20, 30, "#000", "out")])
    assert html.count("<mark") == 1 and "&lt;b&gt;" in html and "<br>" in html
    assert 'title="局"' in html and "&quot;省&quot;" not in html
