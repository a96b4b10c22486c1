"""Institutions: agencies, centres, platforms, courts, universities, associations, bases, funds.

Names are found by their morphology (see `names.py`) plus a lexicon of
national bodies; short forms are resolved against the document's
jurisdiction (省知识产权局 in a Shaanxi text → 陕西省知识产权局).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from graph.extract.names import BOUNDARY, build_cuts, build_heads, find_names, leading_region
from graph.lexicon import Lexicon, load
from graph.model import Extraction, Mention, Metadata
from graph.regions import gazetteer
from graph.spans import SpanIndex


@dataclass(frozen=True)
class Jurisdiction:
    """The regions a document's short forms (省, 市, 区) refer to."""

    province: str = ""
    city: str = ""
    district: str = ""
    issuer: str = ""
    national: bool = False  # a national-level text: 统计局 standing alone is 国家统计局

    @classmethod
    def of(cls, metadata: Metadata) -> Jurisdiction:
        gaz = gazetteer()
        region = gaz.get(metadata.jurisdiction)
        issuer = metadata.issuers[0] if metadata.issuers else ""
        if region is None:
            return cls(issuer=issuer, national=metadata.level == "national")
        chain = [region, *gaz.ancestors(region.name)]
        by_level = {r.level: r.name for r in chain}
        # In a municipality's text (天津市) 市 is the municipality itself.
        city = by_level.get("city", "") or (by_level.get("province", "") if gaz.is_municipality(
            by_level.get("province", "")) else "")
        return cls(province=by_level.get("province", ""), city=city,
                   district=by_level.get("district", "") or by_level.get("zone", ""), issuer=issuer)

    @property
    def narrowest(self) -> str:
        return self.district or self.city or self.province

    def own_short_form(self, name: str) -> str:
        """The document's own region when `name` opens with its bare name alone (通州区…), else ""."""
        gaz = gazetteer()
        for full in (self.district, self.city, self.province):
            region = gaz.get(full) if full else None
            if region and region.short != full and name.startswith(region.short) \
                    and not leading_region(name)[1]:
                return full
        return ""

    def local(self, level: str) -> str:
        """The region a leading 省, 市, 区 or 县 stands for ("" when the document does not say)."""
        return {"省": self.province, "市": self.city, "区": self.district, "县": self.district}.get(level, "")


@cache
def _rules() -> dict:
    return load("institutions.json")


@cache
def _heads() -> Lexicon:
    return build_heads(_rules()["heads"])


@cache
def _cuts() -> Lexicon:
    from graph.extract import names

    names.COORDINATION_BLOCKERS = tuple(_rules()["coordination_blockers"])
    return build_cuts(_rules()["cut_words"], _rules()["cut_exceptions"])


def _only_generic(name: str, head_start: int) -> bool:
    """服务平台, 重大创新平台: modifiers that say nothing about which one."""
    modifier = name[:head_start]
    if not modifier:
        return False  # the head is a name of its own (快速维权中心)
    for word in sorted(_rules()["generic_modifiers"], key=len, reverse=True):
        modifier = modifier.replace(word, "")
    return not modifier.strip("“”()")


@cache
def _known() -> Lexicon:
    lex = Lexicon()
    for item in load("known_institutions.json")["institutions"]:
        for surface in (item["name"], *item["aliases"]):
            lex.add(surface, ("known", item["name"], item["type"], item["scope"]))
        for origin in ("short_forms", "national_short_forms"):
            for surface in item.get(origin, ()):
                lex.add(surface, (origin, item["name"], item["type"], item["scope"]))
    for item in _rules()["abbreviations"]:
        lex.add(item["surface"], ("abbr", item["name"], item["type"], ""))
    return lex


_RANK = {"InternalUnit": 0}
#: One addressee of a list that names no one: 各设区市人民政府, 局机关各部门.
_GENERIC_ADDRESSEE = re.compile(r"[^，,:：]*各[^，,:：]*")


def extract(result: Extraction) -> None:
    """Add an `institution` mention for each institution named in the text."""
    juris = Jurisdiction.of(result.metadata)
    text = result.doc.text
    taken = SpanIndex((m.start, m.end) for m in result.mentions if m.kind == "policy")
    found: list[Mention] = []
    addressees = addressee_paragraphs(result)
    for sentence in result.segmented.sentences:
        mentions = find_institutions(text, sentence.start, sentence.end, juris)
        if sentence.paragraph in addressees:
            # A notice's addressees are named, but 各省、自治区、直辖市人民政府 names no one.
            generic = SpanIndex(g.span() for g in _GENERIC_ADDRESSEE.finditer(text, sentence.start, sentence.end))
            mentions = [m for m in mentions if not generic.overlaps(m.start, m.end)]
        found.extend(mentions)
    result.mentions.extend(m for m in found if not taken.covers(m.start, m.end))


