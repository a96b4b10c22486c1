"""Policies: titles in 《》, bare titles (山东省“十四五”地理标志发展规划), laws, and defined short forms."""

from __future__ import annotations

import re
from functools import cache

from graph.extract.names import leading_region
from graph.lexicon import Lexicon, load
from graph.model import Extraction, Mention
from graph.spans import SpanIndex

_YEAR_LED = re.compile(r"20\d{2}(?:—20\d{2})?年(?:度)?(?=[\u4e00-\u9fff“])")
_BRACKETED = re.compile(r"《([^《》]{2,80}(?:《[^《》]{1,60}》[^《》]{0,40})*)》")


@cache
def _rules() -> dict:
    return load("policies.json")


@cache
def _laws() -> Lexicon:
    lex = Lexicon()
    for law in _rules()["laws"]:
        for surface in (law["name"], *law["aliases"]):
            lex.add(surface, law["name"])
    return lex


@cache
def _law_names() -> dict[str, str]:
    """Each short form of a law (著作权法) → its full name (中华人民共和国著作权法)."""
    return {surface: law["name"] for law in _rules()["laws"] for surface in law["aliases"]}


def clean_title(title: str) -> str:
    """Canonical form of a title: no spaces, 《》 only where nested."""
    title = re.sub(r"\s+", "", title)
    # Strip quotes that wrap the whole title, not one that opens it (“十四五”国家…规划).
    while len(title) > 2 and title[0] in "“\"" and title[-1] in "”\"" and title.count("“") == 1:
        title = title[1:-1]
    return title


def extract(result: Extraction) -> None:
    """Add a `policy` mention for every policy the text cites."""
    text = result.doc.text
    rules = _rules()
    aliases: dict[str, str] = {}
    found: list[Mention] = []
    title_span = result.metadata.title_span
    for m in _BRACKETED.finditer(text):
        title = clean_title(m.group(1))
        if len(title) < 4 and title not in aliases:
            continue
        after = text[m.end():m.end() + 30]
        alias = re.match(r"[(（]\s?(?:" + "|".join(rules["alias_markers"]) + r")\s?[《“\"]?([^》”\")）]{1,20})[》”\"]?[)）]", after)
        if alias:
            aliases[alias.group(1)] = title
        found.append(Mention("policy", m.group(0), m.start(), m.end(), _law_names().get(title, title)))
        ext = next((h for h in rules["extension_heads"] if after.startswith(h)), None)
        if ext:
            # 贯彻落实《…指导意见》实施方案: a policy built on another.
            start = _clause_start(text, m.start())
            found.append(Mention("policy", text[start:m.end() + len(ext)], start, m.end() + len(ext),
                                 clean_title(text[start:m.end() + len(ext)])))
    # Short forms defined above resolve to the full title wherever they recur.
    resolved = []
    for mention in found:
        target = aliases.get(mention.name)
        if target and target != mention.name:
            mention = Mention("policy", mention.surface, mention.start, mention.end, target)
        resolved.append(mention)
    found = resolved
    taken = SpanIndex((m.start, m.end) for m in found)
    for hit in _laws().finditer(text):
        if not _inside(hit.start, hit.end, taken) and not _word_continues(text, hit.start, hit.end):
            found.append(Mention("policy", hit.key, hit.start, hit.end, hit.values[0]))
    taken = SpanIndex((m.start, m.end) for m in found)
    province = _province_of(result.metadata.jurisdiction)
    for start, end in _bare_titles(text, abbreviated=bool(province)):
        if not _inside(start, end, taken) and (title_span is None or (start, end) != tuple(title_span)):
            name = clean_title(text[start:end])
            if name.startswith("省") and province:
                name = province + name[1:]  # 省专利奖励办法 in a Shandong text
            found.append(Mention("policy", text[start:end], start, end, name))
    title = result.metadata.title
    if title and result.metadata.genre not in ("新闻报道", "其他"):
        for word in rules["self_reference"]:
            for m in re.finditer(word, text):
                found.append(Mention("policy", word, m.start(), m.end(), clean_title(title)))
    result.policy_aliases = aliases
    result.mentions.extend(sorted(found, key=lambda m: m.start))


def _inside(start: int, end: int, spans: SpanIndex) -> bool:
    return spans.overlaps(start, end) or spans.covers(start, end)


def _word_continues(text: str, start: int, end: int) -> bool:
    # 专利法 in 专利法律 or 专利法治 is not the Patent Law.
    return end < len(text) and text[end] in "律治规官院庭务学"


def _clause_start(text: str, pos: int) -> int:
    i = pos
    while i > 0 and text[i - 1] not in "，。、；：！？,;:!?\n":
        i -= 1
    m = re.match(r"(?:制定|出台|印发|编制|研究|起草|全省|全市|我省|我市)+", text[i:pos])
    return i + (m.end() if m else 0)


@cache
def _bare_pattern() -> re.Pattern[str]:
    rules = _rules()
    heads = "|".join(sorted(map(re.escape, rules["heads"]), key=len, reverse=True))
    return re.compile(rf"[^，。、；：！？,;:!?《》\n]{{4,60}}?(?:{heads})(?![\u4e00-\u9fff])")


def _province_of(region: str) -> str:
    from graph.regions import gazetteer

    return gazetteer().province_of(region) if region else ""


def _bare_titles(text: str, abbreviated: bool = False) -> list[tuple[int, int]]:
    """Bare titles: a clause that opens with a region or national marker and ends in a policy head."""
    rules = _rules()
    out = []
    for m in _bare_pattern().finditer(text):
        s, e = m.span()
        chunk = text[s:e]
        # The title starts at the region or opener nearest its head.
        best = None
        for i in range(len(chunk) - 3):
            rest = chunk[i:]
            if leading_region(rest)[1] or rest.startswith(tuple(rules["openers"])) or _YEAR_LED.match(rest) \
                    or (abbreviated and rest[0] == "省" and rest[1:2] not in ("级", "内", "外", "委", "政")):
                best = i
                break
        if best is None:
            continue
        title = chunk[best:]
        if text.endswith(tuple(rules["content_verbs"]), 0, s + best):
            continue  # 明确2021—2022年度重点任务和工作措施: what a text sets out, not a document's name
        # A title names a document, not an activity: no verbs or clauses inside.
        if re.search(r"(?:推进|推动|加强|实施|开展|建设|完成|落实|提出|贯彻|围绕|做好)", title[:-2]):
            continue
        paren = re.match(r"\([^()]{4,20}年度?\)", text[e:e + 24])
        if paren:
            e += paren.end()
        if len(title) >= 6:
            out.append((s + best, e))
    return out
