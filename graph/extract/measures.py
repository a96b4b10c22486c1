"""Measures: actionable sentences, the institutions that serve them, and the units responsible.

A responsibility note closing a run of sentences (〔规划协调处，各设区市…按职责负责落实〕)
applies to every measure since the previous note in the same paragraph; a
note inside a sentence（市场监管总局、知识产权局负责）applies to that sentence.
"""

from __future__ import annotations

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
    institutions = result.of_kind("institution")
    references = [m for m in result.mentions if m.kind in ("policy", "program", "event")]
    measures: list[Measure] = []
    pending: list[int] = []  # measures since the last note, in the current paragraph
    paragraph = -1
    for sentence in seg.sentences:
        if sentence.paragraph != paragraph:
            paragraph, pending = sentence.paragraph, []
        note = note_re.match(sentence.text)
        if note:
            units = parse_units(_clean_units(note.group("units")), sentence.start + note.start("units"), juris)
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
        served = tuple(m for m in institutions if sentence.start <= m.start and m.end <= sentence.end
                       and m.subtype != "InternalUnit")
        responsible: tuple[Mention, ...] = ()
        inline = inline_re.search(sentence.text)
        if inline:
            responsible = tuple(parse_units(_clean_units(inline.group("units")),
                                            sentence.start + inline.start("units"), juris))
            result.mentions.extend(responsible)
            served = tuple(m for m in served if not (sentence.start + inline.start() <= m.start))
        refers = tuple(m for m in references if sentence.start <= m.start and m.end <= sentence.end)
        measures.append(Measure(sentence.start, sentence.end, sentence.text, served, responsible, refers,
                                section.heading if section else ""))
        if not inline:
            pending.append(len(measures) - 1)
    result.measures = measures
    del text


def _clean_units(units: str) -> str:
    return re.sub(r"(?:按职责|分别)$", "", units.strip())
