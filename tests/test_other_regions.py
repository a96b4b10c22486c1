"""Documents unlike the five seeds: national level, another province's city, a web page,
mainland wording in Traditional script. Expectations were checked by hand against the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.extract import extract
from graph.ingest import read_document
from graph.normalise import normalise
from graph.segment import segment

DOCS = Path(__file__).parent / "data" / "documents"


def run(name: str):
    return extract(segment(normalise(read_document(DOCS / name))))


def test_national_plan():
    r = run("national.txt")
    m = r.metadata
    assert (m.title, m.doc_number, m.issued, m.issuers) == (
        "“十四五”国家知识产权保护和运用规划", "国发〔2021〕20号", "2021-10-09", ("国务院",))
    assert (m.jurisdiction, m.level, m.genre) == ("", "national", "规划")
    names = {x.name for x in r.of_kind("institution")}
    assert {"最高人民法院", "国家知识产权局", "国家市场监督管理总局", "海关总署", "北京知识产权法院",
            "上海知识产权法院", "广州知识产权法院", "国家知识产权保护中心"} <= names
    assert "直辖市人民政府" not in names  # the notice's addressees are not actors
    targets = {(t.indicator, t.value, t.unit, t.year) for t in r.targets}
    assert ("每万人口高价值发明专利拥有量", 12.0, "件", 2025) in targets
    assert ("知识产权质押融资登记金额", 320000000000.0, "元", 2025) in targets
    responsible = {u.name for me in r.measures for u in me.responsible}
    assert {"最高人民法院", "司法部", "国家知识产权局", "海关总署"} <= responsible


def test_city_plan_in_another_province():
    r = run("suzhou.txt")
    assert (r.metadata.jurisdiction, r.metadata.level, r.metadata.genre) == ("苏州市", "city", "实施方案")
    names = {x.name for x in r.of_kind("institution")}
    assert {"中国(苏州)知识产权保护中心", "中国(昆山)知识产权保护中心", "苏州大学", "苏州市中级人民法院",
            "苏州市市场监督管理局", "苏州知识产权法庭"} <= names
    assert {"苏州市昆山市", "苏州市张家港市", "江苏省"} <= {x.name for x in r.of_kind("region")}
    assert {(t.indicator, t.value, t.year) for t in r.targets} >= {
        ("每万人口高价值发明专利拥有量", 45.0, 2025), ("知识产权质押融资金额", 30000000000.0, 2025)}


def test_web_page():
    r = run("news.html")
    m = r.metadata
    assert (m.title, m.issued, m.issuers, m.genre) == (
        "湖南:知识产权保护中心建设取得新进展", "2023-05-12", ("湖南省市场监督管理局",), "新闻报道")
    names = {x.name for x in r.of_kind("institution")}
    assert {"中国(湖南)知识产权保护中心", "湖南省知识产权局", "长沙市中级人民法院"} <= names
    assert not any("ICP" in x.surface or "版权所有" in x.surface for x in r.mentions)


@pytest.mark.parametrize("name", ["guangzhou_traditional.txt"])
def test_mainland_wording_in_traditional_script(name):
    r = run(name)
    assert r.doc.script == "traditional"
    assert r.metadata.title == "广州市市场监督管理局(知识产权局)2023年知识产权工作要点"
    names = {x.name for x in r.of_kind("institution")}
    assert {"中国(广州)知识产权保护中心", "广州知识产权法院"} <= names
    assert [(t.indicator, t.value, t.year) for t in r.targets] == [("发明专利授权量", 28000.0, 2023)]
    assert "高价值专利培育布局工程" in {x.name for x in r.of_kind("program")}
