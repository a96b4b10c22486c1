"""Indicators: every numeric target in one sortable table, a chart and a CSV download."""

import pandas as pd
import streamlit as st
from rdflib import URIRef

from graph import visual
from graph.app_support import (
    TARGETS_LISTED,
    T,
    entity_param,
    iri_from_param,
    rows,
    store_or_stop,
    ui_lang,
    url_state,
    write_url,
)
from graph.queries import local_name

PAGE = "indicators"
SPEC = {"ind": "", "region": []}

lang = ui_lang()
store, index = store_or_stop()
url_state(PAGE, SPEC)
st.title(T("page_indicators"))


def bar_chart(data: pd.DataFrame, encoding: dict) -> None:
    """A Vega-Lite bar chart of the frame's rows, years along x (inline values: Altair takes a second to import)."""
    x = {"field": T("col_year"), "type": "nominal", "axis": {"labelAngle": 0}}
    st.vega_lite_chart({"data": {"values": data.astype(object).where(data.notna(), None)  # NaN is not JSON
                                 .to_dict("records")},
                        "mark": "bar", "encoding": {"x": x, **encoding}}, width="stretch")


def count_chart(counts: pd.DataFrame) -> None:
    """Targets per year (summing the count column), side by side per region when colours can tell them apart.

    Values in different units do not add up, so targets are counted; they are grouped
    here so the browser gets one row per bar, not one per target.
    """
    regions = counts[T("col_region")].nunique()
    split = regions <= visual.CHART_SERIES_LIMIT
    by = [T("col_year"), T("col_region")] if split else [T("col_year")]
    encoding = {"y": {"field": T("col_count"), "type": "quantitative", "title": T("col_count")},
                "tooltip": [{"field": f} for f in (*by, T("col_count"))]}
    if split:
        region = {"field": T("col_region"), "type": "nominal"}
        encoding |= {"xOffset": region, "color": region}
    else:
        st.caption(T("in_chart_regions", n=regions))
    bar_chart(counts.groupby(by, as_index=False)[T("col_count")].sum(), encoding)


total = index.class_counts().get("Target", 0)
large = total > TARGETS_LISTED  # then only the targets of the indicator picked are read
picked = st.session_state[f"{PAGE}.ind"]
if large:
    # The picker lists the indicators with their counts; targets are read per indicator.
    labels = {}
    for r in rows("indicator_counts"):
        labels.setdefault(entity_param(r["indicator"]), r.get("indicatorLabel") or local_name(r["indicator"]))
    picked = picked if picked in labels else ""
    targets = rows("targets_of_indicator", indicator=URIRef(iri_from_param(picked))) if picked else []
    by_year = rows("targets_by_year")
    regions = sorted({r["regionLabel"] for r in by_year if r.get("regionLabel")})
else:
    targets = rows("target_table")
frame = pd.DataFrame(
    [{
        "indicator_id": entity_param(r["indicator"]) if r.get("indicator") else "",
        T("col_indicator"): (index.get(r["indicator"]).label(lang) if r.get("indicator")
                             else r.get("indicatorLabel") or ""),
        T("col_value"): r.get("value"),
        T("col_unit"): r.get("unit") or "",
        T("col_year"): r.get("year"),
        T("col_region"): r.get("regionLabel") or "",
        T("col_document"): r.get("docTitle") or "",
        T("col_quote"): r.get("quote") or "",
    } for r in targets],
    columns=["indicator_id", T("col_indicator"), T("col_value"), T("col_unit"), T("col_year"),
             T("col_region"), T("col_document"), T("col_quote")],
).sort_values([T("col_indicator"), T("col_year"), T("col_region"), T("col_document"), T("col_value")],
              kind="stable", na_position="last", ignore_index=True)

if not large:
    indicators = frame.drop_duplicates("indicator_id").sort_values(T("col_indicator"))
    labels = dict(zip(indicators["indicator_id"], indicators[T("col_indicator")], strict=False))
    regions = sorted({r for r in frame[T("col_region")] if r})
ids = ["", *sorted((i for i in labels if i), key=lambda i: labels[i])]
if st.session_state[f"{PAGE}.ind"] not in ids:
    st.session_state[f"{PAGE}.ind"] = ""
st.session_state[f"{PAGE}.region"] = [r for r in st.session_state[f"{PAGE}.region"] if r in regions]

c1, c2 = st.columns([2, 1])
c1.selectbox(T("in_pick"), ids, key=f"{PAGE}.ind", format_func=lambda i: labels.get(i, T("in_all")))
c2.multiselect(T("col_region"), regions, key=f"{PAGE}.region", placeholder=T("choose"))
write_url(PAGE, SPEC)

if large and not st.session_state[f"{PAGE}.ind"]:
    # Every target would be tens of thousands of rows: the counts per year stand in for them.
    st.info(T("in_large", n=total))
    picked_regions = set(st.session_state[f"{PAGE}.region"])
    counts = pd.DataFrame([{T("col_year"): str(r["year"]), T("col_region"): r.get("regionLabel") or "",
                            T("col_count"): r["targets"]} for r in by_year
                           if not picked_regions or r.get("regionLabel") in picked_regions])
    if not counts.empty:
        st.subheader(T("in_chart"))
        count_chart(counts)
    st.stop()

shown = frame
if st.session_state[f"{PAGE}.ind"]:
    shown = shown[shown["indicator_id"] == st.session_state[f"{PAGE}.ind"]]
if st.session_state[f"{PAGE}.region"]:
    shown = shown[shown[T("col_region")].isin(st.session_state[f"{PAGE}.region"])]

if shown.empty:
    st.info(T("no_results"))
    st.stop()

st.caption(T("sq_rows", n=len(shown)))
st.dataframe(shown.drop(columns=["indicator_id"]), hide_index=True, width="stretch", key=f"{PAGE}.table",
             column_config={T("col_year"): st.column_config.NumberColumn(format="%d")})
# Made when clicked: at 10,000 documents the CSV of every target is 17 MB.
st.download_button(T("download_csv"),
                   lambda: shown.drop(columns=["indicator_id"]).to_csv(index=False).encode("utf-8-sig"),
                   file_name="targets.csv", mime="text/csv", key=f"{PAGE}.csv")

st.subheader(T("in_chart"))
chart_data = shown.dropna(subset=[T("col_year")]).drop(columns=["indicator_id"])
chart_data[T("col_year")] = chart_data[T("col_year")].astype(int).astype(str)
if st.session_state[f"{PAGE}.ind"] and chart_data[T("col_region")].nunique() <= visual.CHART_SERIES_LIMIT:
    # one indicator: its values side by side per region and year
    region = {"field": T("col_region"), "type": "nominal"}
    bar_chart(chart_data, {
        "xOffset": region, "y": {"field": T("col_value"), "type": "quantitative"}, "color": region,
        "tooltip": [{"field": T(c)} for c in ("col_indicator", "col_value", "col_unit", "col_year", "col_region")],
    })
else:
    count_chart(chart_data.assign(**{T("col_count"): 1}))
