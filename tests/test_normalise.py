"""Normalisation: script conversion, widths, spacing, boilerplate — and the offset map back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.normalise import detect_script, normalise
from pipeline_support import raw


@pytest.mark.parametrize(("source", "expected"), [
    ("加強智慧財產權保護，最佳化營商環境", "加强知识产权保护,优化营商环境"),  # Taiwan wording: phrases
    ("加強知識產權保護，推進核心技術和程序建設", "加强知识产权保护,推进核心技术和程序建设"),  # mainland wording: characters only
    ("中国（西安）知识产权保护中心", "中国(西安)知识产权保护中心"),
    ("知 识产权 保护", "知识产权保护"),
    ("2021 年山东省", "2021年山东省"),
    ("DB37/T 4293-2020", "DB37/T 4293-2020"),
    ("推進「閩台智慧財產權合作示範區」建設", "推进“闽台知识产权合作示范区”建设"),  # corner brackets quote
    ("推進知識產權保護，會同杭州智慧財產權法庭", "推进知识产权保护,会同杭州知识产权法庭"),  # mainland wording, one Taiwan term
    ("推進知識產權保護，著力打造品牌", "推进知识产权保护,着力打造品牌"),  # 著 as Taiwan writes 着
])
def test_normalised_text(source, expected):
    assert normalise(raw(source)).text == expected


def test_broken_lines_are_joined():
    text = "针对重点产业、重点区域、重大需求实施专利导航项目，加快推进知识产权强省建设各项工作实\n\n施专利导航项目20项。\n一、总体要求\n坚持问题导向。"
    doc = normalise(raw(text))
    assert "实施专利导航项目20项" in doc.text
    assert "\n一、总体要求\n" in doc.text


def test_a_title_is_not_joined_to_the_field_line_under_it():
    text = ("浙江省市场监督管理局(知识产权局)召开2023年全省知识产权工作会议\n"
            "发布时间:2023-02-16 来源:浙江省市场监督管理局\n\n2月15日,会议在杭州召开。")
    doc = normalise(raw(text))
    assert doc.text.startswith("浙江省市场监督管理局(知识产权局)召开2023年全省知识产权工作会议\n发布时间")


def test_corner_brackets_keep_their_offsets():
    source = "推進「閩台合作示範區」建設"
    doc = normalise(raw(source))
    start = doc.text.index("“")
    assert doc.quote(start, start + 9) == "「閩台合作示範區」"


def test_navigation_above_the_body_goes_but_the_headline_and_its_date_stay():
    text = ("网站首页 关于我们 联系我们 政务公开\n青岛市市场监督管理局关于印发《知识产权保护工作要点》的通知\n"
            "发布时间:2023-04-12 来源:青岛市市场监督管理局 浏览次数:1024\n"
            "各区、市市场监管局:\n现将《知识产权保护工作要点》印发给你们。\n")
    doc = normalise(raw(text))
    assert doc.text.startswith("青岛市市场监督管理局关于印发《知识产权保护工作要点》的通知\n发布时间:2023-04-12")
    assert "关于我们" not in doc.text and "各区、市市场监管局:" in doc.text
    start = doc.text.index("发布时间")
    assert doc.quote(start, start + 4) == "发布时间"


def test_pinyin_left_by_a_web_page_is_dropped_with_offsets_kept():
    source = "推進(jìn)知識產(chǎn)權(quán)保護(hù)(2021年)"
    doc = normalise(raw(source))
    assert doc.text == "推进知识产权保护(2021年)"  # the year in brackets stays
    start = doc.text.index("产权")
    assert doc.quote(start, start + 2) == "產(chǎn)權"


def test_a_news_headline_above_the_field_line_stays():
    text = ("热门搜索: 专利 商标\n《2023年地方工作要点》印发\n作者:中国知识产权报 浏览次数: 发布时间:2023-04-20\n"
            "近日,《2023年地方工作要点》印发实施。\n")
    doc = normalise(raw(text))
    assert doc.text.startswith("《2023年地方工作要点》印发\n作者")
    assert "热门搜索" not in doc.text


def test_a_breadcrumb_over_two_lines_is_navigation():
    text = ("当前位置:首页\n>专题>部际联席会议办公室>工作通知\n"
            "关于印发《年度推进计划》的通知\n各有关单位:\n现将《年度推进计划》印发给你们。\n")
    doc = normalise(raw(text))
    assert doc.text.startswith("关于印发《年度推进计划》的通知")


def test_website_footer_is_dropped():
    body = "加快陕西省知识产权保护中心建设，推动市级知识产权保护中心和快速维权中心建设。\n" * 5
    text = body + "相关词条\n热门词条\n联系我们\n开户行:某银行\n"
    doc = normalise(raw(text))
    assert "联系我们" not in doc.text and "开户行" not in doc.text
    assert doc.text.strip().endswith("建设。")


@pytest.mark.parametrize(("text", "script"), [
    ("加強智慧財產權保護，推動網際網路發展，最佳化資訊服務", "traditional-tw"),
    ("加強知識產權保護，推進互聯網發展，提升信息服務質量", "traditional"),
    ("加强知识产权保护", "simplified"),
])
def test_script_detection(text, script):
    assert detect_script(text) == script


def test_offsets_point_at_traditional_source():
    source = "甘肅省智慧財產權保護中心"
    doc = normalise(raw(source))
    assert doc.text == "甘肃省知识产权保护中心"
    start = doc.text.index("知识产权")
    assert doc.quote(start, start + 4) == "智慧財產權"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("知識产權保護中心，。 \n\t（）()１２3abc陕西省智慧財產实施\u3000")),
               max_size=200))
def test_offsets_are_monotonic_and_in_range(text):
    doc = normalise(raw(text))
    assert len(doc.offsets) == len(doc.text) + 1
    assert all(0 <= o <= len(text) for o in doc.offsets)
    assert list(doc.offsets[:-1]) == sorted(doc.offsets[:-1])
    for i in range(len(doc.text)):
        s, e = doc.original_span(i, i + 1)
        assert 0 <= s < e <= len(text)


@pytest.mark.parametrize(("source", "expected"), [
    ("依託高校建立智慧財產權人才培養基地", "依托高校建立知识产权人才培养基地"),  # not 创建
    ("以尊重知識、崇尚創新為核心的智慧財產權文化", "以尊重知识、崇尚创新为核心的知识产权文化"),  # not 内核
    ("健全績效指標，提高管理效能", "健全绩效指标,提高管理效能"),  # not 指针, 性能
    ("發展智慧型製造與網際網路", "发展智能制造与互联网"),
])
def test_taiwan_phrases_without_computing_jargon(source, expected):
    assert normalise(raw(source)).text == expected
