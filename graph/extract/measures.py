"""Measures: actionable sentences, the institutions that serve them, and the units responsible.

A responsibility note closing a run of sentences (〔规划协调处，各设区市…按职责负责落实〕,
责任单位：保护处) applies to every measure since the previous note in the same
paragraph, or, on a line of its own, to the item above it; a note inside a
sentence（市场监管总局、知识产权局负责）or（责任单位：条法司）applies to that sentence.
A notice speaking (现将…印发给你们), its addressees and past results (“十三五”期间…)
are not measures, and an item's number (（一）, (1), 3., 一是, 第五条, ●) is not part of its text.
"""

from __future__ import annotations

import bisect
import re
from functools import cache

from graph.extract.institutions import Jurisdiction, addressee_paragraphs, parse_units
from graph.lexicon import load
from graph.model import Extraction, Measure, Mention
from graph.segment import retrospective_paragraphs


@cache
def _rules() -> dict:
    return load("measures.json")


def extract(result: Extraction) -> None:
    """Fill `result.measures` and add the institutions named in responsibility notes."""
    rules = _rules()
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
    orphans: list[int] = []  # the previous paragraph's measures no note claimed
    claimed: list[int] = []  # the measures the last note went to, until a measure follows it
    paragraph = -1
    addressees = addressee_paragraphs(result)
    title = result.metadata.title_span
    title_paragraph = next((i for i, (a, b) in enumerate(seg.paragraphs)
                            if title and a <= title[0] < b and b - a < 80), -1)
    own_title = result.metadata.title
    retrospective = retrospective_paragraphs(seg, text)
    # The notice speaking (…研究制定了《…》。现印发你们,请…): every sentence of its paragraph.
    notice = {x.paragraph for x in seg.sentences if any(w in x.text for w in rules["notice_phrases"])}
    for sentence in seg.sentences:
        if sentence.paragraph in retrospective or sentence.paragraph in notice:
            continue  # last year's work summary reports what was done; the notice sends the document
        line = sentence.text.strip("《》。 ")
        if sentence.paragraph == title_paragraph or line == own_title or (
                len(line) >= 6 and (own_title.startswith(line) or own_title.endswith(line))):
            continue  # the document's own title line (or half of one) says what it is, not what will be done
        if re.search(rules["notice_title_pattern"], line):
            continue  # 区政府关于印发…的通知: the notice's title, not a measure
        if _signature_line(institutions, inst_starts, sentence.start, sentence.start + len(sentence.text.rstrip("。 "))):
            continue  # a signature line: one institution's name, or several side by side
        opens_paragraph = sentence.paragraph != paragraph
        if opens_paragraph:
            paragraph, orphans, pending = sentence.paragraph, pending, []
        note = _standalone_note(sentence.text)
        if note:
            units_text, offset = note
            units = parse_units(units_text, sentence.start + offset, juris)
            result.mentions.extend(units)
            # A note on a line of its own (责任单位：…) closes the item above it; a second
            # note in a row (牵头单位：…；配合单位：…) adds to the measures the first one took.
            target = pending or (orphans if opens_paragraph else []) or claimed
            for index in target:
                m = measures[index]
                measures[index] = Measure(m.start, m.end, m.text, m.served_by, m.responsible + tuple(units),
                                          m.refers_to, m.section)
            claimed, pending, orphans = target, [], []
            continue
        section = seg.sections[sentence.section] if sentence.section >= 0 else None
        if section and section.level == 1 and section.start == sentence.start and \
                seg.paragraphs[sentence.paragraph][1] == sentence.end:
            continue  # a bare level-1 heading line
        if len(sentence.text) < rules["min_length"] or not any(v in sentence.text for v in verbs):
            continue
        if any(w in sentence.text for w in rules["not_measures"]) or sentence.paragraph in addressees:
            continue  # 请认真贯彻, 特此通知 and 各省、自治区…: the notice speaking, not a measure
        if any(w in sentence.text for w in rules["past_markers"]):
            continue  # “十三五”期间…建成: a past result, not something the document will do
        responsible: tuple[Mention, ...] = ()
        inline = _inline_note(sentence.text)
        if inline:
            units_text, offset, _ = inline
            responsible = tuple(parse_units(units_text, sentence.start + offset, juris))
            result.mentions.extend(responsible)
        limit = sentence.start + inline[2] if inline else sentence.end
        marker = _LIST_MARKER.match(sentence.text)  # (一) or 3. numbers the item; it is not said
        for start, end in action_clauses(text, sentence.start + (marker.end() if marker else 0), limit, verbs):
            served = tuple(m for m in _within(institutions, inst_starts, start, end) if m.subtype != "InternalUnit")
            refers = tuple(_within(references, ref_starts, start, end))
            measures.append(Measure(start, end, text[start:end], served, responsible, refers,
                                    section.heading if section else ""))
            claimed = []
            if not inline:
                pending.append(len(measures) - 1)
    result.measures = measures


