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
from collections.abc import Iterable
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


def build_cuts(words: Iterable[str]) -> Lexicon:
    """A lexicon of words after which a name starts."""
    lex = Lexicon()
    for w in words:
        lex.add(w, True)
    return lex


def find_names(text: str, start: int, end: int, heads: Lexicon, cuts: Lexicon, *,
               strip_prefixes: Iterable[str] = (), max_gap: int = 12, max_len: int = 40,
               trailing_paren: bool = True) -> list[Span]:
    """Candidate names in `text[start:end]` (one sentence or clause)."""
    hits = list(heads.finditer(text, start, end))
    spans: list[Span] = []
    i = 0
    while i < len(hits):
        chain = [hits[i]]
        extend = _with_paren if trailing_paren else (lambda _t, pos, _e: pos)
        head_end = extend(text, hits[i].end, end)
        j = i + 1
        while j < len(hits):
            gap = text[head_end:hits[j].start]
            if len(gap) > max_gap or any(c in BOUNDARY for c in gap) or _has_cut(gap, cuts):
                break
            chain.append(hits[j])
            head_end = extend(text, hits[j].end, end)
            j += 1
        first = chain[0]
        left = _left_boundary(text, start, first.start)
        name_start = _after_last_cut(text, left, first.start, cuts)
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
                if c in "(“":
                    i -= 1
                    continue
                break
            depth -= 1
        elif c in BOUNDARY and depth == 0:
            break
        i -= 1
    return i


def _has_cut(gap: str, cuts: Lexicon) -> bool:
    return any(True for _ in cuts.finditer(gap))


def _after_last_cut(text: str, left: int, pos: int, cuts: Lexicon) -> int:
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
            for length in cuts._lengths:  # noqa: SLF001 - a hot loop; same module family
                if i + length <= pos and text[i:i + length] in cuts:
                    start = i + length
                    break
        i += 1
    return start


def _strip_prefixes(text: str, start: int, limit: int, prefixes: Iterable[str]) -> int:
    changed = True
    while changed:
        changed = False
        for p in prefixes:
            if text.startswith(p, start) and start + len(p) < limit:
                start += len(p)
                changed = True
    return start


def _closes_inside(text: str, pos: int, end: int) -> bool:
    closer = {"“": "”", "(": ")"}[text[pos]]
    return closer in text[pos + 1:end]


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