def extract_proper_nouns(result: Extraction) -> None:
    """Runs after programmes and events, so a core inside their names (首届秦创原…大赛) stays theirs."""
    juris = Jurisdiction.of(result.metadata)
    text = result.doc.text
    embedded = [m for p in result.of_kind("policy") for m in find_institutions(text, p.start, p.end, juris)]
    result.mentions.extend(_defined_short_forms(text, result.of_kind("institution"), result.mentions))
    result.mentions.extend(_proper_noun_mentions(text, result.of_kind("institution") + embedded, result.mentions))


_SHORT_FORM = re.compile(r"\s?[(（]\s?(?:以下简称|以下称|下称|简称)\s?[“\"]?([^”\")）]{2,12})[”\"]?\s?[)）]")


def _defined_short_forms(text: str, institutions: list[Mention], mentions: list[Mention]) -> list[Mention]:
    """中国(陕西)知识产权保护中心(以下简称“保护中心”): later uses of the short form are that centre."""
    out = []
    occupied = SpanIndex((m.start, m.end) for m in mentions)
    for m in institutions:
        defined = _SHORT_FORM.match(text, m.end)
        if not defined:
            continue
        short = defined.group(1)
        for hit in re.finditer(re.escape(short), text[defined.end():]):
            s = defined.end() + hit.start()
            e = s + len(short)
            if occupied.overlaps(s, e):
                continue
            out.append(Mention("institution", short, s, e, m.name, m.subtype, m.scope, m.region, m.parent))
            occupied.add(s, e)
    return out


@cache
def _verb_openings() -> tuple[str, ...]:
    verbs = [*_rules()["cut_words"], *load("measures.json")["action_verbs"]]
    return tuple(w for w in verbs if len(w) >= 2)


def _proper_noun_mentions(text: str, institutions: list[Mention], mentions: list[Mention]) -> list[Mention]:
    """秦创原 → 秦创原创新驱动平台: a name's own core used alone elsewhere in the text.

    An institution whose name is a short proper noun followed by descriptive
    words (秦创原 + 创新驱动平台), even one named only inside a cited title,
    lends the bare proper noun to its standalone occurrences. A core shared by
    two institutions is ambiguous and lends nothing.
    """
    stop = tuple(_rules()["not_proper_nouns"])
    gaz = gazetteer()
    cores: dict[str, set[Mention]] = {}
    for m in institutions:
        if "等" in m.surface:
            continue  # 秦创原等维权援助工作站: the station is not 秦创原 itself
        name = m.name[len(leading_region(m.name)[0]):]
        for size in (3, 4):
            core = name[:size]
            if len(name) - size < 4 or not re.fullmatch(r"[\u4e00-\u9fff]+", core):
                continue
            # name.startswith, not core.startswith: 知识产 is the start of a word, not a name.
            if name.startswith(stop) or any(w in core for w in stop) or gaz.lookup(core) or core in _known() \
                    or name.startswith(_verb_openings()):
                continue  # 打击侵犯…领导小组: a name that opens with what the body does has no proper noun
            if text.count(core) >= 2:
                cores.setdefault(core, set()).add(m)
                break
    occupied = SpanIndex((m.start, m.end) for m in mentions)
    # A core that never stands alone lends nothing (and is likely a word, not a name).
    cores = {c: o for c, o in cores.items()
             if any(not occupied.overlaps(h.start(), h.start() + 1) for h in re.finditer(c, text))}
    out = []
    for core, owners in cores.items():
        names = {o.name for o in owners}
        if len(names) != 1:
            continue
        owner = next(iter(owners))
        for hit in re.finditer(core, text):
            s, e = hit.span()
            if occupied.overlaps(s, e):
                continue
            out.append(Mention("institution", core, s, e, owner.name, owner.subtype, owner.scope, owner.region,
                               owner.parent))
        if out and owner not in mentions:
            # Named only inside a title: it still exists as a node the document mentions.
            out.append(owner)
    return out


