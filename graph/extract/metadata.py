"""Document metadata: title, 文号, date, issuers, jurisdiction, level, genre, plan year."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from itertools import pairwise

from graph.extract.institutions import Jurisdiction, find_institutions
from graph.extract.names import leading_region
from graph.lexicon import load
from graph.model import Extraction, Mention, Metadata
from graph.regions import gazetteer

_DOC_NUMBER = re.compile(r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff]{1,8}[〔\[(【]((?:19|20)\d{2})[〕\])】]\s?第?\d{1,4}号")
_FULL_DATE = re.compile(r"((?:19|20)\d{2})\s?(?:年|[-./])\s?(\d{1,2})\s?(?:月|[-./])\s?(\d{1,2})(?:日|(?!\d{0,1}[月]))")
_MONTH = re.compile(r"((?:19|20)\d{2})\s?年\s?(\d{1,2})\s?月(?!\d)")
_HAN_DATE = re.compile(r"([〇○零一二三四五六七八九]{4})\s?年\s?([一二三四五六七八九十]{1,2})\s?月"
                       r"(?:\s?([一二三四五六七八九十]{1,3})\s?日)?")
_HAN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}


def _han_number(text: str) -> int:
    """一 … 三十一, the way dates write them (十五, 二十, 二十五)."""
    if "十" not in text:
        return _HAN_DIGITS[text]
    tens, _, ones = text.partition("十")
    return (_HAN_DIGITS[tens] if tens else 1) * 10 + (_HAN_DIGITS[ones] if ones else 0)


def arabic_dates(text: str) -> str:
    """二〇二三年三月十五日 → 2023年3月15日: a signed document's date in Chinese numerals."""
    def convert(m: re.Match[str]) -> str:
        year = "".join(str(_HAN_DIGITS[c]) for c in m.group(1))
        day = f"{_han_number(m.group(3))}日" if m.group(3) else ""
        return f"{year}年{_han_number(m.group(2))}月{day}"

    return _HAN_DATE.sub(convert, text)
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s?年(?:度)?")
_NOTICE = re.compile(r"关于(?:印发|发布|转发)\s?(?:《(.+?)》|([^《》\n]{4,60}?))(?:的)?通知"
                     r"|现将\s?《([^《》\n]{4,80}?)》\s?(?:印发|转发|发布)给你们"
                     r"|^[^《》\n]{0,60}(?:印发|转发)《([^《》\n]{4,80})》的通知$"
                     r"|《([^《》\n]{4,80})》[^《》\n]{0,60}?现(?:将其|予)?印发(?:给)?你们", re.M)
_SELF_REFERENCE = re.compile(r"(?:编制|制定|制订|出台|印发)\s?《?([^，。,；;《》]{4,50}?(?:规划|纲要|方案|要点|指引|意见|办法|计划))》?")


@cache
def _rules() -> dict:
    return load("metadata.json")


def extract(result: Extraction) -> None:
    """Fill `result.metadata` from the text and the region mentions already found."""
    text = result.doc.text
    lines = [(s, e, text[s:e]) for s, e in result.segmented.paragraphs]
    title, title_span = _title(text, lines)
    # 《…方案》(国知发保字〔2022〕27号): the number of a document cited, not of this one.
    doc_number = next((m.group(0) for m in _DOC_NUMBER.finditer(text[:3000])
                       if not re.search(r"》\s?[(（]$", text[max(0, m.start() - 3):m.start()])), "")
    signers, signed = _signature(lines, title)
    issuers_raw = _issuers(text, lines, title, signers)
    jurisdiction = _jurisdiction(result, title, issuers_raw)
    juris = Jurisdiction.of(Metadata(jurisdiction=jurisdiction))
    issuers = tuple(dict.fromkeys(_expand_issuer(s, juris) for s in issuers_raw if s))
    genre = _genre(title, text)
    issued = _date(text, lines, doc_number, signed)
    level = _level(jurisdiction, issuers)
    plan_year = None
    if genre in ("工作要点", "工作指引", "计划", "通知") or "年度" in title:
        # …2023年工作总结和2024年工作要点: the plan is for the latest year the title names.
        years = [int(y) for y in _YEAR_IN_TITLE.findall(title)]
        plan_year = max(years) if years else (int(issued[:4]) if issued else None)
    result.metadata = Metadata(title=title, title_span=title_span, doc_number=doc_number, issued=issued,
                               issuers=issuers, jurisdiction=jurisdiction, level=level, genre=genre,
                               plan_year=plan_year)


