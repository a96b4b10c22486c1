"""Policies, programmes, events, regions, targets, metadata and measures on Chinese snippets."""

from __future__ import annotations

import pytest

from pipeline_support import run


def names(text: str, kind: str) -> list[str]:
    return sorted({m.name for m in run(text).of_kind(kind)})


@pytest.mark.parametrize(("text", "expected"), [
    ("为贯彻落实《知识产权强国建设纲要(2021—2035年)》(以下简称《纲要》),加强《纲要》落实。",
     ["知识产权强国建设纲要(2021—2035年)"]),
    ("编制完成山东省“十四五”知识产权保护和运用规划、山东省“十四五”地理标志发展规划。",
     ["山东省“十四五”地理标志发展规划", "山东省“十四五”知识产权保护和运用规划"]),
    ("围绕民法典、专利法、商标法等法律法规开展培训。",
     ["中华人民共和国专利法", "中华人民共和国商标法", "中华人民共和国民法典"]),
    ("制定全省2022年知识产权行政保护工作方案。", ["2022年知识产权行政保护工作方案"]),
    # a law's short form in brackets is the law, however long the short form
    ("落实《专利法》《商标法》《著作权法》。", ["中华人民共和国专利法", "中华人民共和国商标法", "中华人民共和国著作权法"]),
    # what a text sets out is not a document's name
    ("加快建设知识产权强国,明确2023—2024年度重点任务和工作措施,制定本计划。", []),
])
def test_policies(text, expected):
    assert names(text, "policy") == expected


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("深入实施专利质量提升工程、商标品牌培育工程、地理标志运用促进工程。", "program",
     ["商标品牌培育工程", "地理标志运用促进工程", "专利质量提升工程"]),
    ("深入实施知识产权“春笋行动”,完善企业库。", "program", ["知识产权“春笋行动”"]),
    ("组织开展以信用为基础的分级分类监管试点工作。", "program", ["以信用为基础的分级分类监管试点"]),
    ("开展知识产权服务万里行活动。", "program", ["知识产权服务万里行"]),
    ("利用中国品牌日、中国专利周开展宣传。", "event", ["中国专利周", "中国品牌日"]),
    ("办好世界知识产权日、全国知识产权宣传周等大型活动。", "event", ["全国知识产权宣传周", "世界知识产权日"]),
    ("指导开展“陕西好商标”评选活动。", "event", ["“陕西好商标”评选活动"]),
    # 布局 inside a competition's name does not cut it; a yearly 年会 is an event
    ("举办2023年中国知识产权年会和第五届粤港澳大湾区高价值专利培育布局大赛。", "event",
     ["中国知识产权年会", "第五届粤港澳大湾区高价值专利培育布局大赛"]),
])
def test_programs_and_events(text, kind, expected):
    assert sorted(names(text, kind)) == sorted(expected)


def test_regions_resolve_short_names_with_hierarchy():
    result = run("推动兰州、酒泉、白银等地建设。随州市曾都区知识产权工作。")
    found = {m.name for m in result.of_kind("region")}
    assert {"兰州市", "酒泉市", "白银市", "随州市曾都区"} <= found


@pytest.mark.parametrize(("text", "expected"), [
    ("(三)发展目标\n到2025年,有效发明专利拥有量1万件,专利质押登记融资金额达到50亿元。",
     [("有效发明专利拥有量", 10000.0, "件", 2025), ("专利质押登记融资金额", 5000000000.0, "元", 2025)]),
    ("三、发展目标\n力争专利申报量在“十三五”的基础上翻一番,“十四五”期间完成。",
     [("专利申报量", 2.0, "倍", 2025)]),
    # the verb that opens a goal is not part of its indicator (but 新增 is: a count of new ones)
    ("二、发展目标\n到2025年,培育知识产权示范企业300家,建成知识产权保护中心2家,新增地理标志10件。",
     [("知识产权示范企业", 300.0, "家", 2025), ("知识产权保护中心", 2.0, "家", 2025), ("新增地理标志", 10.0, "件", 2025)]),
])
def test_targets(text, expected):
    got = [(t.indicator, t.value, t.unit, t.year) for t in run(text).targets]
    assert got == expected


