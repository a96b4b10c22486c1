"""Measures: actionable sentences, the institutions that serve them, and the units responsible.

A responsibility note closing a run of sentences (〔规划协调处，各设区市…按职责负责落实〕)
applies to every measure since the previous note in the same paragraph; a
note inside a sentence（市场监管总局、知识产权局负责）applies to that sentence.
"""

from __future__ import annotations

import bisect
import re
from functools import cache

from graph.extract.institutions import Jurisdiction, parse_units
from graph.lexicon import load
from graph.model import Extraction, Measure, Mention


@cache
def _rules() -> dict:
    return load("measures.json")


def extract(result: Extraction) -> None:
    """Fill `result.measures` and add the institutions named in responsibility notes."""
    rules = _rules()
    note_re = re.compile(rules["note_pattern"])
    inline_re = re.compile(rules["inline_note_pattern"])
    verbs = rules["action_verbs"]
    seg = result.segmented
    text = result.doc.text
    juris = Jurisdiction.of(result.metadata)
    # Sorted by start, so each clause finds its mentions by bisection, not by a scan of all.
    institutions = sorted(result.of_kind("institution"), key=lambda m: m.start)
    references = sorted((m for m in result.mentions if m.kind in ("policy", "program", "event")),
                        key=lambda m: m.start)
    inst_starts = [m.start for m in institutions]
    ref_starts = [m.start for m in references]
    measures: list[Measure] = []
    pending: list[int] = []  # measures since the last note, in the current paragraph
    paragraph = -1
    title = result.metadata.title_span
    title_paragraph = next((i for i, (a, b) in enumerate(seg.paragraphs)
                            if title and a <= title[0] < b and b - a < 80), -1)
    for sentence in seg.sentences:
        if sentence.paragraph == title_paragraph:
            continue  # the document's own title line says what it is, not what will be done
        if sentence.paragraph != paragraph:
            paragraph, pending = sentence.paragraph, []
        note = note_re.match(sentence.text)
        if note:
            group = "units" if note.group("units") else "units2"
            units = parse_units(_clean_units(note.group(group)), sentence.start + note.start(group), juris)
            result.mentions.extend(units)
            for index in pending:
                m = measures[index]
                measures[index] = Measure(m.start, m.end, m.text, m.served_by, tuple(units), m.refers_to, m.section)
            pending = []
            continue
        section = seg.sections[sentence.section] if sentence.section >= 0 else None
        if section and section.level == 1 and section.start == sentence.start and \
                seg.paragraphs[sentence.paragraph][1] == sentence.end:
            continue  # a bare level-1 heading line
        if len(sentence.text) < rules["min_length"] or not any(v in sentence.text for v in verbs):
            continue
        responsible: tuple[Mention, ...] = ()
        inline = inline_re.search(sentence.text)
        if inline:
            responsible = tuple(parse_units(_clean_units(inline.group("units")),
                                            sentence.start + inline.start("units"), juris))
            result.mentions.extend(responsible)
        limit = sentence.start + inline.start() if inline else sentence.end
        for start, end in action_clauses(text, sentence.start, limit, verbs):
            served = tuple(m for m in _within(institutions, inst_starts, start, end) if m.subtype != "InternalUnit")
            refers = tuple(_within(references, ref_starts, start, end))
            measures.append(Measure(start, end, text[start:end], served, responsible, refers,
                                    section.heading if section else ""))
            if not inline:
                pending.append(len(measures) - 1)
    result.measures = measures


def _within(mentions: list[Mention], starts: list[int], start: int, end: int) -> list[Mention]:
    i = bisect.bisect_left(starts, start)
    out = []
    while i < len(mentions) and starts[i] < end:
        if mentions[i].end <= end:
            out.append(mentions[i])
        i += 1
    return out


def action_clauses(text: str, start: int, end: int, verbs: list[str]) -> list[tuple[int, int]]:
    """Split a sentence where a comma opens a new action (加快…建设，推动…建设 → two measures).

    A clause that does not open with a verb (在…方面取得突破) stays with the one before it.
    """
    cuts = [start]
    depth = 0
    for i in range(start, end):
        c = text[i]
        if c in "(“《〔【":
            depth += 1
        elif c in ")”》〕】":
            depth = max(0, depth - 1)
        elif c in "，," and depth == 0:
            nxt = re.sub(r"^(?:积极|大力|进一步|持续|继续|全面|深入|着力|加快|切实|努力|主动|重点|不断|逐步|同时|并)", "",
                         text[i + 1:i + 12])
            if any(nxt.startswith(v) for v in verbs) and any(v in text[cuts[-1]:i] for v in verbs):
                cuts.append(i + 1)
    spans = []
    for a, b in zip(cuts, [*cuts[1:], end], strict=True):
        b2 = b
        while b2 > a and text[b2 - 1] in "，,。；;！？!? ":
            b2 -= 1
        if b2 > a:
            spans.append((a, b2))
    return spans


def _clean_units(units: str) -> str:
    return re.sub(r"(?:按职责|分别)$", "", units.strip())