def _outside_titles(text: str, pos: int) -> bool:
    """`pos` is not inside a 《…》 the text cites."""
    return text.count("《", 0, pos) <= text.count("》", 0, pos)


def _is_title_line(line: str) -> bool:
    line = line.strip()
    return (4 <= len(line) <= 60 and line[-1] not in "。，,；;：:" and not line.endswith("文件")
            and not _DOC_NUMBER.fullmatch(line) and not re.match(r"^[\d\s.\-/年月日:]+$", line)
            and not line.startswith(("来源", "发布", "时间", "作者", "摘要", "各", "附件"))
            and not line.endswith(tuple(_rules()["channel_endings"])))  # 创建工作动态: a site's column


def _title(text: str, lines: list[tuple[int, int, str]]) -> tuple[str, tuple[int, int] | None]:
    # Not inside a cited title: 《国务院办公厅关于印发〈…〉的通知》 is another notice.
    notice = next((m for m in _NOTICE.finditer(text[:2000]) if _outside_titles(text, m.start())), None)
    if notice:
        # 关于印发《X》的通知, a notice that opens with its addressees (现将《X》印发给你们), or
        # the issuers' names above a line 印发《X》的通知.
        group = next(g for g in (1, 2, 3, 4, 5) if notice.group(g))
        return re.sub(r"\s+", "", notice.group(group)), notice.span(group)
    from graph.segment import heading_marker

    for s, _e, line in lines[:6]:
        if line.rstrip().endswith("。"):
            break  # the body has begun: a short line after it is a signature, not the title
        if _is_title_line(line) and not heading_marker(line.strip()):
            lead = len(line) - len(line.lstrip())
            return line.strip(), (s + lead, s + lead + len(line.strip()))
    # No title line (a web page that starts with the body): the plan names itself
    # where it says it was drawn up (…编制曾都区…“十四五”规划 … 特制订本规划).
    m = _SELF_REFERENCE.search(text[:3000])
    if m and re.search(r"本(?:规划|纲要|方案|要点|指引|意见|办法|计划)", text):
        name = m.group(1)
        name = re.sub(r"^(?:科学|认真|研究|全面)+", "", name)
        return name, m.span(1)
    return "", None


def _issuers(text: str, lines: list[tuple[int, int, str]], title: str, signers: list[str]) -> list[str]:
    candidates: list[str] = []
    for _s, _e, line in lines[:4]:
        if line.strip().endswith("文件") and len(line.strip()) < 30:
            candidates.append(line.strip()[:-2])
    m = next((m for m in re.finditer(r"([\u4e00-\u9fff()]{2,40}?)关于(?:印发|发布|转发)", text[:2000])
              if _outside_titles(text, m.start())), None)
    if m:
        candidates.append(m.group(1))
    m = re.search(r"(?:来源|来自|稿源)\s?[:：]\s?([\u4e00-\u9fffA-Za-z]{2,30}?)(?=\s|\d|$|\n|\||作者|时间|发布)", text[:600])
    if m:
        candidates.append(m.group(1))
    # A portal's field, its value on the same line or the next: 发文单位:\n融安县人民政府办公室
    m = re.search(r"(?:发文单位|发文机关|发布机构)\s?[:：]\s*\n?\s*([\u4e00-\u9fff()]{2,40})", text[:2000])
    if m:
        candidates.append(m.group(1))
    verbs = "|".join(_rules()["issue_verbs"])
    m = re.search(rf"([\u4e00-\u9fff、]{{2,40}})(?:联合)?(?:{verbs})了?《", text[:1500])
    if m:
        candidates.extend(x for x in re.split("[、和]", m.group(1)) if x)
    candidates[:0] = signers
    if not candidates and title:
        found = find_institutions(title, 0, len(title), Jurisdiction())
        candidates.extend(f.surface for f in found if f.subtype == "GovernmentAgency")
    out: list[str] = []
    for c in candidates:
        c = re.sub(r"^\d{4}\s?年(?:度)?", "", c.strip())
        found = find_institutions(c, 0, len(c), Jurisdiction())
        agency = next((f.surface for f in found if f.end == len(c) and f.start == 0), "")
        tiles = sorted(found, key=lambda f: f.start)
        if agency:
            out.append(agency)
        elif len(tiles) > 1 and tiles[0].start == 0 and tiles[-1].end == len(c) and all(
                a.end == b.start for a, b in pairwise(tiles)):
            out.extend(f.surface for f in tiles)  # 重庆市知识产权局 重庆市财政局: joint issuers, the space gone
        elif c and (c.endswith(("网", "报", "社", "台", "委", "省政府", "市政府", "区政府"))
                    or re.search(r"(?:办公室|人民政府|委员会|局|厅|部)$", c)):
            out.append(c)
        elif found:
            out.append(found[-1].surface)
    return list(dict.fromkeys(out))


