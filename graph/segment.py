"""Segment: sections (一、 (一) 1. —— ●), paragraphs and sentences.

Sentences end at 。！？； (and their ASCII forms) or a line break, but never
inside 《》, “” or brackets, so a cited title or a bracketed note stays whole.
"""

from __future__ import annotations

import re

from graph.model import NormalisedDocument, Section, Segmented, Sentence

# (level, pattern) — the marker at the start of a line; order matters.
_HEADINGS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(r"第[一二三四五六七八九十百]+[章编]")),
    (1, re.compile(r"[一二三四五六七八九十]+、")),
    (2, re.compile(r"[(（][一二三四五六七八九十]+[)）]")),
    (3, re.compile(r"\d{1,2}[、.．](?!\d)")),
    (3, re.compile(r"[(（]\d{1,2}[)）]")),
    (3, re.compile(r"第[一二三四五六七八九十百]+条")),
    (4, re.compile(r"——|●|•|■|◆|▲")),
)
_ENDERS = set("。！？；!?;")
_OPEN = {"《": "》", "“": "”", "(": ")", "（": "）", "〔": "〕", "[": "]", "【": "】", "「": "」", "〈": "〉"}
_CLOSE = {v: k for k, v in _OPEN.items()}


def heading_marker(line: str) -> tuple[int, str] | None:
    """The (level, marker) a line starts with, if it starts a section."""
    for level, pattern in _HEADINGS:
        m = pattern.match(line)
        if m:
            return level, m.group(0)
    return None


def segment(doc: NormalisedDocument) -> Segmented:
    """Cut a normalised document into sections, paragraphs and sentences."""
    text = doc.text
    paragraphs: list[tuple[int, int]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\n")
        if stripped.strip():
            paragraphs.append((pos, pos + len(stripped)))
        pos += len(line)

    sections: list[Section] = []
    section_of_paragraph: list[int] = []
    stack: list[int] = []  # indices into `sections` of the open headings by level
    for p_start, p_end in paragraphs:
        line = text[p_start:p_end]
        found = heading_marker(line)
        if found:
            level, marker = found
            heading = _first_sentence(line)
            while stack and sections[stack[-1]].level >= level:
                _close(sections, stack.pop(), p_start)
            sections.append(Section(level=level, marker=marker, heading=heading, start=p_start, end=len(text)))
            stack.append(len(sections) - 1)
        section_of_paragraph.append(stack[-1] if stack else -1)

    sentences: list[Sentence] = []
    for index, (p_start, p_end) in enumerate(paragraphs):
        for s, e in split_sentences(text, p_start, p_end):
            sentences.append(Sentence(start=s, end=e, text=text[s:e], paragraph=index,
                                      section=section_of_paragraph[index]))
    return Segmented(doc=doc, sections=tuple(sections), paragraphs=tuple(paragraphs),
                     sentences=tuple(sentences))


def _close(sections: list[Section], index: int, end: int) -> None:
    s = sections[index]
    sections[index] = Section(level=s.level, marker=s.marker, heading=s.heading, start=s.start, end=end)


def _first_sentence(line: str) -> str:
    for i, c in enumerate(line):
        if c in _ENDERS or c == "。":
            return line[:i]
    return line


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside `text[start:end]`, trimmed of surrounding space."""
    spans: list[tuple[int, int]] = []
    depth: list[str] = []
    s = start
    for i in range(start, end):
        c = text[i]
        if c in _OPEN and not (c == "“" and depth and depth[-1] == "”"):
            depth.append(_OPEN[c])
        elif depth and c == depth[-1]:
            depth.pop()
        elif c in _CLOSE and depth and _CLOSE[c] in _OPEN:
            # An unbalanced closer: recover rather than swallow the rest of the paragraph.
            if c in depth:
                while depth and depth.pop() != c:
                    pass
        if c in _ENDERS and not depth:
            spans.append((s, i + 1))
            s = i + 1
        elif len(depth) > 3 or (depth and i - s > 400):
            depth.clear()  # runaway bracket in messy input
    if s < end:
        spans.append((s, end))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


_SUMMARY_TITLE = re.compile(r"(?:工作总结|年度总结|工作回顾)$")
_PLAN_TITLE = re.compile(r"(?:要点|方案|计划|规划|纲要|指引|意见|安排|思路)$")


def retrospective_paragraphs(segmented: Segmented, text: str) -> set[int]:
    """Paragraphs under a title line of a work summary (…2022年工作总结), until a plan's title.

    A notice may send last year's summary with this year's work points: what the summary
    reports was done, so it holds neither measures nor targets.
    """
    out: set[int] = set()
    inside = False
    for i, (a, b) in enumerate(segmented.paragraphs):
        line = text[a:b].strip()
        if len(line) <= 40 and not re.search("[。，,；;]", line):
            if _SUMMARY_TITLE.search(line):
                inside = True
                continue
            if _PLAN_TITLE.search(line):
                inside = False
        if inside:
            out.add(i)
    return out
