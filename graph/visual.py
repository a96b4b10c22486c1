r"""Network pages: a networkx graph in, one self-contained HTML string out.

:func:`network_html` is a pure function (no files, no Streamlit), so it is
tested directly. pyvis builds the vis-network node and edge records; the page
is our own template (``graph/assets/network.html``) because pyvis's template
always links Bootstrap from a CDN. vis-network's JS and CSS are inlined from
the copy pyvis ships, so the page works with no network at all.

Escaping: every string from the graph reaches the page either inside the
JSON data block, where ``<``, ``>``, ``&`` and the JavaScript line
separators are written as ``\\uXXXX`` escapes (nothing can close the
``<script>``), or in the legend, which is HTML-escaped. vis-network shows
hover titles with ``innerText``, so a label like ``<b>`` is shown, not run.
"""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx

from graph.i18n import class_name, relation_name

__all__ = ["CLASS_STYLE", "PHYSICS_NODE_LIMIT", "class_style", "network_html"]

#: Above this many nodes the layout is computed here and physics is switched off.
PHYSICS_NODE_LIMIT = 150

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
_MARKER = re.compile(r"@@([A-Z_]+)@@")


def class_style(cls: str) -> tuple[str, str]:
    """(colour, shape) for a short class name; unknown classes look like "Other"."""
    return CLASS_STYLE.get(cls, CLASS_STYLE["Other"])


@lru_cache(maxsize=1)
def _vis_assets() -> tuple[str, str]:
    """vis-network's minified JS and CSS from the pyvis package."""
    import pyvis

    lib = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2"
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
    """Fixed positions for big graphs, so the browser need not simulate physics."""
    if g.number_of_nodes() == 0:
        return {}
    simple = nx.Graph(g.to_undirected(as_view=True))
    pos = nx.spring_layout(simple, seed=7, iterations=60)
    scale = 60.0 * max(g.number_of_nodes(), 1) ** 0.5
    return {n: (float(x) * scale, float(y) * scale) for n, (x, y) in pos.items()}


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
        g: nodes with ``label``, ``cls``, ``region``, ``quote`` attributes and
            edges with ``relation`` and ``quote`` (missing ones are tolerated).
        height: CSS height of the drawing (``650px``, ``80vh`` …).
        physics: force the physics simulation on or off; by default it is on
            up to :data:`PHYSICS_NODE_LIMIT` nodes and off (with a computed
            layout) above.
        lang: ``"zh"`` or ``"en"`` for class and relation names.
        title: the page title.

    Returns:
        The HTML page, with vis-network inlined and no external resources.
    """
    from pyvis.network import Network

    if not _CSS_LENGTH.match(height):
        raise ValueError(f"height must be a CSS length like 650px or 80vh, not {height!r}")
    if physics is None:
        physics = g.number_of_nodes() <= PHYSICS_NODE_LIMIT
    positions = {} if physics else _layout(g)  # type: ignore[arg-type]

    net = Network(height=height, width="100%", directed=True, cdn_resources="in_line")
    counts: dict[str, int] = {}
    for node, attrs in g.nodes(data=True):
        cls = str(attrs.get("cls") or "Other")
        counts[cls] = counts.get(cls, 0) + 1
        colour, shape = class_style(cls)
        label = str(attrs.get("label") or node)
        lines = [label, class_name(cls, lang)]
        if attrs.get("region"):
            lines.append(str(attrs["region"]))
        if attrs.get("quote"):
            lines.append(f"“{attrs['quote']}”")
        extra: dict[str, Any] = {}
        if str(node) in positions:
            extra = {"x": positions[str(node)][0], "y": positions[str(node)][1], "physics": False}
        net.add_node(str(node), label=_short(label), title="\n".join(lines), color=colour,
                     shape=shape, **extra)
    parallel: dict[tuple[str, str], int] = {}
    for u, v, attrs in g.edges(data=True):
        rel = str(attrs.get("relation") or "")
        name = relation_name(rel, lang) if rel else ""
        tip = name + (f"\n“{attrs['quote']}”" if attrs.get("quote") else "")
        # Parallel edges (a document that issues and mentions) get their own curve.
        k = parallel[(str(u), str(v))] = parallel.get((str(u), str(v)), -1) + 1
        extra = {"smooth": {"enabled": True, "type": "curvedCW", "roundness": 0.2 * k}} if k else {}
        net.add_edge(str(u), str(v), label=name, title=tip or None, **extra)
    nodes, edges, *_ = net.get_network_data()

    options = {
        "physics": {
            "enabled": bool(physics),
            "solver": "forceAtlas2Based",
            "stabilization": {"enabled": True, "iterations": 300, "fit": True},
        },
        "nodes": {"font": {"size": 14}, "size": 16},
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "font": {"size": 10, "align": "middle", "color": "#555"},
            "color": {"color": "#9e9e9e", "highlight": "#333"},
            "smooth": {"enabled": bool(physics), "type": "dynamic"},
        },
        "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": True},
    }
    data = {"nodes": [_clean(n) for n in nodes], "edges": [_clean(e) for e in edges]}

    legend = "".join(
        f'<span class="item"><span class="swatch" style="background:{html.escape(class_style(c)[0])}">'
        f"</span>{html.escape(class_name(c, lang))} ({n})</span>"
        for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    hidden = int(g.graph.get("hidden", 0) or 0)
    if hidden:
        more = f"+{hidden} more" if lang.startswith("en") else f"+{hidden} 个未显示"
        legend += f'<span class="item more">{html.escape(more)}</span>'

    js, css = _vis_assets()
    values = {
        "LANG": "en" if lang.startswith("en") else "zh-Hans",
        "TITLE": html.escape(title or ("Network" if lang.startswith("en") else "网络")),
        "HEIGHT": height,
        "LEGEND": legend,
        "DATA": _script_json(data),
        "OPTIONS": _script_json(options),
        "VIS_CSS": css,
        "VIS_JS": js,
    }
    # One pass over the template: substituted text (labels, assets) is never rescanned.
    return _MARKER.sub(lambda m: values[m.group(1)], _template())


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values pyvis leaves in a record (vis treats null titles oddly)."""
    return {k: v for k, v in record.items() if v is not None}
