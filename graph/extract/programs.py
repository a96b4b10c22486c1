"""Programmes (工程, 行动, 专项整治, 项目) and events (大赛, 论坛, 宣传周, 知识产权日)."""

from __future__ import annotations

import dataclasses
import re
from functools import cache

from graph.extract.names import build_cuts, build_heads, find_names, strip_leading_cuts
from graph.lexicon import Lexicon, load
from graph.model import Extraction, Mention
from graph.spans import SpanIndex

_COUNT_ORDINAL = re.compile(r"第[\d一二三四五六七八九十百]+个")


@cache
def _rules() -> dict:
    return load("programs.json")


@cache
def _heads(kind: str) -> Lexicon:
    return build_heads({kind: _rules()[f"{kind}_heads"]})


@cache
def _cuts() -> Lexicon:
    rules = load("institutions.json")
    removed = set(_rules()["removed_cuts"])
    words = [w for w in [*rules["cut_words"], *_rules()["extra_cut_words"]] if w not in removed]
    return build_cuts(words, rules["cut_exceptions"])


def extract_programs(result: Extraction) -> None:
    """Add a `program` mention for each named programme."""
    _extract(result, "program")


def extract_events(result: Extraction) -> None:
    """Add an `event` mention for each named event."""
    _extract(result, "event")


def _extract(result: Extraction, kind: str) -> None:
    text = result.doc.text
    rules = _rules()
    minimum = rules["min_length"][kind]
    # Policies own their titles (a 《…计划》 is no programme) and institutions their names;
    # events may sit inside a title (《…第十四届全国运动会知识产权保护规定》).
    owners = ("institution", "event", "program") if kind == "event" else ("policy", "institution", "event", "program")
    taken = SpanIndex((m.start, m.end) for m in result.mentions if m.kind in owners)
    for sentence in result.segmented.sentences:
        for span in find_names(text, sentence.start, sentence.end, _heads(kind), _cuts(),
                               strip_prefixes=load("institutions.json")["strip_prefixes"], trailing_paren=False,
                               frames=True, head_breaks=load("institutions.json")["head_breaks"]):
            name = text[span.start:span.end]
            ordinal = _COUNT_ORDINAL.match(name) if kind == "event" else None
            if ordinal:
                # 第22个世界知识产权日: the day is the event; 第十四届全国运动会 keeps its 届.
                span = dataclasses.replace(span, start=span.start + ordinal.end())
                name = name[ordinal.end():]
            if len(name.strip("“”")) < minimum or name in rules["not_names"]:
                continue
            # 研发项目, 省重大项目: a generic head needs a long, specific name to be a programme.
            if len(name) < rules["generic_heads"].get(span.head, 0) and "“" not in name:
                continue
            if taken.covers(span.start, span.end):
                continue
            if text.startswith(tuple(rules["continuations"]), span.end):
                continue  # 示范、试点高校: the head word is a modifier here
            if kind == "program" and re.search(r"[一二三四五六七八九十两\d]+[项大个]" + re.escape(span.head) + "$", name):
                result.mentions.extend(_enumerated(text, span.start, span.end, span.head))
                continue
            result.mentions.append(Mention(kind, name, span.start, span.end, name.replace("”“", "”、“")))
            if kind == "event" and span.start > 0 and text[span.start - 1] == "、":
                result.mentions.extend(_shared_head(text, sentence.start, span.start - 1, span.head))


def _shared_head(text: str, floor: int, end: int, head: str) -> list[Mention]:
    """参加我喜爱的湖北品牌、十佳地理标志评选活动: the first item shares the second's head."""
    start = end
    while start > floor and text[start - 1] not in "、，,;；:：。(（":
        start -= 1
    start = strip_leading_cuts(text, start, end, _cuts())
    item = text[start:end]
    if not 2 <= len(item) <= 12 or any(True for _ in _heads("event").finditer(item)):
        return []
    return [Mention("event", item, start, end, item + head)]


def _enumerated(text: str, start: int, end: int, head: str) -> list[Mention]:
    """实施制造业品牌提升、农产品品牌转化、服务业品牌示范三项行动 → one programme per item."""
    m = re.search(r"((?:[\u4e00-\u9fff“”]{2,16}、)+[\u4e00-\u9fff“”]{2,16})[一二三四五六七八九十两\d]+[项大个]"
                  + re.escape(head) + "$", text[max(0, start - 80):end])
    if not m:
        return []
    base = max(0, start - 80)
    out = []
    pos = base + m.start(1)
    for item in m.group(1).split("、"):
        s = strip_leading_cuts(text, pos, pos + len(item), _cuts())
        name = text[s:pos + len(item)] + head
        if len(name) >= 4:
            out.append(Mention("program", text[s:pos + len(item)], s, pos + len(item), name))
        pos += len(item) + 1
    return out