def test_a_table_of_the_last_plans_results_holds_no_goals():
    table = "指标\t2015年\t2020年\n每万人口发明专利拥有量(件)\t3.2\t9.8\n"
    later = "某省知识产权“十四五”规划\n(2021年10月9日)\n一、发展基础\n" + table
    assert run(later).metadata.issued == "2021-10-09" and run(later).targets == []
    earlier = "某省知识产权“十三五”规划\n(2016年3月1日)\n二、发展目标\n" + table
    assert [(t.indicator, t.value, t.year) for t in run(earlier).targets] == [("每万人口发明专利拥有量", 9.8, 2020)]


def test_past_achievements_are_not_targets():
    text = "一、发展基础\n“十三五”期间,累计有效发明专利拥有量达到5000件。\n"
    assert run(text).targets == []


def test_metadata_of_a_notice():
    text = ("陕西省知识产权局文件\n\n陕知发〔2022〕38号\n\n"
            "陕西省知识产权局关于印发《推动知识产权高质量发展工作指引(2022年度)》的通知\n\n"
            "各设区市市场监督管理局:\n现予印发。\n")
    meta = run(text).metadata
    assert meta.title == "推动知识产权高质量发展工作指引(2022年度)"
    assert meta.doc_number == "陕知发〔2022〕38号"
    assert meta.issuers == ("陕西省知识产权局",)
    assert (meta.jurisdiction, meta.level, meta.genre, meta.issued) == ("陕西省", "province", "工作指引", "2022")


@pytest.mark.parametrize(("text", "expected"), [
    # signed with a date in Chinese numerals
    ("北京市知识产权局关于印发《北京市知识产权保护和运用工作要点》的通知\n京知局发〔2023〕5号\n各区市场监管局:\n"
     "现印发给你们。\n北京市知识产权局\n二〇二三年三月十五日\n",
     ("北京市知识产权保护和运用工作要点", "京知局发〔2023〕5号", "2023-03-15", ("北京市知识产权局",))),
    # two issuers, their names run together once the space between them is gone
    ("重庆市知识产权局 重庆市财政局关于印发《重庆市专利转化专项计划实施方案》的通知\n渝知发〔2023〕20号\n"
     "现印发。\n重庆市知识产权局　重庆市财政局\n二〇二三年七月二十日\n",
     ("重庆市专利转化专项计划实施方案", "渝知发〔2023〕20号", "2023-07-20", ("重庆市知识产权局", "重庆市财政局"))),
])
def test_metadata_of_signed_notices(text, expected):
    meta = run(text).metadata
    assert (meta.title, meta.doc_number, meta.issued, meta.issuers) == expected


@pytest.mark.parametrize(("han", "arabic"), [
    ("二〇二三年三月十五日", "2023年3月15日"), ("二○二一年十月九日", "2021年10月9日"),
    ("二〇二二年十二月三十一日", "2022年12月31日"), ("二〇二二年五月", "2022年5月"), ("二〇二〇年二月二十日", "2020年2月20日"),
])
def test_dates_in_chinese_numerals(han, arabic):
    from graph.extract.metadata import arabic_dates

    assert arabic_dates(han) == arabic


def test_measures_split_actions_and_take_responsibility_notes():
    text = ("陕西省知识产权局关于印发《工作指引》的通知\n"
            "加快陕西省知识产权保护中心建设，推动市级知识产权保护中心和快速维权中心建设。"
            "〔办公室、保护处按职责负责落实〕\n")
    result = run(text)
    served = {m.text: sorted(x.name for x in m.served_by) for m in result.measures}
    assert served["加快陕西省知识产权保护中心建设"] == ["陕西省知识产权保护中心"]
    assert served["推动市级知识产权保护中心和快速维权中心建设"] == ["市级知识产权保护中心", "快速维权中心"]
    for m in result.measures:
        assert [u.name for u in m.responsible] == ["办公室", "保护处"]


