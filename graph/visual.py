r"""Network pages and highlighted text: graph data in, self-contained HTML out.

:func:`network_html` is a pure function (no files written, no Streamlit), so it
is tested directly. It takes a network as :mod:`graph.network` projects it and
writes the vis-network node and edge records itself into our own template
(``graph/assets/network.html``); vis-network's JS and CSS are inlined from the
copy the pyvis package ships, so the page works with no network at all.
The page sets ``window.ipkgDrawn`` (milliseconds since navigation) once the
first frame after layout is drawn, for tests and the benchmark.

Escaping: every string from the graph reaches the page either inside the
JSON data block, where ``<``, ``>``, ``&`` and the JavaScript line
separators are written as ``\\uXXXX`` escapes (nothing can close the
``<script>``), or in the legend, which is HTML-escaped. vis-network shows
hover titles with ``innerText``, so a label like ``<b>`` is shown, not run.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.i18n import class_name, relation_name, t

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["CHART_SERIES_LIMIT", "CLASS_STYLE", "PHYSICS_NODE_LIMIT", "class_style", "highlight_spans", "network_html"]

#: Above this many nodes the layout is computed here and physics is switched off,
#: so the browser draws at once instead of simulating for seconds.
PHYSICS_NODE_LIMIT = 150
#: A chart colours at most this many series (regions, types); past it the colours no
#: longer tell them apart, and the pages count over them instead.
CHART_SERIES_LIMIT = 12

#: Short class name → (colour, vis-network shape). Institutions are dots in warm/cool hues.
CLASS_STYLE: dict[str, tuple[str, str]] = {
    "Document": ("#a7c0cd", "box"),
    "Policy": ("#8e44ad", "diamond"),
    "GovernmentAgency": ("#1f77b4", "dot"),
    "InternalUnit": ("#9ecae1", "dot"),
    "ProtectionCenter": ("#d62728", "dot"),
    "ServiceCenter": ("#ff9896", "dot"),
    "Platform": ("#ff7f0e", "dot"),
    "Court": ("#8c564b", "dot"),
    "University": ("#9467bd", "dot"),
    "Association": ("#c5b0d5", "dot"),
    "Base": ("#bcbd22", "dot"),
    "Fund": ("#e7ba52", "dot"),
    "Institution": ("#17becf", "dot"),
    "Program": ("#2ca02c", "triangle"),
    "Event": ("#98df8a", "star"),
    "Indicator": ("#e377c2", "hexagon"),
    "Measure": ("#f4a582", "square"),
    "Target": ("#b2df8a", "triangleDown"),
    "Region": ("#c8c8c8", "ellipse"),
    "Other": ("#cccccc", "dot"),
}

_ASSETS = Path(__file__).with_name("assets")
_CSS_LENGTH = re.compile(r"^\d+(\.\d+)?(px|%|vh|em|rem)$")
_LABEL_WIDTH = 18
_TOOLTIP_QUOTE = 300  # characters of a passage shown on hover
_MARKER = re.compile(r"@@([A-Z_]+)@@")


def class_style(cls: str) -> tuple[str, str]:
    """(colour, shape) for a short class name; unknown classes look like "Other"."""
    return CLASS_STYLE.get(cls, CLASS_STYLE["Other"])


@lru_cache(maxsize=1)
def _vis_assets() -> tuple[str, str]:
    """vis-network's minified JS and CSS from the pyvis package (found, not imported: importing pyvis is slow)."""
    spec = find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the pyvis package (which ships vis-network) is not installed")
    lib = Path(next(iter(spec.submodule_search_locations))) / "templates" / "lib" / "vis-9.1.2"
    js = (lib / "vis-network.min.js").read_text("utf-8")
    css = (lib / "vis-network.css").read_text("utf-8")
    # Inlined verbatim, so they must not be able to end their own element.
    if re.search(r"</script", js, re.IGNORECASE) or re.search(r"</style", css, re.IGNORECASE):
        raise RuntimeError("vis-network assets contain a closing tag; cannot inline them")
    return js, css


@lru_cache(maxsize=1)
def _template() -> str:
    return (_ASSETS / "network.html").read_text("utf-8")


