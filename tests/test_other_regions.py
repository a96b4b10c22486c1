"""Documents unlike the five seeds: national level, another province's city, a web page,
mainland wording in Traditional script. Expectations were checked by hand against the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.extract import extract
from graph.ingest import read_document
from graph.normalise import detect_script, normalise
from graph.segment import segment

DOCS = Path(__file__).parent / "data" / "documents"


def run(name: str):
    return extract(segment(normalise(read_document(DOCS / name))))


def responsible_by_text(r) -> dict[str, list[str]]:
    """Measure text → the names of its responsible units, in order."""
    return {me.text: [u.name for u in me.responsible] for me in r.measures}


def served_by_text(r) -> dict[str, list[str]]:
    """Measure text → the names of the institutions serving it, in order."""
    return {me.text: [x.name for x in me.served_by] for me in r.measures}


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


def test_province_work_points_with_a_responsibility_line():
    r = run("guangdong_work_points.txt")
    m = r.metadata
    assert (m.title, m.doc_number, m.issued, m.issuers) == (
        "2023年广东省知识产权工作要点", "粤知〔2023〕12号", "2023-03-15", ("广东省知识产权局",))
    names = {(x.name, x.subtype) for x in r.of_kind("institution")}
    assert {("中国人民银行广州分行", "GovernmentAgency"), ("广东银保监局", "GovernmentAgency"),
            ("广东省高级人民法院", "Court"), ("深圳市中级人民法院", "Court"),
            ("中国(汕头)知识产权保护中心", "ProtectionCenter"), ("保护处", "InternalUnit"),
            ("知识产权公共服务机构", "ServiceCenter")} <= names
    assert not any(x.name.startswith("年底前") for x in r.mentions)
    responsible = responsible_by_text(r)
    assert responsible["支持深圳市、广州市建设国家知识产权保护示范区"] == ["保护处", "广东省知识产权保护中心"]
    assert responsible["强化司法协同"] == []  # the note closes item (一), not (二)
    assert not any("印发给你们" in me.text or me.text.startswith("(") for me in r.measures)
    assert ("知识产权公共服务机构", 60.0, "家", 2023) in {(t.indicator, t.value, t.unit, t.year) for t in r.targets}


def test_taiwan_wording_with_corner_brackets():
    r = run("fujian_taiwan_wording.txt")
    assert r.doc.script == "traditional-tw"
    assert r.metadata.title == "福建省知识产权局2024年工作要点"
    names = {x.name for x in r.of_kind("institution")}
    assert {"中国(福建)知识产权保护中心", "福建省高级人民法院", "福州知识产权法庭", "厦门大学",
            "闽台知识产权合作示范区"} <= names
    assert not any(c in x.name for x in r.mentions for c in "「」")
    assert "优化快速预审服务" in {me.text for me in r.measures}
    assert {x.name for x in r.of_kind("event")} == {"海峡两岸知识产权论坛"}


def test_national_guideline_with_department_notes():
    r = run("national_guideline.txt")
    m = r.metadata
    assert (m.title, m.doc_number, m.issued, m.issuers, m.level, m.genre) == (
        "推动知识产权高质量发展年度工作指引(2023)", "国知发运字〔2023〕8号", "2023-02-23", ("国家知识产权局",),
        "national", "工作指引")
    responsible = responsible_by_text(r)
    assert responsible["推动《商标法》修订"] == ["条法司"]
    assert responsible["会同最高人民法院、最高人民检察院、公安部开展知识产权保护协作"] == ["保护司", "公共服务司"]
    assert responsible["深化与世界知识产权组织(WIPO)合作"] == ["国际合作司", "办公室", "战略规划司"]
    assert not any(me.text.startswith(("各省", "为深入贯彻")) for me in r.measures)  # the notice, not measures
    # 知识产权保护中心 is a kind here, not a name whose first three characters stand for it
    assert all(len(x.surface) >= 4 for x in r.of_kind("institution") if x.name == "知识产权保护中心")
    served = {me.text: {x.name for x in me.served_by} for me in r.measures}
    assert served["加强知识产权国际合作"] == set()
    assert {"中国—东盟知识产权局局长会议", "中美欧日韩知识产权五局合作局长会议"} <= {x.name for x in r.of_kind("event")}
    assert ("每万人口高价值发明专利拥有量", 11.3, 2023) in {(t.indicator, t.value, t.year) for t in r.targets}


def test_district_short_forms():
    r = run("chengdu_district.txt")
    assert (r.metadata.jurisdiction, r.metadata.level) == ("成都市郫都区", "district")
    courts = {(x.surface, x.name) for x in r.of_kind("institution") if x.subtype == "Court"}
    assert courts == {("区人民法院", "成都市郫都区人民法院"), ("区法院", "成都市郫都区人民法院"),
                      ("区检察院", "成都市郫都区人民检察院")}
    responsible = responsible_by_text(r)
    assert responsible["联合区人民法院、区检察院建立知识产权纠纷诉调对接机制"] == [
        "成都市郫都区市场监督管理局", "成都市郫都区人民法院"]
    assert {x.name for x in r.of_kind("event")} == {"郫都区知识产权宣传周", "“双创”知识产权服务月"}
    assert "实施高价值专利培育计划" in {me.text for me in r.measures}  # without its number 1.


def test_city_plan_signed_under_its_title():
    r = run("wuhan_plan.txt")
    assert (r.metadata.issuers, r.metadata.issued, r.metadata.genre) == (("武汉市人民政府办公厅",), "2021-12-30", "规划")
    assert ("武汉知识产权审判庭", "Court") in {(x.name, x.subtype) for x in r.of_kind("institution")}
    assert not any("十三五" in me.text for me in r.measures)  # a past result, not a measure
    assert ("每万人口高价值发明专利拥有量", 25.0, 2025) in {(t.indicator, t.value, t.year) for t in r.targets}


def test_news_in_traditional_script_quoting_a_taiwan_term():
    r = run("zhejiang_news_traditional.txt")
    m = r.metadata
    assert r.doc.script == "traditional"
    assert (m.title, m.issued, m.genre) == ("浙江省市场监督管理局(知识产权局)召开2023年全省知识产权工作会议", "2023-02-16", "新闻报道")
    assert ("杭州知识产权法庭", "Court") in {(x.name, x.subtype) for x in r.of_kind("institution")}
    assert not any(me.text.startswith("发布时间") for me in r.measures)


def test_city_scheme_with_lead_and_responsible_units_in_brackets():
    r = run("changsha_scheme.txt")
    m = r.metadata
    assert (m.title, m.doc_number, m.issued, m.issuers, m.genre) == (
        "长沙市知识产权强市建设实施方案(2023—2025年)", "长政办发〔2023〕15号", "2023-06-08", ("长沙市人民政府办公厅",),
        "实施方案")
    names = {(x.name, x.subtype) for x in r.of_kind("institution")}
    assert {("长沙市市场监督管理局", "GovernmentAgency"), ("长沙市科技局", "GovernmentAgency"),
            ("长沙市公安局", "GovernmentAgency"), ("长沙市中级人民法院", "Court"), ("长沙知识产权法庭", "Court"),
            ("长沙市人民政府", "GovernmentAgency"), ("岳麓山大学科技城", "Base")} <= names
    assert not any("》" in x.name for x in r.mentions)  # a cited title does not open a name
    assert "岳麓山大学" not in {x.name for x in r.of_kind("institution")}  # 大学科技城 is a place
    responsible = responsible_by_text(r)
    assert responsible["实施高价值专利培育工程"] == ["长沙市市场监督管理局", "长沙市科技局", "长沙市教育局",
                                              "各区县〔市〕人民政府"]
    assert responsible["推进中国(长沙)知识产权保护中心建设"] == ["长沙市市场监督管理局", "长沙市中级人民法院"]
    assert m.title not in responsible  # the title repeated above the body is not a measure


def test_regulation_articles():
    r = run("hubei_regulation.txt")
    assert (r.metadata.title, r.metadata.genre, r.metadata.jurisdiction) == ("湖北省专利条例", "条例", "湖北省")
    names = {x.name for x in r.of_kind("institution")}
    assert {"湖北省知识产权局", "湖北省发展和改革委员会", "湖北省科技厅", "武汉东湖新技术开发区管理委员会"} <= names
    assert not any(x.surface.startswith("第") for x in r.mentions)  # 第四条 opens the sentence, not the name
    assert not any(me.text.startswith("第") for me in r.measures)


@pytest.mark.parametrize(("name", "region", "expected"), [
    # cells separated by tabs (a word processor's table saved as text)
    ("jiangsu_plan_table.txt", "江苏省", {
        ("每万人口高价值发明专利拥有量", 22.0, "件", 2025), ("海外发明专利授权量", 6000.0, "件", 2025),
        ("专利密集型产业增加值占GDP比重", 15.0, "%", 2025), ("知识产权使用费进出口总额", 50000000000.0, "元", 2025),
        ("知识产权保护社会满意度", 85.0, "分", 2025)}),
    # cells separated by single spaces, rows numbered (a PDF's table as text)
    ("national_indicator_table.txt", "", {
        ("每万人口高价值发明专利拥有量", 12.0, "件", 2025), ("海外发明专利授权量", 90000.0, "件", 2025),
        ("知识产权质押融资登记金额", 320000000000.0, "元", 2025), ("知识产权保护社会满意度", 82.0, "分", 2025)}),
])
def test_targets_in_a_table_of_indicators(name, region, expected):
    r = run(name)
    got = {(t.indicator, t.value, t.unit, t.year) for t in r.targets}
    assert expected <= got
    assert not any(t.value in (13.5, 3200.0, 6.3, 4.0, 80.05) for t in r.targets)  # the base year's values
    assert {t.region for t in r.targets} == {region}
    for t in r.targets:  # each quote holds its indicator, in the original file (the row, not its number)
        assert t.indicator[:4] in r.doc.quote(t.start, t.end) and not r.doc.quote(t.start, t.end)[0].isdigit()
    # one goal stated in a sentence and again in the table is one target
    assert sum(t.indicator == "每万人口高价值发明专利拥有量" for t in r.targets) == 1


SIMPLIFIED = sorted([*Path(__file__).parents[1].joinpath("data", "corpus").glob("*.txt"), *DOCS.glob("*.txt")])


@pytest.mark.parametrize("config", ["s2twp", "s2tw", "s2hk"])
@pytest.mark.parametrize("path", [p for p in SIMPLIFIED if detect_script(p.read_text("utf-8")) == "simplified"],
                         ids=lambda p: p.stem)
def test_a_document_in_traditional_script_reads_as_the_original(path, config):
    """Traditional documents are often a Simplified one put through OpenCC (s2twp, Taiwan
    wording, as the bundled 甘肃 outline was; s2tw or s2hk, characters only): reading one
    back must find the same things as the original."""
    import opencc

    from pipeline_support import raw

    text = path.read_text("utf-8")
    original = extract(segment(normalise(raw(text))))
    taiwan = extract(segment(normalise(raw(opencc.OpenCC(config).convert(text)))))
    assert taiwan.doc.script != "simplified"
    for kind in ("institution", "policy", "program", "event", "region"):
        assert {m.name for m in taiwan.of_kind(kind)} == {m.name for m in original.of_kind(kind)}, kind
    assert {(t.indicator, t.value, t.unit, t.year) for t in taiwan.targets} == \
        {(t.indicator, t.value, t.unit, t.year) for t in original.targets}
    a, b = original.metadata, taiwan.metadata
    assert (b.title, b.issued, b.jurisdiction, b.level, b.genre) == (a.title, a.issued, a.jurisdiction, a.level, a.genre)


def test_a_government_web_page_keeps_its_headline_and_date():
    r = run("qingdao_page.html")
    m = r.metadata
    assert (m.title, m.doc_number, m.issued, m.issuers, m.genre) == (
        "青岛市知识产权保护工作要点", "青市监发〔2023〕21号", "2023-04-12", ("青岛市市场监督管理局",), "工作要点")
    assert r.doc.quote(*m.title_span) == "青岛市知识产权保护工作要点"
    names = {x.name for x in r.of_kind("institution")}
    assert {"中国(青岛)知识产权保护中心", "青岛知识产权法庭", "青岛市公安局"} <= names
    assert not names & {"青岛市人民政府办公厅", "青岛市大数据发展管理局"}  # the site's footer
    assert not any(me.text.startswith(("附件", "搜索")) for me in r.measures)


def test_targets_in_a_word_documents_table(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("安徽省知识产权“十四五”发展规划")
    document.add_paragraph("二、发展目标")
    table = document.add_table(rows=3, cols=4)
    rows = [["指标", "2020年", "2025年", "属性"], ["每万人口高价值发明专利拥有量（件）", "6.8", "16", "预期性"],
            ["知识产权质押融资金额（亿元）", "150", "300", "预期性"]]
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    path = tmp_path / "anhui.docx"
    document.save(path)
    r = extract(segment(normalise(read_document(path))))
    assert {(t.indicator, t.value, t.unit, t.year, t.region) for t in r.targets} == {
        ("每万人口高价值发明专利拥有量", 16.0, "件", 2025, "安徽省"), ("知识产权质押融资金额", 30000000000.0, "元", 2025, "安徽省")}


def test_national_notice_with_named_addressees():
    r = run("national_notice_traditional.txt")
    m = r.metadata
    # The notice opens with its addressees; the document is what it sends (现将《…》印发给你们).
    assert (m.title, m.issued, m.issuers, m.level, m.genre) == (
        "商标品牌建设年度工作推进计划", "2023-03-06", ("国务院知识产权战略实施工作部际联席会议办公室",), "national", "计划")
    names = {x.name for x in r.of_kind("institution")}
    assert {"外交部", "生态环境部", "住房和城乡建设部", "国务院国有资产监督管理委员会", "国家税务总局",
            "国家广播电视总局", "国家统计局", "国家机关事务管理局", "中国科学院", "中国银行保险监督管理委员会",
            "中国证券监督管理委员会", "国家国防科技工业局", "国家邮政局", "国家中医药管理局",
            "中国国际贸易促进委员会", "中国科学技术协会", "国务院知识产权战略实施工作部际联席会议"} <= names
    assert not {"统计局", "知识产权局", "经国务院知识产权战略实施工作部际联席会议"} & names
    assert not any(me.text.startswith(("最高人民法院", "国务院知识产权")) for me in r.measures)
    responsible = responsible_by_text(r)
    assert responsible["开展品牌价值评价研究"] == ["国家统计局", "国家税务总局", "国家知识产权局"]
    assert responsible["支持贸促会在海外展会设立商标品牌服务窗口"] == ["中国国际贸易促进委员会", "商务部"]


def test_district_notice_on_a_government_portal():
    r = run("district_portal_page.txt")
    m = r.metadata
    # 鼓楼区 is in Fuzhou, Nanjing, Xuzhou and Kaifeng: the signature's full name says which.
    assert (m.title, m.doc_number, m.issued, m.issuers, m.jurisdiction, m.level) == (
        "鼓楼区知识产权强区建设工作方案", "鼓政综〔2024〕12号", "2024-03-08", ("福州市鼓楼区人民政府",),
        "福州市鼓楼区", "district")
    names = {x.name for x in r.of_kind("institution")}
    assert {"软件园管委会", "福州市鼓楼区人民法院", "福州市鼓楼区市场监督管理局", "福州大学"} <= names
    assert not any("各" in n or n in ("区政府", "鼓楼区人民政府") for n in names)
    texts = [me.text for me in r.measures]
    # The portal's fields, the notice's title in two lines and the document's own title are not measures.
    assert not any(t.startswith(("索引号", "发布机构", "名称", "区政府关于", "鼓楼区知识产权", "知识产权强区", "(此件"))
                   for t in texts)
    served = served_by_text(r)
    assert served["由区政府统筹,依托福州大学建设高校知识产权运营中心"] == [
        "福州市鼓楼区人民政府", "福州大学", "高校知识产权运营中心"]


def test_news_report_of_a_notice():
    r = run("anhui_news.txt")
    m = r.metadata
    # A headline saying a notice was issued is a report, not the notice.
    assert (m.title, m.issued, m.jurisdiction, m.genre) == (
        "安徽印发2023年全省知识产权宣传周活动方案", "2023-04-18", "安徽省", "新闻报道")
    events = {x.name for x in r.of_kind("event")}
    assert {"世界知识产权日", "全国知识产权宣传周", "全国知识产权局局长会议"} <= events
    assert not any(e.startswith(("第23个", "此次", "学习")) or e == "宣传周" for e in events)
    # 知识产权局 inside 知识产权局局长会议 names no institution
    assert not any(x.name.endswith("知识产权局") and "安徽" not in x.name for x in r.of_kind("institution"))
    assert "合肥知识产权法庭" in {x.name for x in r.of_kind("institution")}


def test_portal_news_of_national_scope():
    r = run("portal_news_national.txt")
    m = r.metadata
    # The headline above the page's field line is kept; 热门搜索 is navigation.
    assert m.title == "《2023年知识产权强国建设纲要和“十四五”规划实施地方工作要点》印发"
    # 新疆生产建设兵团 in the list of all provinces makes the report neither Xinjiang's nor a province's.
    assert (m.issued, m.jurisdiction, m.level, m.genre) == ("2023-04-20", "", "national", "新闻报道")
    assert "新疆生产建设兵团" in {x.name for x in r.of_kind("institution")}


def test_municipality_notice_with_last_years_summary():
    r = run("chongqing_summary_and_points.txt")
    m = r.metadata
    assert (m.issuers, m.jurisdiction, m.genre, m.plan_year) == (("重庆市知识产权局",), "重庆市", "工作要点", 2024)
    names = {x.name for x in r.of_kind("institution")}
    # In a municipality's text 市 is the municipality; a welcome banner names no platform.
    assert {"重庆市知识产权局", "重庆市知识产权保护中心"} <= names
    assert not any(n.startswith(("市", "重庆知识产权公共服务网", "收听")) for n in names)
    # The summary of 2023 reports results; the work points of 2024 hold the measures and the goal.
    assert [(t.indicator, t.value, t.year) for t in r.targets] == [("发明专利授权量", 13000.0, 2024)]
    assert [me.text for me in r.measures] == [
        "加强知识产权保护", "支持市知识产权保护中心开展快速预审", "推动两江新区建设知识产权服务业集聚区"]


def test_notice_without_a_title():
    r = run("national_notice_untitled.txt")
    m = r.metadata
    # The signature is not the title, and the number in brackets is the cited scheme's.
    assert (m.title, m.doc_number, m.issued, m.issuers, m.genre) == ("", "", "2024-05-30", ("国家知识产权局",), "通知")
    assert {x.name for x in r.of_kind("institution")} == {"国家知识产权局"}


def test_joint_notice_signed_by_three_bodies():
    r = run("yunnan_joint_notice.txt")
    m = r.metadata
    # The title broken inside its 《…》 is one; the day it was signed, not the day a site published it.
    assert (m.title, m.doc_number, m.issued, m.issuers, m.genre) == (
        "关于加强知识产权纠纷行政调解工作的实施意见", "云市监发〔2023〕31号", "2023-05-26",
        ("云南省市场监督管理局", "云南省高级人民法院", "云南省司法厅"), "意见")
    names = {x.name for x in r.of_kind("institution")}
    assert "云南省高级人民法院知识产权审判庭" in names  # 省法院 is the province's high court
    assert not any(n.startswith("时报") for n in names)
    assert not any(me.text.startswith(("联系人", "印发", "关于加强")) for me in r.measures)


def test_news_headline_broken_inside_its_title():
    r = run("shanghai_news_wrapped_title.txt")
    assert r.metadata.title == "上海市司法局、市知识产权局联合印发《上海市知识产权纠纷人民调解工作规范》"
    assert r.metadata.genre == "新闻报道"


def test_city_news_with_short_forms_and_a_staged_goal():
    r = run("ningbo_news.txt")
    assert (r.metadata.jurisdiction, r.metadata.genre) == ("宁波市", "新闻报道")
    names = {x.name for x in r.of_kind("institution")}
    assert "宁波市知识产权保护中心" in names  # 市知保中心
    # 负责同志和各工作站代表, 三家优秀工作站: people and a count, not names
    assert not any(n.startswith(("志", "和各", "三家", "优秀")) for n in names)
    assert [(t.indicator, t.value, t.year) for t in r.targets] == [("每万人口高价值发明专利拥有量", 40.0, 2025)]
    assert not any("以来" in me.text for me in r.measures)  # 党的十八大以来…: a past result


def test_county_portal_page_in_traditional_script():
    r = run("meitan_portal_traditional.txt")
    m = r.metadata
    # Each field's value on the line under its label; the signed date, not the published one.
    assert (m.title, m.doc_number, m.issued, m.issuers, m.jurisdiction, m.level, m.genre) == (
        "湄潭县“湄潭翠芽”地理标志保护办法", "湄府办发〔2022〕8号", "2022-05-10", ("湄潭县人民政府办公室",),
        "遵义市湄潭县", "district", "办法")


def test_a_sites_column_name_is_not_the_title():
    r = run("shangqiu_column_page.txt")
    assert r.metadata.title == "商丘市加强地理标志培育推动特色产业发展"
    assert r.metadata.genre == "新闻报道"  # 近日,…: a report's first words, with no source line
    # The goal counts new ones when 新增 comes before the number, the noun after it.
    assert [(t.indicator, t.value, t.year) for t in r.targets] == [
        ("新增地理标志产品", 1.0, 2025), ("地理标志知名品牌", 3.0, 2025)]
    assert not any(x.name.startswith("这是") for x in r.of_kind("institution"))


def test_county_news_under_a_font_size_bar():
    from graph.resolve import resolve

    r = run("pujiang_county_news.txt")
    assert (r.metadata.title, r.metadata.issued, r.metadata.jurisdiction) == ("", "2024-06-03", "成都市蒲江县")
    labels = {e.label: e.alt_labels for e in resolve(r).entities.values() if e.kind == "institution"}
    # A county's bodies are written with and without their city: both are labels of one node.
    assert "蒲江县人民法院" in labels["成都市蒲江县人民法院"]
    assert "成都市蒲江县市场监督管理局" in labels["蒲江县市场监督管理局"]


def test_a_body_named_for_its_mission():
    r = run("quanzhou_leading_group_news.txt")
    names = {x.name for x in r.of_kind("institution")}
    # The name runs from the region across the verbs of its mission; 召开 is the region convening it.
    assert "泉州市打击侵犯知识产权和制售假冒伪劣商品工作领导小组" in names
    assert not any(n.startswith(("制售", "泉州召开")) for n in names)
    served = served_by_text(r)
    assert served["会议审议了市打击侵犯知识产权和制售假冒伪劣商品工作领导小组工作规则,要求各成员单位认真贯彻落实打击侵权假冒工作部署"] \
        == ["泉州市打击侵犯知识产权和制售假冒伪劣商品工作领导小组"]


def test_print_and_close_links_under_an_article_do_not_open_it():
    r = run("old_portal_news.txt")
    assert (r.metadata.title, r.metadata.issued) == ("本市部署知识产权保护专项行动", "2005-03-02")
    assert "本报讯国务院昨天召开全国知识产权保护专项行动电视电话会议,部署专项行动工作方案" in {me.text for me in r.measures}
    assert {x.name for x in r.of_kind("program")} == {"全国知识产权保护专项行动", "知识产权保护专项行动"}


def test_scheme_sent_by_a_notice_that_cites_another():
    r = run("jiangxi_scheme.txt")
    m = r.metadata
    # 《X》已经省人民政府同意,现印发给你们 names the document; the notice cited inside 《…》 does not.
    assert (m.title, m.issuers, m.genre) == ("江西省专利转化运用专项行动实施方案", ("江西省人民政府办公厅",), "实施方案")
    assert "国务院办公厅" not in {x.name for x in r.of_kind("institution")}
    assert ("知识产权质押融资金额", 8000000000.0, 2025) in {(t.indicator, t.value, t.year) for t in r.targets}
    responsible = responsible_by_text(r)
    assert responsible["强化高校专利转化激励"] == ["江西省科技厅", "江西省教育厅", "江西省知识产权局"]


def test_two_bodies_signing_on_one_line():
    r = run("guizhou_two_signers.txt")
    m = r.metadata
    assert (m.title, m.issued, m.issuers, m.genre) == (
        "贵州省专利转化专项计划行动方案(2024—2026年)", "2024-03-08", ("贵州省知识产权局", "贵州省科学技术厅"), "实施方案")
    # The notice's paragraph and the signature line are not measures.
    assert [me.text for me in r.measures] == ["为促进专利转化运用", "制定本方案", "依托贵州省知识产权运营中心开展专利供需对接"]
