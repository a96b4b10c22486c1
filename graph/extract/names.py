"""Shared morphology for names that end in a head noun (institutions, programmes, events).

A Chinese organisation or programme name is a run of modifiers closed by a
head that says what kind of thing it is (…保护中心, …工程, …论坛). We find
heads with a lexicon, chain heads that follow each other without a break
(国家知识产权局专利局), then walk left to the clause boundary and cut after
the rightmost verb or function word, so 推进陕西省知识产权保护中心建设 gives
陕西省知识产权保护中心.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from graph.lexicon import Lexicon
from graph.regions import gazetteer

BOUNDARY = set("，。、；：！？,;:!?《》\n\t 〔〕【】")
_OPEN, _CLOSE = "(“《〔【", ")”》〕】"
_TRAILING_PAREN = re.compile(r"\(([^()，。,;；、]{1,12})\)")


@dataclass(frozen=True)
class Span:
    """A candidate name `[start, end)` whose last head is `head` of class `cls`."""

    start: int
    end: int
    head: str
    cls: str
    heads: tuple[tuple[int, int, str], ...]  # every head in the chain: start, end, class


def build_heads(table: dict[str, Iterable[str]]) -> Lexicon:
    """A lexicon from head strings to their class name."""
    lex = Lexicon()
    for cls, heads in table.items():
        for head in heads:
            lex.add(head, cls)
    return lex


def build_cuts(words: Iterable[str], exceptions: dict | None = None) -> Lexicon:
    """A lexicon of words after which a name starts.

    `exceptions[word]` lists the neighbours ("before"/"after") with which the
    word belongs to a name instead (强省建设工作领导小组, 战略实施暨…).
    """
    lex = Lexicon()
    exceptions = exceptions or {}
    for w in words:
        lex.add(w, exceptions.get(w, {}))
    return lex


#: Nouns that end a name of their own: 龙头企业和行业协会 is two things.
COORDINATION_BLOCKERS: tuple[str, ...] = ()


def _is_cut(text: str, i: int, word: str, rule: dict, head_start: int | None = None) -> bool:
    if any(text.endswith(b, 0, i) for b in rule.get("before", ())):
        return False
    if any(text.startswith(a, i + len(word)) for a in rule.get("after", ())):
        return False
    # 交易和服务平台, 检索与分析系统: a modifier pair just before the head, not two names;
    # after a head (保护中心和快速维权中心) or a noun (龙头企业和行业协会) it joins two names.
    modifier_pair = (word in "和与及" and head_start is not None and head_start - (i + 1) <= 2
                     and text[i - 1:i] not in _HEAD_ENDINGS and not text.endswith(COORDINATION_BLOCKERS, 0, i))
    return not modifier_pair


_HEAD_ENDINGS = set("台心站地区盟会所院库局处统港窗点纽庭厅部委校坛赛周日展班试程动目划")


def find_names(text: str, start: int, end: int, heads: Lexicon, cuts: Lexicon, *,
               strip_prefixes: Iterable[str] = (), max_gap: int = 12, max_len: int = 40,
               trailing_paren: bool = True, frames: bool = False,
               head_breaks: Mapping[str, Sequence[str]] | None = None) -> list[Span]:
    """Candidate names in `text[start:end]` (one sentence or clause).

    ``head_breaks[head]`` lists what, right after the head, makes it part of another
    word (大学 in 大学生): such a hit ends no name.
    """
    breaks = head_breaks or {}
    hits = [h for h in heads.finditer(text, start, end) if not text.startswith(tuple(breaks.get(h.key, ())), h.end)]
    spans: list[Span] = []
    floor = start  # where the next name may start at the earliest
    i = 0
    while i < len(hits):
        chain = [hits[i]]
        extend = _with_paren if trailing_paren else (lambda _t, pos, _e: pos)
        head_end = extend(text, hits[i].end, end)
        next_floor = start
        j = i + 1
        while j < len(hits):
            gap = text[head_end:hits[j].start]
            if _opens_with_full_region(gap):
                next_floor = head_end  # 重庆市知识产权局|重庆市财政局: two names, back to back
                break
            if len(gap) > max_gap or any(c in BOUNDARY for c in gap) or _has_cut(gap, cuts) \
                    or hits[j].start < head_end or gap.count("(") > gap.count(")") or "等" in gap:
                break
            chain.append(hits[j])
            head_end = extend(text, hits[j].end, end)
            j += 1
        first = chain[0]
        left = max(_left_boundary(text, start, first.start), min(floor, first.start))
        floor = next_floor
        name_start = _after_last_cut(text, left, first.start, cuts, frames)
        name_start = _strip_prefixes(text, name_start, first.start, strip_prefixes)
        while name_start < first.start and text[name_start] in "“”\"'(":
            if text[name_start] in "“(" and _closes_inside(text, name_start, head_end):
                break
            name_start += 1
        # A name quoted up to its head (“春笋行动”) takes its closing quote.
        if text.count("“", name_start, head_end) > text.count("”", name_start, head_end) \
                and head_end < end and text[head_end] == "”":
            head_end += 1
        if head_end - name_start <= max_len:
            spans.append(Span(name_start, head_end, chain[-1].key, chain[-1].values[0],
                              tuple((h.start, h.end, h.values[0]) for h in chain)))
        i = j
    return spans


def _with_paren(text: str, pos: int, end: int) -> int:
    """Extend a head over a short trailing parenthesis: 平台(西安), 中心(TISC)."""
    m = _TRAILING_PAREN.match(text, pos, end)
    if m and not m.group(1).startswith(("以下简称", "简称", "下称")):
        return m.end()
    return pos


def _left_boundary(text: str, floor: int, pos: int) -> int:
    depth = 0
    i = pos
    while i > floor:
        c = text[i - 1]
        if c in _CLOSE:
            depth += 1
        elif c in _OPEN:
            if depth == 0:
                # Inside quotes the name goes on (“陕西省…联盟”); an unclosed bracket
                # means the head sits in a parenthetical, which the name does not leave.
                if c == "“":
                    i -= 1
                    continue
                break
            depth -= 1
        elif c in BOUNDARY and depth == 0:
            break
        i -= 1
    return i


def _has_cut(gap: str, cuts: Lexicon) -> bool:
    return any(_is_cut(gap, h.start, h.key, h.values[0]) for h in cuts.finditer(gap))


def _after_last_cut(text: str, left: int, pos: int, cuts: Lexicon, frames: bool = False) -> int:
    """The name starts after the rightmost cut word outside brackets and quotes."""
    start = left
    depth = 0
    i = left
    while i < pos:
        c = text[i]
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth = max(0, depth - 1)
        if depth == 0:
            for length in cuts.lengths_from(c):
                word = text[i:i + length]
                if i + length <= pos and word in cuts and _is_cut(text, i, word, cuts.get(word)[0], pos):
                    start = i + length
                    break
        i += 1
    if not frames:
        return start
    # 以信用为基础的分级分类监管试点: a 以…为…的 frame belongs to a programme's name.
    frame = re.search(r"以[^，。、；以]{1,12}为(?:基础|核心|导向|重点|主体|依托|纽带|目标)的$", text[left:start])
    if frame:
        start = left + frame.start()
    return start


# Counts and years (3个, 2023年), and the article a regulation's sentence opens with (第三条).
_COUNT = re.compile(r"(?:\d+|[一二三四五六七八九十两百]{1,3})(?:个|家|所|项|批)"
                    r"|(?:19|20)\d{2}年(?:度)?|第[一二三四五六七八九十百零〇\d]+条")


def strip_leading_cuts(text: str, start: int, end: int, cuts: Lexicon) -> int:
    """Skip cut words at the start of `text[start:end]` (实施制造业… → 制造业…)."""
    moved = True
    while moved and start < end:
        moved = False
        for length in cuts.lengths_from(text[start]):
            if start + length < end and text[start:start + length] in cuts:
                start += length
                moved = True
                break
    return start


def _strip_prefixes(text: str, start: int, limit: int, prefixes: Iterable[str]) -> int:
    changed = True
    while changed:
        changed = False
        count = _COUNT.match(text, start, limit)
        if count:
            start = count.end()
            changed = True
        for p in prefixes:
            if text.startswith(p, start) and start + len(p) <= limit:
                start += len(p)
                changed = True
    return start


def _closes_inside(text: str, pos: int, end: int) -> bool:
    closer = {"“": "”", "(": ")"}[text[pos]]
    return closer in text[pos + 1:end]


def _opens_with_full_region(gap: str) -> bool:
    """重庆市知识产权局|重庆市财政局: after a head, a region's full name (重庆市) starts another name."""
    if len(gap) < 3 or not any(c in "省市区县" for c in gap[2:12]):
        return False  # most gaps: no full region name can open them (checked before the lookup)
    surface, _ = leading_region(gap)
    return bool(surface) and surface[-1] in "省市区县" and len(surface) >= 3


def leading_region(name: str) -> tuple[str, str]:
    """(surface, region full name) of a region that opens `name`, or ("", "")."""
    gaz = gazetteer()
    for hit in gaz.lexicon.finditer(name, 0, min(len(name), 12)):
        if hit.start != 0:
            break
        region = gaz.lookup(hit.key)
        if region:
            return hit.key, region.name
        break
    m = re.match(r"中国\(([^()]{2,8})\)", name)
    if m:
        region = gaz.lookup(m.group(1))
        if region:
            return m.group(0), region.name
    return "", ""