def _mission_start(text: str, s: int, floor: int) -> int:
    """厦门市打击侵犯知识产权和制售假冒伪劣商品工作领导小组: a body named for its mission starts
    at the region before the mission, across the verbs and 和 that would cut another name.
    """
    window = max(floor, s - 30)
    for p in range(window, s):
        if any(c in BOUNDARY for c in text[p:s]) or any(w in text[p:s] for w in _rules()["mission_breaks"]):
            continue  # 厦门召开双打工作领导小组…: the region convenes the group, it is not in its name
        if leading_region(text[p:s])[1] or (text[p] in "省市区县" and (
                p == floor or text[p - 1] in BOUNDARY or text[p - 1] in "了的")):
            return p
    return s


def _stands_alone(text: str, start: int, floor: int) -> bool:
    """Nothing of a longer name before `start`: a separator, a function word, a verb, or the start."""
    if start <= floor:
        return True
    before = text[start - 1]
    return (not ("\u4e00" <= before <= "\u9fff") or before in _rules()["stand_alone_after"]
            or any(text.endswith(w, floor, start) for w in _rules()["cut_words"]))  # 加强统计局…


def addressee_paragraphs(result: Extraction) -> set[int]:
    """The paragraphs naming a notice's addressees, who are not actors in it.

    各省、自治区、直辖市…: anywhere; near the top also a list of named bodies ending in a colon
    (中央组织部、中央宣传部…:, 南通高新区管委会,各镇(街道)人民政府…:).
    """
    text = result.doc.text
    out = set()
    for i, (a, b) in enumerate(result.segmented.paragraphs):
        para = text[a:b].rstrip()
        if not para.endswith((":", "：")):
            continue
        items = re.split("[、，,]", para[:-1])
        if text.startswith("各", a) or (i < 40 and "。" not in para and len(items) >= 2
                                        and all(1 < len(x) <= 30 for x in items)):
            out.add(i)
    return out


def find_institutions(text: str, start: int, end: int, juris: Jurisdiction) -> list[Mention]:
    """Institution mentions in `text[start:end]`, nested ones dropped."""
    rules = _rules()
    out: list[Mention] = []
    known_spans: list[tuple[int, int]] = []
    for hit in _known().finditer(text, start, end):
        origin, name, cls, scope = hit.values[0]
        hit_start = hit.start
        if text.startswith(tuple(_rules()["known_breaks"].get(hit.key[-1], ())), hit.end):
            continue  # 财政部门: a kind of department, not the Ministry of Finance
        if origin.endswith("short_forms") and not (
                (origin == "short_forms" or juris.national) and _stands_alone(text, hit.start, start)):
            continue  # 统计局 in 陕西省统计局, or in a province's text: not 国家统计局
        if origin == "abbr":
            named = _region_ending_at(text, hit.start, start)
            if named:
                # 广东省高级人民法院 in a Fujian text: the region it names, not the document's.
                hit_start, region_name = named
                name = _fill(name, Jurisdiction(region_name, region_name, region_name, juris.issuer))
            else:
                name = _fill(name, juris)
            if not name:
                continue
            scope = leading_region(name)[1] or juris.province
        region = leading_region(name)[1] if scope not in ("national", "international") else ""
        out.append(Mention("institution", text[hit_start:hit.end], hit_start, hit.end, name, cls, scope, region))
        known_spans.append((hit_start, hit.end))
    for span in find_names(text, start, end, _heads(), _cuts(), strip_prefixes=rules["strip_prefixes"],
                           head_breaks=rules["head_breaks"]):
        # A known name inside a longer candidate still counts as the candidate's start.
        s = span.start
        if any(ks <= s < ke and span.end <= ke for ks, ke in known_spans):
            continue
        # A known name cut in two by a cut word inside it (应对) still opens the candidate.
        s = next((ks for ks, ke in known_spans if ks < s < ke), s)
        for ks, ke in known_spans:
            if s <= ks < span.end and ke >= span.end:
                break
        else:
            if span.heads[-1][2] == "GovernmentAgency" and text[span.heads[-1][0]:span.end] in rules["mission_heads"]:
                s = _mission_start(text, s, start)
            found = _mentions_for(text, s, span.end, span.cls, span.heads, juris, start)
            out.extend(found)
            for f in found:
                if f.end == span.end:
                    out.extend(_elliptical(text, f, juris, end))
            continue
    out = _drop_nested(out)
    return out


