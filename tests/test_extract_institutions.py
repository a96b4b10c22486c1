"""Institution names are cut at the right place, typed, and resolved against the jurisdiction."""

from __future__ import annotations

import pytest

from graph.extract.institutions import Jurisdiction, find_institutions, parse_units

SHAANXI = Jurisdiction(province="陕西省", issuer="陕西省知识产权局")
HUBEI = Jurisdiction(province="湖北省", city="随州市", district="随州市曾都区")
FUJIAN = Jurisdiction(province="福建省", issuer="福建省知识产权局")
GUANGDONG = Jurisdiction(province="广东省", issuer="广东省知识产权局")
NATIONAL = Jurisdiction(issuer="国家知识产权局")
NATIONAL_TEXT = Jurisdiction(issuer="国务院", national=True)


@pytest.mark.parametrize(("text", "juris", "expected"), [
    ("推进陕西省知识产权保护中心建设", SHAANXI, [("陕西省知识产权保护中心", "ProtectionCenter")]),
    ("推动省知识产权运营交易中心建设", SHAANXI, [("陕西省知识产权运营交易中心", "Platform")]),
    ("依据省知识产权局出台的政策", HUBEI, [("湖北省知识产权局", "GovernmentAgency")]),
    ("指导中国(西安)知识产权保护中心探索开展行政裁决", SHAANXI, [("中国(西安)知识产权保护中心", "ProtectionCenter")]),
    ("支持国家知识产权局专利审查员(西安高新区)实践基地建设", SHAANXI,
     [("国家知识产权局专利审查员(西安高新区)实践基地", "Base")]),
    ("支持西安交通大学探索专利免费开放许可", SHAANXI, [("西安交通大学", "University")]),
    ("加大与省高院、省商务厅等有关部门的合作力度", Jurisdiction(province="山东省"),
     [("山东省高级人民法院", "Court"), ("山东省商务厅", "GovernmentAgency")]),
    ("推动建设专利、商标行业协会", SHAANXI, [("专利行业协会", "Association"), ("商标行业协会", "Association")]),
    ("加强技术与创新支持中心(TISC)建设", SHAANXI, [("技术与创新支持中心(TISC)", "ServiceCenter")]),
    ("健全著作权交易和服务平台", SHAANXI, [("著作权交易和服务平台", "Platform")]),
    ("培育国际化、市场化、专业化知识产权服务机构", SHAANXI, [("专业化知识产权服务机构", "ServiceCenter")]),
    ("发挥兰州知识产权法庭审判功能", Jurisdiction(province="甘肃省"), [("兰州知识产权法庭", "Court")]),
    ("做好陕西航空航天产业知识产权运营基金运营", SHAANXI, [("陕西航空航天产业知识产权运营基金", "Fund")]),
    # A short form with its region spelled out names that region's body, not the document's.
    ("会同广东省高级人民法院建立机制", FUJIAN, [("广东省高级人民法院", "Court")]),
    ("会同省高级人民法院建立机制", FUJIAN, [("福建省高级人民法院", "Court")]),
    ("报请广东省人民政府同意", FUJIAN, [("广东省人民政府", "GovernmentAgency")]),
    ("会同中国人民银行广州分行、广东银保监局推动质押融资", GUANGDONG,
     [("中国人民银行广州分行", "GovernmentAgency"), ("广东银保监局", "GovernmentAgency")]),
    ("联合区市场监管局、区法院建立诉调对接机制", HUBEI,
     [("随州市曾都区市场监督管理局", "GovernmentAgency"), ("随州市曾都区人民法院", "Court")]),
    ("联合区人民法院、区检察院开展协作", HUBEI,
     [("随州市曾都区人民法院", "Court"), ("随州市曾都区人民检察院", "Court")]),
    ("支持武汉知识产权审判庭建设", HUBEI, [("武汉知识产权审判庭", "Court")]),
    ("年底前全省知识产权公共服务机构达到60家", GUANGDONG, [("知识产权公共服务机构", "ServiceCenter")]),
    ("支持国家知识产权局专利局西安代办处开展业务", SHAANXI, [("国家知识产权局专利局西安代办处", "ServiceCenter")]),
    ("依托陕西省技术转移中心", SHAANXI, [("陕西省技术转移中心", "ServiceCenter")]),
    ("依托国家知识产权局专利检索咨询中心开展研究", NATIONAL, [("国家知识产权局专利检索咨询中心", "ServiceCenter")]),
    ("会同中国人民银行、中国银保监会、中国证监会推进知识产权金融", NATIONAL,
     [("中国人民银行", "GovernmentAgency"), ("中国银行保险监督管理委员会", "GovernmentAgency"),
      ("中国证券监督管理委员会", "GovernmentAgency")]),
    # Short forms standing alone: a national text's 统计局 is 国家统计局, a province's is its own.
    ("加强统计局、税务总局与知识产权局的数据共享", NATIONAL_TEXT,
     [("国家统计局", "GovernmentAgency"), ("国家税务总局", "GovernmentAgency"), ("国家知识产权局", "GovernmentAgency")]),
    ("会同陕西省统计局开展调查", NATIONAL_TEXT, [("陕西省统计局", "GovernmentAgency")]),
    ("支持贸促会、中国科协、中科院参与", SHAANXI,
     [("中国国际贸易促进委员会", "Association"), ("中国科学技术协会", "Association"), ("中国科学院", "University")]),
    ("银保监会、陕西银保监局联合推动", SHAANXI,
     [("中国银行保险监督管理委员会", "GovernmentAgency"), ("陕西银保监局", "GovernmentAgency")]),
    ("加强与财政部门、公安部门的协作", NATIONAL_TEXT, []),  # kinds of department, not the ministries
    ("联合区法院、市法院开展诉调对接", HUBEI,
     [("随州市曾都区人民法院", "Court"), ("随州市中级人民法院", "Court")]),
    # The short form and the full name of one commission are one body.
    ("省卫生健康委、河北省卫生健康委员会、省发展改革委联合推动", Jurisdiction(province="河北省"),
     [("河北省卫生健康委员会", "GovernmentAgency"), ("河北省卫生健康委员会", "GovernmentAgency"),
      ("河北省发展和改革委员会", "GovernmentAgency")]),
    ("建设具有全球影响力的国际科技创新中心", Jurisdiction(province="北京市", city="北京市"), []),  # a role, not a body
    ("经省人民政府同意", SHAANXI, [("陕西省人民政府", "GovernmentAgency")]),
    ("联合南通高新区管委会开展执法", Jurisdiction(province="江苏省", city="南通市"),
     [("南通高新区管委会", "GovernmentAgency")]),
])
def test_names_and_types(text, juris, expected):
    found = [(m.name, m.subtype) for m in find_institutions(text, 0, len(text), juris)]
    assert sorted(found) == sorted(expected)