def _script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (cannot close it or break lines)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def _short(text: str, width: int = _LABEL_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _layout(g: nx.MultiDiGraph) -> dict[str, tuple[float, float]]:
    """Fixed positions for big graphs, so the browser need not simulate physics.

    A selection (nodes with a ``depth``) is laid out in rings: the seeds in the
    middle, each hop on a wider ring, a hop's nodes next to the node that reached
    them and grouped by class. Any other graph gets networkx's spring layout.
    """
    if g.number_of_nodes() == 0:
        return {}
    if all("depth" in attrs for _, attrs in g.nodes(data=True)):
        return _rings(g)
    import networkx as nx

    simple = nx.Graph(g.to_undirected(as_view=True))
    spring = nx.spring_layout(simple, seed=7, iterations=60)
    scale = 60.0 * max(g.number_of_nodes(), 1) ** 0.5
    return {str(n): (float(x) * scale, float(y) * scale) for n, (x, y) in spring.items()}


def _rings(g: nx.MultiDiGraph) -> dict[str, tuple[float, float]]:
    rings: dict[int, list[str]] = defaultdict(list)
    depth = {str(n): int(a["depth"]) for n, a in g.nodes(data=True)}
    for node, d in depth.items():
        rings[d].append(node)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for u, v in g.edges():
        neighbours[str(u)].add(str(v))
        neighbours[str(v)].add(str(u))
    pos: dict[str, tuple[float, float]] = {}
    angle: dict[str, float] = {}
    radius = 0.0
    for d, ring in sorted(rings.items()):
        if d == 0:
            pos.update({n: ((i - (len(ring) - 1) / 2) * 160.0, 0.0) for i, n in enumerate(ring)})
            angle.update({n: 0.0 for n in ring})
            continue

        def parent_angle(n: str, d: int = d) -> float:
            parents = [angle[p] for p in neighbours[n] if depth.get(p) == d - 1 and p in angle]
            return min(parents) if parents else 0.0

        ring.sort(key=lambda n: (parent_angle(n), str(g.nodes[n].get("cls", "")), n))
        # wide enough for ~40 px per node, and well outside the ring inside it
        radius = max(radius + 240.0, len(ring) * 40.0 / (2 * math.pi))
        for i, n in enumerate(ring):
            angle[n] = 2 * math.pi * i / len(ring)
            pos[n] = (radius * math.cos(angle[n]), radius * math.sin(angle[n]))
    return pos


def _tooltip_quote(quote: str) -> str:
    return quote if len(quote) <= _TOOLTIP_QUOTE else quote[: _TOOLTIP_QUOTE - 1] + "…"


def network_html(
    g: nx.MultiDiGraph | nx.Graph,
    *,
    height: str = "650px",
    physics: bool | None = None,
    lang: str = "zh",
    title: str = "",
) -> str:
    """Render a projected network (see :mod:`graph.network`) as a standalone HTML page.

    Args:
        g: nodes with ``label``, ``cls``, ``region``, ``quote`` attributes and,
            from a selection, ``depth`` (0 for the seeds, drawn larger) and ``more``
            (neighbours the cap hid, drawn as a "+N" box); edges with ``relation``
            and ``quote``. Missing attributes are tolerated; ``g.graph["hidden"]``
            is shown in the legend.
        height: CSS height of the drawing (``650px``, ``80vh`` …).
        physics: force the physics simulation on or off; by default it is on
            up to :data:`PHYSICS_NODE_LIMIT` nodes and off (with a computed
            layout) above.
        lang: ``"zh"`` or ``"en"`` for class and relation names.
        title: the page title.

    Returns:
        The HTML page, with vis-network inlined and no external resources.

    Raises:
        ValueError: ``height`` is not a CSS length.
    """
    if not _CSS_LENGTH.match(height):
        raise ValueError(f"height must be a CSS length like 650px or 80vh, not {height!r}")
    if physics is None:
        physics = g.number_of_nodes() <= PHYSICS_NODE_LIMIT
    positions = {} if physics else _layout(g)  # type: ignore[arg-type]

    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for node, attrs in g.nodes(data=True):
        key = str(node)
        cls = str(attrs.get("cls") or "Other")
        counts[cls] = counts.get(cls, 0) + 1
        colour, shape = class_style(cls)
        label = str(attrs.get("label") or key)
        lines = [label, class_name(cls, lang)]
        if attrs.get("region"):
            lines.append(str(attrs["region"]))
        if attrs.get("quote"):
            lines.append(f"“{_tooltip_quote(str(attrs['quote']))}”")
        record: dict[str, Any] = {"id": key, "label": _short(label), "title": "\n".join(lines),
                                  "color": colour, "shape": shape}
        if attrs.get("depth") == 0:  # a seed
            record.update(size=26, borderWidth=3)
        if key in positions:
            record.update(x=positions[key][0], y=positions[key][1], physics=False)
        nodes.append(record)
        if attrs.get("more"):
            more = t("ex_more", lang, n=int(attrs["more"]))
            box: dict[str, Any] = {"id": f"more::{key}", "label": more, "title": more, "shape": "box",
                                   "color": "#eeeeee", "font": {"color": "#666"}}
            if key in positions:
                box.update(x=positions[key][0] + 40, y=positions[key][1] + 40, physics=False)
            nodes.append(box)
            edges.append({"from": key, "to": box["id"], "dashes": True, "color": "#bbbbbb", "arrows": ""})
    parallel: dict[tuple[str, str], int] = {}
    for u, v, attrs in g.edges(data=True):
        rel = str(attrs.get("relation") or "")
        name = relation_name(rel, lang) if rel else ""
        tip = name + (f"\n“{_tooltip_quote(str(attrs['quote']))}”" if attrs.get("quote") else "")
        record = {"from": str(u), "to": str(v), "label": name}
        if tip:
            record["title"] = tip
        # Parallel edges (a document that issues and mentions) get their own curve.
        k = parallel[(str(u), str(v))] = parallel.get((str(u), str(v)), -1) + 1
        if k:
            record["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.2 * k}
        edges.append(record)

    options = {
        "physics": {
            "enabled": bool(physics),
            "solver": "forceAtlas2Based",
            "stabilization": {"enabled": True, "iterations": 200, "fit": True},
        },
        "layout": {"improvedLayout": bool(physics) and g.number_of_nodes() <= 60},
        "nodes": {"font": {"size": 14, "face": "Noto Sans CJK SC, sans-serif"}, "size": 16},
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "font": {"size": 10, "align": "middle", "color": "#555"},
            "color": {"color": "#9e9e9e", "highlight": "#333"},
            "smooth": {"enabled": bool(physics), "type": "dynamic"},
        },
        "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": True,
                        "hideEdgesOnDrag": not physics},
    }
    legend = "".join(
        f'<span class="item"><span class="swatch {"round" if class_style(c)[1] in ("dot", "ellipse") else ""}" '
        f'style="background:{html.escape(class_style(c)[0])}"></span>{html.escape(class_name(c, lang))} ({n})</span>'
        for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    hidden = int(g.graph.get("hidden", 0) or 0)
    if hidden:
        legend += f'<span class="item more">{html.escape(t("ex_more", lang, n=hidden))}</span>'

    js, css = _vis_assets()
    en = lang.startswith("en")
    values = {
        "LANG": "en" if en else "zh-Hans",
        "TITLE": html.escape(title or ("Network" if en else "网络")),
        "HEIGHT": height,
        "LEGEND": legend,
        "DATA": _script_json({"nodes": nodes, "edges": edges}),
        "OPTIONS": _script_json(options),
        "VIS_CSS": css,
        "VIS_JS": js,
    }
    # One pass over the template: substituted text (labels, assets) is never rescanned.
    return _MARKER.sub(lambda m: values[m.group(1)], _template())


def highlight_spans(text: str, spans: Iterable[tuple[int, int, str, str]]) -> str:
    """HTML of ``text`` (escaped) with ``spans`` (start, end, CSS colour, hover title) marked.

    Overlapping spans keep the earlier, longer one; spans outside the text are
    dropped. Newlines become ``<br>``.
    """
    chosen: list[tuple[int, int, str, str]] = []
    last_end = -1
    for start, end, colour, title in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if start < last_end or start >= end or start < 0 or end > len(text):
            continue
        chosen.append((start, end, colour, title))
        last_end = end
    out, pos = [], 0
    for start, end, colour, title in chosen:
        out.append(html.escape(text[pos:start]))
        out.append(
            f'<mark style="background:{html.escape(colour)}40;border-bottom:2px solid {html.escape(colour)};'
            f'padding:0 1px" title="{html.escape(title, quote=True)}">{html.escape(text[start:end])}</mark>'
        )
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")