def _mentions_for(text: str, start: int, end: int, cls: str, heads: tuple, juris: Jurisdiction,
                  floor: int) -> list[Mention]:
    surface = text[start:end]
    rules = _rules()
    if len(surface) < rules["min_length"] and surface not in _known():
        # 区法院: a local court or agency named by its level alone, when the text says which one.
        local = juris.local(surface[0]) if cls in ("Court", "GovernmentAgency") and len(surface) == 3 else ""
        mention = _resolve(surface, surface, cls, start, end, juris) if local else None
        return [mention] if mention else []
    if "等" in surface:
        left, _, right = surface.partition("等")
        if 2 <= len(left) <= 8 and right:
            # 秦创原等维权援助工作站: the named one's own station.
            mention = _resolve(surface, left + right, cls, start, end, juris)
            return [mention] if mention else []
        start += len(left) + 1
        surface = right
        if len(surface) < rules["min_length"] or (len(heads) == 1 and heads[0][0] == start):
            return []
    out: list[Mention] = []
    # The last head decides the class; an internal unit after an agency belongs to it.
    if cls == "InternalUnit" and len(heads) > 1:
        parent_end = heads[-2][1]
        parent = _resolve(text[start:parent_end], text[start:parent_end], heads[-2][2], start, parent_end, juris)
        # An office (办公室) is known by its full name; a division (政策法规处) by its own.
        unit = surface if text[heads[-1][0]:end].endswith("办公室") else text[heads[-1][0]:end]
        out.append(Mention("institution", surface, start, end, unit, "InternalUnit",
                           parent.name if parent else juris.issuer, parent.region if parent else "",
                           parent.name if parent else juris.issuer))
        return out
    if len(heads) == 1 and surface not in _known() and (
            (heads[0][0] == start and len(surface) <= 4) or _only_generic(surface, heads[0][0] - start)):
        return []  # a bare head (服务机构) or generic modifiers (重大创新平台) name no one
    mention = _resolve(surface, surface, cls, start, end, juris)
    if mention:
        out.append(mention)
        out.extend(_distributed(text, start, mention, juris, floor))
    return out


def _resolve(surface: str, name: str, cls: str, start: int, end: int, juris: Jurisdiction) -> Mention | None:
    rules = _rules()
    for short, full in rules["expansions"].items():
        if name.endswith(short) or short + "(" in name:
            name = name.replace(short, full, 1)
            break
    if name.endswith("办公室") and len(name) > 6 and cls == "ServiceCenter" and "联席会议" in name:
        cls = "InternalUnit"
    if name.endswith("联席会议办公室") or name.endswith("领导小组办公室"):
        cls = "InternalUnit"
    scope, region = "", ""
    _region_surface, region_name = leading_region(name)
    if region_name:
        region = region_name
        scope = region_name
    elif own := juris.own_short_form(name):
        # 通州区人民政府 in a Nantong district's text: its 通州区, not Beijing's.
        name = own + name[len(gazetteer().get(own).short):]
        region = scope = own
    elif name[0] in "省市区县" and len(name) > 2 and name[1] not in "级内外":
        expanded = juris.local(name[0])
        if expanded:
            # 区法院 and 区人民法院 are one court, 区政府 and 区人民政府 one government: the short form drops 人民.
            rest = name[1:]
            if rest.startswith("法院"):  # 省法院 is the province's high court, 市法院 the city's intermediate one
                rest = _rules()["local_courts"].get(name[0], "人民法院") + rest[2:]
            elif rest.startswith(("检察院", "政府")):
                rest = "人民" + rest
            name = expanded + rest
            region = expanded
            scope = expanded
        else:
            scope = juris.narrowest
    elif name.startswith(("省级", "市级", "县级", "区级")):
        scope = juris.province if name[0] == "省" else juris.narrowest
        region = scope
    elif name.startswith(("国家", "中国", "全国", "中华人民共和国")):
        scope = "national"
    if name in rules["generic_kinds"]:
        scope = ""
    if cls == "InternalUnit" and not region:
        return Mention("institution", surface, start, end, name, cls, juris.issuer, "", juris.issuer)
    return Mention("institution", surface, start, end, name, cls, scope, region)


