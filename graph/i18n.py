"""Interface strings of the app in Chinese (default) and English.

One table, keyed by a short English name; `t(key, lang)` looks a string up and
`str.format`s it. Class and relation names shown in legends and tables live here
too, so a page never spells a user-visible word itself.
"""

from __future__ import annotations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

#: key -> (Chinese, English)
STRINGS: dict[str, tuple[str, str]] = {
    # app frame
    "app_title": ("知识产权政策知识图谱", "IP-policy knowledge graph"),
    "lang_switch": ("English", "English"),
    "share_hint": ("本页地址即当前视图,可直接发送给同事。", "This page's URL is the current view: send it to a colleague."),
    "store_building": ("首次启动:正在从语料构建图谱……", "First start: building the graph from the corpus…"),
    "store_built": ("图谱已构建:{docs} 篇文档。", "Graph built: {docs} documents."),
    "store_rereading": ("本版本的抽取规则有更新:正在重新读取内置文档……",
                        "This version's extraction rules changed: reading the bundled documents again…"),
    "store_reread": ("已按新规则重新读取 {docs} 篇文档。", "Read {docs} documents again with the new rules."),
    "store_needs_build": ("图谱中有 {docs} 篇非内置文档是早先版本按旧规则读取的。在命令行运行 "
                          "`python -m graph build <文档文件夹> --out {path}`,即按本版本的规则重新读取它们。",
                          "{docs} documents in this graph, not bundled ones, were read by an earlier version with "
                          "other rules. Run `python -m graph build <folder of documents> --out {path}` to read "
                          "them again with this version's rules."),
    "index_loading": ("正在读取图谱的实体索引……", "Reading the graph's entity index…"),
    "index_from_store": ("图谱较大:各页按需从图谱中读取节点与关系;搜索只查名称(首选名与别名)。",
                         "A large graph: pages read nodes and relations from it as they need them; "
                         "search looks in names (preferred and alternative) only."),
    "store_empty": ("图谱为空。请在“文档”页上传文档。", "The graph is empty. Upload documents on the Documents page."),
    "store_error": ("无法打开图谱:{error}", "Cannot open the graph: {error}"),
    "no_results": ("没有结果。", "No results."),
    "choose": ("请选择", "Choose"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "download_json": ("下载 JSON", "Download JSON"),
    "open_entity": ("打开实体", "Open entity"),
    "open_document": ("打开文档", "Open document"),
    # pages
    "page_overview": ("概览", "Overview"),
    "page_explore": ("探索", "Explore"),
    "page_entity": ("实体", "Entity"),
    "page_measures": ("措施与机构", "Measures & institutions"),
    "page_indicators": ("指标", "Indicators"),
    "page_sparql": ("SPARQL 查询", "SPARQL"),
    "page_documents": ("文档", "Documents"),
    "page_export": ("导出", "Export"),
    # overview
    "ov_documents": ("文档", "Documents"),
    "ov_counts": ("各类实体数量", "Counts by class"),
    "ov_inst_by_region": ("各地区的机构类型", "Institution types by region"),
    "ov_targets_by_year": ("各年份的目标", "Targets by year"),
    "ov_targets_regions": ("共 {n} 个地区，颜色难以区分，故按年份合计；分地区比较见“指标”页。",
                           "{n} regions, more than colours tell apart: counted by year; the Indicators page compares regions."),
    "ov_ontology": ("本体结构", "The ontology"),
    "ov_ontology_caption": ("类(方框)与关系(箭头)。", "Classes (boxes) and relations (arrows)."),
    "col_title": ("标题", "Title"),
    "col_file": ("文件", "File"),
    "col_region": ("地区", "Region"),
    "col_level": ("层级", "Level"),
    "col_genre": ("文种", "Genre"),
    "col_date": ("日期", "Date"),
    "col_number": ("文号", "Number"),
    "col_class": ("类别", "Class"),
    "col_count": ("数量", "Count"),
    "col_label": ("名称", "Label"),
    "col_relation": ("关系", "Relation"),
    "col_direction": ("方向", "Direction"),
    "col_quote": ("原文", "Quote"),
    "col_document": ("文档", "Document"),
    "col_year": ("年份", "Year"),
    "col_indicator": ("指标", "Indicator"),
    "col_value": ("数值", "Value"),
    "col_unit": ("单位", "Unit"),
    "col_measure": ("措施", "Measure"),
    "col_measures": ("措施数", "Measures"),
    "col_institution": ("机构", "Institution"),
    "col_role": ("角色", "Role"),
    "col_type": ("类型", "Type"),
    "col_hops": ("跳数", "Hops"),
    "col_iri": ("IRI", "IRI"),
    # explore
    "ex_search": ("搜索实体(简体或繁体,可输入部分名称)", "Search an entity (Simplified or Traditional, partial names)"),
    "ex_pick": ("选择实体", "Pick an entity"),
    "ex_hops": ("跳数", "Hops"),
    "ex_classes": ("类别", "Classes"),
    "ex_relations": ("关系", "Relations"),
    "ex_regions": ("地区", "Regions"),
    "ex_documents": ("文档", "Documents"),
    "ex_limit": ("节点上限", "Node limit"),
    "ex_more": ("+{n} 个未显示", "+{n} more"),
    "ex_physics_off": ("节点较多,已关闭物理布局。", "Many nodes: physics layout switched off."),
    "ex_neighbours": ("邻居(选择一行即以其为中心)", "Neighbours (choose a row to re-centre)"),
    "ex_legend": ("图例", "Legend"),
    "ex_size": ("{nodes} 个节点,{edges} 条边", "{nodes} nodes, {edges} edges"),
    "ex_start": ("输入名称开始探索,例如“秦创原”。", "Type a name to start, e.g. 秦创原."),
    "ex_matches": ("{n} 个匹配", "{n} matches"),
    # entity
    "en_pick": ("实体", "Entity"),
    "en_aliases": ("别名", "Aliases"),
    "en_type": ("类型", "Type"),
    "en_region": ("所在地区", "Region"),
    "en_out": ("出向关系", "Relations out"),
    "en_in": ("入向关系", "Relations in"),
    "en_passages": ("原文出处", "Source passages"),
    "en_none": ("请在“探索”页选择一个实体。", "Choose an entity on the Explore page."),
    "en_explore": ("在网络中查看", "Show in network"),
    # measures
    "me_keyword": ("按关键词搜索措施或机构", "Search measures or institutions by keyword"),
    "me_measure_tab": ("措施 → 机构", "Measure → institutions"),
    "me_inst_tab": ("机构 → 措施", "Institution → measures"),
    "me_matrix_tab": ("地区 × 机构类型", "Region × institution type"),
    "me_pick_measure": ("或选择一项措施", "Or pick a measure"),
    "me_pick_inst": ("选择机构", "Pick an institution"),
    "me_served": ("服务机构", "served by"),
    "me_responsible": ("责任单位", "responsible unit"),
    "me_found": ("{n} 项措施", "{n} measures"),
    "me_large": ("图谱共有 {n:,} 项措施，本页按需查询：输入措施文本中的关键词，或搜索机构。",
                 "The graph has {n:,} measures: this page looks them up as asked. Type a keyword of the "
                 "measures' text, or search for an institution."),
    "me_keyword_text": ("措施文本中的关键词", "Keyword in the measures' text"),
    "me_limit": ("只列出前 {n:,} 项匹配的措施；请用更具体的关键词缩小范围。",
                 "Only the first {n:,} matching measures are listed; a more specific keyword narrows them."),
    "me_search_inst": ("搜索机构", "Search institutions"),
    # indicators
    "in_chart": ("各地区、各年份目标对比", "Targets by region and year"),
    "in_pick": ("指标", "Indicator"),
    "in_all": ("全部", "All"),
    "in_large": ("图谱共有 {n:,} 个数值目标：请选择指标以列出其目标。下图为各年份的目标数。",
                 "The graph has {n:,} numeric targets: pick an indicator to list its targets. The chart counts "
                 "targets per year."),
    "in_chart_regions": ("图中地区过多（{n} 个），按年份合计；选择地区可分地区比较。",
                         "Too many regions to tell apart ({n}): counted by year; pick regions to compare them."),
    # sparql
    "sq_examples": ("示例查询", "Example queries"),
    "sq_editor": ("查询(已自动加入前缀)", "Query (prefixes are added for you)"),
    "sq_preview": ("语法高亮", "Highlighted"),
    "sq_run": ("运行", "Run"),
    "sq_timeout": ("时间上限(秒)", "Time limit (s)"),
    "sq_readonly": ("只读:不接受更新语句。", "Read-only: updates are refused."),
    "sq_error": ("查询有误:{error}", "The query has an error: {error}"),
    "sq_ask": ("ASK 结果:{value}", "ASK result: {value}"),
    "sq_rows": ("{n} 行", "{n} rows"),
    "sq_truncated": ("结果已截断。", "Results were truncated."),
    "sq_network": ("网络视图", "As a network"),
    "sq_params": ("参数", "Parameters"),
    # documents
    "do_list": ("文档列表", "Documents"),
    "do_pick": ("选择文档", "Pick a document"),
    "do_text": ("原文(实体按类型着色)", "Text (entities highlighted by type)"),
    "do_missing": ("找不到源文件 {name}。", "Source file {name} not found."),
    "do_upload": ("上传新文档(txt、docx、pdf、html)", "Upload new documents (txt, docx, pdf, html)"),
    "do_add": ("加入图谱", "Add to the graph"),
    "do_added": ("已加入 {n} 篇文档,原有内容保留。", "Added {n} documents; what was there is kept."),
    "do_no_pipeline": ("构建流程尚不可用。", "The build pipeline is not available."),
    "do_entities": ("本文实体", "Entities in this document"),
    # export
    "xp_seeds": ("种子实体", "Seed entities"),
    "xp_all": ("整个图谱(不选种子时)", "Whole graph (when no seed is chosen)"),
    "xp_format": ("格式", "Format"),
    "xp_download": ("下载 {fmt}", "Download {fmt}"),
    "xp_size": ("{nodes} 个节点,{edges} 条边,{triples} 条三元组", "{nodes} nodes, {edges} edges, {triples} triples"),
}

#: ontology class local name -> (Chinese, English)
CLASS_NAMES: dict[str, tuple[str, str]] = {
    "Document": ("文档", "Document"),
    "Policy": ("政策", "Policy"),
    "Institution": ("机构", "Institution"),
    "GovernmentAgency": ("政府机关", "Government agency"),
    "InternalUnit": ("内设机构", "Internal unit"),
    "ProtectionCenter": ("保护中心", "Protection centre"),
    "ServiceCenter": ("服务中心", "Service centre"),
    "Platform": ("平台", "Platform"),
    "Court": ("法院", "Court"),
    "University": ("高校", "University"),
    "Association": ("协会联盟", "Association"),
    "Base": ("基地", "Base"),
    "Fund": ("基金", "Fund"),
    "Program": ("项目工程", "Program"),
    "Event": ("活动", "Event"),
    "Indicator": ("指标", "Indicator"),
    "Measure": ("措施", "Measure"),
    "Target": ("目标", "Target"),
    "Region": ("地区", "Region"),
    "Mention": ("提及", "Mention"),
    "NamedEntity": ("命名实体", "Named entity"),
    "Other": ("其他", "Other"),
}

#: property local name -> (Chinese, English)
RELATION_NAMES: dict[str, tuple[str, str]] = {
    "issuedBy": ("发文机关", "issued by"),
    "jurisdiction": ("适用地区", "jurisdiction"),
    "cites": ("引用", "cites"),
    "mentions": ("提及", "mentions"),
    "statedIn": ("出自", "stated in"),
    "servedBy": ("服务机构", "served by"),
    "responsibleUnit": ("责任单位", "responsible unit"),
    "refersTo": ("涉及", "refers to"),
    "indicator": ("指标", "indicator"),
    "region": ("地区", "region"),
    "locatedIn": ("位于", "located in"),
    "subOrganizationOf": ("隶属", "part of (org)"),
    "partOf": ("隶属地区", "part of"),
    "mentionOf": ("提及对象", "mention of"),
    "inDocument": ("所在文档", "in document"),
    "inMeasure": ("所在措施", "in measure"),
    # summaries (graph.summaries), labelled as in ontology/ipkg.ttl
    "citedInProvince": ("被引用省份", "cited in province"),
    "mentionedInProvince": ("被提及省份", "mentioned in province"),
}

LEVEL_NAMES: dict[str, tuple[str, str]] = {
    "national": ("国家", "national"),
    "province": ("省级", "province"),
    "city": ("市级", "city"),
    "district": ("区县", "district"),
    "zone": ("园区", "zone"),
}


def normalise_lang(lang: object) -> str:
    """`"en"` or `"zh"` from whatever a URL or a widget holds."""
    return "en" if str(lang).lower().startswith("en") else "zh"


def t(key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The interface string `key` in `lang`, formatted with `fmt`.

    An unknown key is returned as itself, so a missing entry shows up on screen
    rather than crashing a page.
    """
    pair = STRINGS.get(key)
    text = key if pair is None else pair[1 if normalise_lang(lang) == "en" else 0]
    return text.format(**fmt) if fmt else text


def _pick(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    pair = table.get(key)
    if pair is None:
        return key
    return pair[1 if normalise_lang(lang) == "en" else 0]


def class_name(local: str, lang: str = DEFAULT_LANG) -> str:
    """Display name of an ontology class given its local name."""
    return _pick(CLASS_NAMES, local, lang)


def relation_name(local: str, lang: str = DEFAULT_LANG) -> str:
    """Display name of a property given its local name."""
    return _pick(RELATION_NAMES, local, lang)


def level_name(level: str, lang: str = DEFAULT_LANG) -> str:
    """Display name of an administrative level (national, province …)."""
    return _pick(LEVEL_NAMES, level, lang)