def _signature(lines: list[tuple[int, int, str]], title: str) -> tuple[list[str], str]:
    """(signing bodies, the date line under them): the closing signature, else one near the top.

    Near the top is a notice sent ahead of the document it issues (…印发给你们。 国务院… 2021年12月27日
    知识产权强国建设纲要…). Several bodies may sign, one per line; a line in brackets under them
    (国家知识产权局代章, 此件公开发布) is skipped.
    """
    def signed_above(i: int) -> list[str]:
        j = i - 1
        while j > 0 and re.fullmatch(r"[(（][^()（）]{2,30}[)）]", lines[j][2].strip()):
            j -= 1
        names: list[str] = []
        while j >= 0:
            above = lines[j][2].strip()
            if above == title or not 2 <= len(above) <= 40 or above[-1] in "。；;:：" or (
                    names and not _is_body_name(above)):
                break
            names.insert(0, above)
            j -= 1
        return names

    def dated(i: int) -> bool:
        line = arabic_dates(lines[i][2].strip())
        return bool(_FULL_DATE.fullmatch(line) or _MONTH.fullmatch(line))

    for i in range(len(lines) - 1, max(0, len(lines) - 5), -1):
        if dated(i):
            names = signed_above(i)
            if names:
                return names, lines[i][2].strip()
            break
    for i in range(1, min(len(lines), 30)):
        if dated(i) and _FULL_DATE.fullmatch(arabic_dates(lines[i][2].strip())):
            names = signed_above(i)
            if names:
                return names, lines[i][2].strip()
    return [], ""


def _is_body_name(line: str) -> bool:
    """The whole line names one institution (甘肃省高级人民法院): one of several signing."""
    return any(f.start == 0 and f.end == len(line) for f in find_institutions(line, 0, len(line), Jurisdiction()))


def _expand_issuer(surface: str, juris: Jurisdiction) -> str:
    found = find_institutions(surface, 0, len(surface), juris)
    whole = [f for f in found if f.start == 0 and f.end == len(surface)]
    if whole:
        return whole[0].name
    if surface.endswith("委") and leading_region(surface)[1]:
        return surface if surface.startswith("中共") else "中共" + surface
    if surface in ("省委",) and juris.province:
        return "中共" + juris.province + "委"
    return surface


def _jurisdiction(result: Extraction, title: str, issuers: list[str]) -> str:
    gaz = gazetteer()
    sources = (title, *issuers)
    # Regions that open the title or an issuer first: an issuer's full name (南通市通州区人民政府)
    # settles a short one the title leaves ambiguous (通州区…方案, in Beijing and in Nantong).
    for source in sources:
        name = leading_region(re.sub(r"^\d{4}\s?年(?:度)?", "", source))[1]
        if name:
            return name
    for source in sources:
        # A region named inside the title (…关于印发陕西省…).
        for hit in gaz.lexicon.finditer(source):
            region = gaz.lookup(hit.key)
            if region:
                return region.name
    bare_title = re.sub(r"^(?:\d{4}年(?:度)?|“[^”]{2,6}”)", "", title)
    if any(i in _rules()["national_issuers"] for i in issuers) or bare_title.startswith(("国家", "全国", "中国")):
        return ""
    if any(phrase in result.doc.text for phrase in _rules()["national_scope"]):
        return ""  # …31个省(自治区、直辖市)和新疆生产建设兵团: about every province, not the one it names
    votes = Counter(m.name for m in result.of_kind("region") if m.subtype in ("province", "city", "district"))
    return votes.most_common(1)[0][0] if votes else ""