@pytest.mark.parametrize(("body", "expected"), [
    # a labelled note closing the item's sentences
    ("(一)完善保护体系。推动保护中心建设,支持仲裁调解工作。责任单位:保护处、公共服务处。",
     {"完善保护体系": ["保护处", "公共服务处"], "推动保护中心建设": ["保护处", "公共服务处"],
      "支持仲裁调解工作": ["保护处", "公共服务处"]}),
    # a note on a line of its own, lead and supporting units in a row
    ("(四)加强国际合作。深化与世界知识产权组织合作。\n牵头单位:国际合作司;配合单位:办公室、战略规划司。",
     {"加强国际合作": ["国际合作司", "办公室", "战略规划司"],
      "深化与世界知识产权组织合作": ["国际合作司", "办公室", "战略规划司"]}),
    # a labelled note inside the sentence applies to that sentence only
    ("推动商标法修订(责任单位:条法司)。开展专利代理行业整治。",
     {"推动商标法修订": ["条法司"], "开展专利代理行业整治": []}),
    # the older bracketed form, with a national department
    ("推动商标法修订,制定地理标志产品保护办法。(条法司负责)",
     {"推动商标法修订": ["条法司"], "制定地理标志产品保护办法": ["条法司"]}),
    # a note for the next item does not reach back past one already noted
    ("推动保护中心建设。责任单位:保护处。\n开展专利代理行业整治。\n",
     {"推动保护中心建设": ["保护处"], "开展专利代理行业整治": []}),
])
def test_responsibility_notes(body, expected):
    result = run("国家知识产权局关于印发《工作指引》的通知\n" + body + "\n")
    got = {m.text: [u.name for u in m.responsible] for m in result.measures}
    assert got == expected


@pytest.mark.parametrize("line", ["(一)加快专利导航服务基地建设。", "(1)加快专利导航服务基地建设。",
                                  "1.加快专利导航服务基地建设。",
                                  "第三条 加快专利导航服务基地建设。", "●加快专利导航服务基地建设。",
                                  "二是加快专利导航服务基地建设。"])
def test_an_items_number_is_not_part_of_its_measure(line):
    result = run("某市知识产权局2023年工作要点\n" + line + "\n")
    assert [m.text for m in result.measures] == ["加快专利导航服务基地建设"]


def test_a_notice_speaking_is_not_a_measure():
    text = ("国家知识产权局关于印发《工作指引》的通知\n"
            "各省、自治区、直辖市知识产权局,局机关各部门:\n"
            "现将《工作指引》印发给你们,请认真贯彻执行。\n"
            "一、重点任务\n"
            "(一)加强知识产权保护。指导各地建设快速维权中心。\n")
    assert [m.text for m in run(text).measures] == ["加强知识产权保护", "指导各地建设快速维权中心"]


def test_enumerated_programmes_are_split():
    text = "实施制造业品牌提升、农产品品牌转化、服务业品牌示范三项行动,推进区域品牌建设。"
    assert names(text, "program") == ["农产品品牌转化行动", "制造业品牌提升行动", "服务业品牌示范行动"]


def test_bare_event_heads_are_not_names_but_whole_ones_are():
    assert names("举办论坛和研讨会。", "event") == []
    assert names("筹备开展好知识产权宣传周、专利周有关活动。", "event") == ["专利周", "知识产权宣传周"]


def test_events_joined_by_ji_are_two():
    assert names("举办2022年知识产权宣传周活动暨“双创”知识产权服务月活动。", "event") == [
        "“双创”知识产权服务月", "知识产权宣传周"]