def test_same_short_form_in_two_provinces_is_two_names():
    text = "省知识产权局"
    a = find_institutions(text, 0, len(text), SHAANXI)[0]
    b = find_institutions(text, 0, len(text), HUBEI)[0]
    assert (a.name, b.name) == ("陕西省知识产权局", "湖北省知识产权局")
    assert a.scope != b.scope


def test_responsibility_note_units():
    note = "办公室、政策法规处，各设区市、韩城市、杨凌示范区市场监督管理局(知识产权局)"
    names = [m.name for m in parse_units(note, 0, SHAANXI)]
    assert names == ["办公室", "政策法规处", "各设区市市场监督管理局(知识产权局)",
                     "韩城市市场监督管理局(知识产权局)", "杨凌示范区市场监督管理局(知识产权局)"]
    units = [m for m in parse_units(note, 0, SHAANXI) if m.subtype == "InternalUnit"]
    assert {m.parent for m in units} == {"陕西省知识产权局"}


@pytest.mark.parametrize("text", ["参加“互联网+”大学生创新创业大赛", "发展互联网平台经济", "培养专利工程师"])
def test_a_head_inside_another_word_ends_no_name(text):
    assert find_institutions(text, 0, len(text), SHAANXI) == []


def test_a_local_short_form_needs_the_documents_region():
    assert find_institutions("联合区法院开展协作", 0, 9, SHAANXI) == []


def test_national_departments_are_internal_units_but_companies_are_not():
    units = {m.name: m.subtype for m in parse_units("条法司、保护司、国网公司", 0, NATIONAL)}
    assert units.get("条法司") == units.get("保护司") == "InternalUnit"
    assert units.get("国网公司") != "InternalUnit"


def test_a_generic_name_lends_no_core_to_the_words_it_starts_with():
    from pipeline_support import run

    text = ("国家知识产权局关于印发《工作指引》的通知\n"
            "指导各地建设知识产权保护中心和快速维权中心。加强知识产权保护。推进知识产权运用。\n")
    result = run(text)
    assert {m.surface for m in result.of_kind("institution")} == {"国家知识产权局", "知识产权保护中心", "快速维权中心"}
    assert [m.text for m in result.measures if m.served_by] == ["指导各地建设知识产权保护中心和快速维权中心"]


def test_short_form_defined_in_the_text():
    from pipeline_support import run

    text = ("陕西省知识产权局关于印发《工作方案》的通知\n"
            "支持中国(陕西)知识产权保护中心(以下简称“保护中心”)建设。推动保护中心开展快速预审。\n")
    result = run(text)
    names = [m.name for m in result.of_kind("institution") if m.surface == "保护中心"]
    assert names == ["中国(陕西)知识产权保护中心"]


def test_national_short_form_only_in_a_national_text():
    text = "会同统计局开展调查"
    assert "国家统计局" in {m.name for m in find_institutions(text, 0, len(text), NATIONAL_TEXT)}
    assert "国家统计局" not in {m.name for m in find_institutions(text, 0, len(text), SHAANXI)}