def _signature_line(institutions: list[Mention], starts: list[int], start: int, end: int) -> bool:
    """`[start, end)` is tiled by institution names (四川省知识产权服务促进中心四川省财政厅)."""
    pos = start
    i = bisect.bisect_left(starts, start)
    while i < len(institutions) and institutions[i].start == pos:
        pos = institutions[i].end
        if pos >= end:
            return True
        i = bisect.bisect_left(starts, pos, i + 1)
    return False


_LIST_MARKER = re.compile(r"(?:[(（](?:[一二三四五六七八九十]+|\d{1,2})[)）]|[一二三四五六七八九十]+[、是]"
                          r"|\d{1,2}[、.．](?!\d)|第[一二三四五六七八九十百零〇\d]+条|[●•■◆▲])\s?")


def _standalone_note(sentence: str) -> tuple[str, int] | None:
    """(units, their offset) of a sentence that is a responsibility note, else None.

    〔规划协调处、保护处按职责负责落实〕, (条法司负责), 责任单位：保护处、省知识产权保护中心,
    牵头单位：国际合作司；配合单位：办公室.
    """
    rules = _rules()
    note = re.match(rules["note_pattern"], sentence)
    if note:
        group = "units" if note.group("units") else "units2"
        return _clean_units(note.group(group)), note.start(group)
    label = _label_re()
    opening = re.match(rf"[(（〔【]?\s?{label.pattern}", sentence)
    if not opening:
        return None
    rest = re.sub(r"\s?[)）〕】]?\s?[。；;]?$", "", sentence[opening.end():])
    return (_mask_labels(rest), opening.end()) if len(rest) >= 2 else None


def _inline_note(sentence: str) -> tuple[str, int, int] | None:
    """(units, their offset, the note's start) of a note inside a sentence, else None.

    推动…修订(条法司负责)。 or 推动…修订(责任单位：条法司)。
    """
    rules = _rules()
    inline = re.search(rules["inline_note_pattern"], sentence)
    if inline:
        return _clean_units(inline.group("units")), inline.start("units"), inline.start()
    label = _label_re().pattern
    inline = re.search(rf"[(（〔【]\s?{label}(?P<units>[^()（）〔〕【】]{{2,200}})[)）〕】]", sentence)
    if inline:
        return _mask_labels(inline.group("units").rstrip()), inline.start("units"), inline.start()
    return None


@cache
def _label_re() -> re.Pattern[str]:
    return re.compile(_rules()["note_label"])


def _mask_labels(units: str) -> str:
    """Blank out further labels (；配合单位：) with commas, so offsets into the note still hold."""
    masked = re.sub(rf"[；;，,、]?\s?{_label_re().pattern}", lambda m: "，" * len(m.group(0)), units)
    return masked.replace("；", "，").replace(";", ",")


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
    return re.sub(r"(?:按职责分工|按职责|分别|共同)$", "", units.strip())