def _distributed(text: str, start: int, mention: Mention, juris: Jurisdiction, floor: int) -> list[Mention]:
    """专利、商标行业协会 → also 专利行业协会; 各设区市、韩城市、X市场监督管理局 → each one's bureau.

    Only items that are regions or listed modifiers (专利, 省级 …) distribute:
    国际化、市场化、专业化…机构 describes one kind of thing, not three.
    """
    out: list[Mention] = []
    gaz = gazetteer()
    distributable = set(_rules()["distributable"])
    region_surface, _ = leading_region(mention.surface)
    pos = start
    while pos - 1 > floor and text[pos - 1] == "、":
        item_end = pos - 1
        item_start = item_end
        while item_start > floor and text[item_start - 1] not in "、，,；;：:。(（〔":
            item_start -= 1
        item_start = _strip_cut_prefix(text, item_start, item_end)
        item = text[item_start:item_end]
        if not item or len(item) > 8:
            break
        is_region = gaz.lookup(item) is not None
        if not (is_region or item in distributable):
            break
        if region_surface:
            rest = mention.surface[len(region_surface):]
        else:
            parallel = next((d for d in sorted(distributable, key=len, reverse=True)
                             if mention.surface.startswith(d)), "")
            if not parallel:
                break
            rest = mention.surface[len(parallel):]
        distributed = _resolve(item + rest, item + rest, mention.subtype, item_start, item_end, juris)
        if distributed:
            out.append(distributed)
        pos = item_start
    return out


def _strip_cut_prefix(text: str, start: int, end: int) -> int:
    from graph.extract.names import _after_last_cut

    return _after_last_cut(text, start, end, _cuts())


def _elliptical(text: str, mention: Mention, juris: Jurisdiction, end: int) -> list[Mention]:
    """节点、网点: a bare head after a full name shares the full name's modifiers."""
    out = []
    pos = mention.end
    while pos < end and text[pos] == "、":
        m = re.match(r"[\u4e00-\u9fff]{2,3}(?=[、，,和及与]|$)", text[pos + 1:end])
        if not m or len(m.group(0)) >= len(mention.surface) - 2:
            break
        word = m.group(0)
        if word[-1] not in "点站心台地盟库所院室窗" or word[0] in "省市区县":
            break  # 区法院 after 区市场监管局 is a name of its own, not the bureau's 法院
        base = mention.surface[len(leading_region(mention.surface)[0]):]
        base = base[1:] if base[:1] in "省市区县" else base
        name = base[: -len(word)] + word
        if not any(True for _ in _heads().finditer(name)):
            break
        resolved = _resolve(word, name, mention.subtype, pos + 1, pos + 1 + len(word), juris)
        if resolved:
            out.append(resolved)
        pos += 1 + len(word)
    return out


def _region_ending_at(text: str, pos: int, floor: int) -> tuple[int, str] | None:
    """(start, full name) of a region whose name ends with the character at ``pos`` (广东|省|高级…)."""
    gaz = gazetteer()
    for size in range(min(9, pos + 1 - floor), 1, -1):  # the longest name first
        region = gaz.lookup(text[pos + 1 - size:pos + 1])
        if region and region.name.endswith(text[pos]):
            return pos + 1 - size, region.name
    return None


def _fill(template: str, juris: Jurisdiction) -> str:
    values = {"province": juris.province, "city": juris.city, "district": juris.district,
              "issuer": juris.issuer}
    try:
        filled = template.format(**values)
    except KeyError:
        return ""
    if re.search(r"^(?:中共)?(?:委|人民政府|知识产权局|高级人民法院|中级人民法院|知识产权部门|党组)", filled):
        return ""  # the jurisdiction needed to expand the short form is unknown
    return filled


def _drop_nested(mentions: list[Mention]) -> list[Mention]:
    """Keep the outermost of overlapping mentions (the base, not the agency inside its name)."""
    mentions = sorted(mentions, key=lambda m: (m.start, -(m.end - m.start)))
    out: list[Mention] = []
    for m in mentions:
        if any(o.start <= m.start and m.end <= o.end and (o.start, o.end) != (m.start, m.end) for o in out):
            # A distributed mention sits before its source and never nests; only true nesting is dropped.
            continue
        if any((o.start, o.end) == (m.start, m.end) for o in out):
            continue
        out.append(m)
    return out


def parse_units(note: str, offset: int, juris: Jurisdiction) -> list[Mention]:
    """Institutions named in a responsibility note (办公室、政策法规处，各设区市…按职责负责落实)."""
    found = find_institutions(note, 0, len(note), juris)
    unit_re = re.compile(_rules()["internal_unit_pattern"])
    pos = 0
    for part in re.split(r"([、，,])", note):
        end = pos + len(part)
        if part and part not in "、，," and unit_re.fullmatch(part) \
                and not any(m.start < end and pos < m.end for m in found):
            found.append(Mention("institution", part, pos, end, part, "InternalUnit", juris.issuer, "",
                                 juris.issuer))
        pos = end
    return [Mention(m.kind, m.surface, m.start + offset, m.end + offset, m.name, m.subtype, m.scope,
                    m.region, m.parent) for m in sorted(found, key=lambda m: m.start)]