def _level(jurisdiction: str, issuers: tuple[str, ...]) -> str:
    region = gazetteer().get(jurisdiction)
    if region is None:
        return "national"
    return {"province": "province", "city": "city", "district": "district", "zone": "district"}[region.level]


def _genre(title: str, text: str) -> str:
    if "关于" not in title and re.search(_rules()["headline_verbs"], title):
        return "新闻报道"  # 江苏印发…通知: a report that a notice was issued, not the notice
    for word, genre in _rules()["genres"]:
        if title.endswith(word) or re.search(rf"{word}(?:\(.*\))?$", title):
            return genre
    head = text[:400]
    if any(marker in head or marker in text[-300:] for marker in _rules()["news_markers"]):
        return "新闻报道"
    if "特此通知" in text:
        return "通知"  # a notice whose title the text does not give
    if re.search(_rules()["news_lede"], text[:600]):
        return "新闻报道"  # 4月28日,…召开 / 近日,…: a report's first words
    for word, genre in _rules()["genres"]:
        if word in title:
            return genre
    return "其他"


def _date(text: str, lines: list[tuple[int, int, str]], doc_number: str, signed: str) -> str:
    def fmt(m: re.Match[str]) -> str:
        parts = [int(g) for g in m.groups()]
        if len(parts) == 3 and 1 <= parts[1] <= 12 and 1 <= parts[2] <= 31:
            return f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}"
        if len(parts) >= 2 and 1 <= parts[1] <= 12:
            return f"{parts[0]:04d}-{parts[1]:02d}"
        return ""

    text = arabic_dates(text)
    lines = [(s, e, arabic_dates(line)) for s, e, line in lines]

    def labelled(labels: list[str]) -> str:
        m = re.search(rf"(?:{'|'.join(labels)})\s?[:：]\s?", text[:2000])
        if m:
            rest = text[m.end():m.end() + 20]
            d = _FULL_DATE.match(rest) or _MONTH.match(rest)
            if d and fmt(d):
                return fmt(d)
        return ""

    # The date a document was signed (成文日期, the line under its signature) before the day
    # a website published it (发布日期).
    if found := labelled(_rules()["signed_date_labels"]):
        return found
    signed = arabic_dates(signed)
    d = _FULL_DATE.fullmatch(signed) or _MONTH.fullmatch(signed)
    if d and fmt(d):
        return fmt(d)
    if found := labelled(_rules()["date_labels"]):
        return found
    # A closing date under the signature, then a short dated line near the top.
    for _s, _e, line in reversed(lines[-4:]):
        line = line.strip()
        d = _FULL_DATE.fullmatch(line) or _MONTH.fullmatch(line)
        if d and fmt(d):
            return fmt(d)
    for _s, _e, line in lines[:6]:
        if len(line.strip()) <= 45:
            d = _FULL_DATE.search(line)
            if d and fmt(d):
                return fmt(d)
    m = re.search(r"((?:19|20)\d{2})\s?年\s?(\d{1,2})\s?月(?:(\d{1,2})日)?[,，]?[^。]{0,30}?(?:印发|发布|出台)", text[:1500])
    if m:
        parts = [g for g in m.groups() if g]
        return "-".join([parts[0]] + [f"{int(p):02d}" for p in parts[1:]])
    if doc_number:
        y = _DOC_NUMBER.search(doc_number)
        if y:
            return y.group(1)
    return ""


def region_mentions(result: Extraction) -> list[Mention]:
    """The region mentions (a convenience for other extractors)."""
    return result.of_kind("region")
