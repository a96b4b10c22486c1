"""Indicators and numeric targets: 每万人口高价值发明专利拥有量达6.8件 (by 2022).

Values are normalised (1万件 → 10000 件, 50亿元 → 5000000000 元, 翻一番 → 2 倍).
Past achievements are not targets: sentences with past markers, and
sections about the starting point (发展基础), are skipped.
"""

from __future__ import annotations

import re
from functools import cache

from graph.lexicon import load
from graph.model import Extraction, Target
from graph.segment import retrospective_paragraphs

_DELIMS = "，,;；:：。！？!?"


@cache
def _rules() -> dict:
    return load("targets.json")


@cache
def _number_pattern() -> re.Pattern[str]:
    units = "|".join(sorted(map(re.escape, _rules()["units"]), key=len, reverse=True))
    doubles = "|".join(_rules()["doublings"])
    quals = "|".join(_rules()["qualifiers"])
    # 85分 is a score; 5分钟 is not.
    return re.compile(rf"(?<![\d.第])(?:(\d+(?:\.\d+)?)\s?({units})(?!钟)|({doubles}))(?:{quals})?")


def extract(result: Extraction) -> None:
    """Add the document's numeric targets to `result.targets`."""
    rules = _rules()
    meta = result.metadata
    text = result.doc.text
    seg = result.segmented
    top_section = {}  # sentence index → heading of its level-1 section
    for i, s in enumerate(seg.sentences):
        idx = s.section
        while idx >= 0 and seg.sections[idx].level > 1:
            idx = _parent(seg, idx)
        top_section[i] = seg.sections[idx].heading if idx >= 0 else ""
    year_by_paragraph: dict[int, int] = {}
    year_by_section: dict[str, int] = {}
    retrospective = retrospective_paragraphs(seg, text)
    issued = int(meta.issued[:4]) if meta.issued[:4].isdigit() else 0
    for i, sentence in enumerate(seg.sentences):
        if sentence.paragraph in retrospective:
            continue  # last year's work summary: results, not goals
        stext = sentence.text
        heading = top_section[i]
        own_heading = seg.sections[sentence.section].heading if sentence.section >= 0 else ""
        year = _year(stext, rules)
        if year:
            year_by_paragraph.setdefault(sentence.paragraph, year)
            year_by_section.setdefault(heading, year)
        year = year or year_by_paragraph.get(sentence.paragraph) or year_by_section.get(heading)
        if any(w in heading or w in own_heading for w in rules["past_sections"]) \
                and not any(w in heading for w in rules["target_sections"]):
            continue
        if any(w in stext for w in rules["past_markers"]):
            continue
        is_target_context = (any(w in stext for w in rules["future_markers"])
                             or any(w in heading or w in own_heading for w in rules["target_sections"])
                             or (meta.plan_year is not None and meta.genre != "新闻报道"))
        if not is_target_context:
            continue
        year = year or meta.plan_year
        if year is None and meta.genre == "新闻报道":
            continue
        future = any(w in stext for w in rules["future_markers"])
        for target in _targets_in(text, sentence.start, sentence.end, year, meta.jurisdiction, future):
            if target.year and issued and target.year < issued:
                continue  # a year already past when the document was issued: a result
            if not any(_same_goal(target, seen) for seen in result.targets):
                result.targets.append(target)
    for target in _table_targets(text, meta.jurisdiction, issued):
        if not any(_same_goal(target, seen) for seen in result.targets):
            result.targets.append(target)


_YEAR_COLUMN = re.compile(r"((?:19|20)\d{2})\s?年")
_TABLE_ROW = re.compile(
    r"^(?:\d{1,2}[.、]\s?)?(?P<name>[^\t\d\n()（）]{2,40}?)\s?[(（](?P<unit>[^()（）\d\n]{1,4})[)）]"
    r"[\t ]*(?P<cells>\d[\d.]*(?:[\t ]+\d[\d.]*)*)[\t ]*[^\d\n]*$")


def _table_targets(text: str, region: str, issued: int) -> list[Target]:
    """Targets in a table of indicators: a header naming years, rows of indicator (unit) and values.

    指标名称 2020年 2025年 属性 / 每万人口高价值发明专利拥有量(件) 13.5 22 预期性 → 22 件 by 2025:
    the latest year's column is the goal, the earlier ones where the region starts from. A
    table whose latest year is before the document's (a review of the last plan) holds no goals.
    """
    units = _rules()["units"]
    out: list[Target] = []
    years: list[int] = []
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        found = [int(y) for y in _YEAR_COLUMN.findall(line)]
        if len(found) >= 2 and not re.search(r"\d", _YEAR_COLUMN.sub("", line)):
            years = found  # a header: 指标 2020年 2025年 属性
            continue
        row = _TABLE_ROW.match(line)
        if not row:
            if line.strip() and not line.startswith(("专栏", "表", "注")):
                years = []  # prose: the table is over
            continue
        cells = [float(c) for c in row.group("cells").split() if re.fullmatch(r"\d+(?:\.\d+)?", c)]
        unit = units.get(row.group("unit"))
        if not years or unit is None or len(cells) != len(years) or max(years) < issued:
            continue
        year = max(years)
        out.append(Target(indicator=row.group("name").strip(), value=round(cells[years.index(year)] * unit[1], 6),
                          unit=unit[0], year=year, region=region, start=start + row.start("name"),
                          end=start + row.end("cells")))
    return out


def _same_goal(a: Target, b: Target) -> bool:
    """A goal restated later in the text (目标 section, then the task that carries it)."""
    from rapidfuzz import fuzz

    if (a.value, a.unit, a.year) != (b.value, b.unit, b.year):
        return False
    return a.indicator in b.indicator or b.indicator in a.indicator or fuzz.ratio(a.indicator, b.indicator) >= 60


@cache
def _action_verbs() -> tuple[str, ...]:
    return tuple(v for v in load("measures.json")["action_verbs"] if v not in _rules()["creation_verbs"])


def _parent(seg, idx: int) -> int:
    level = seg.sections[idx].level
    for j in range(idx - 1, -1, -1):
        if seg.sections[j].level < level and seg.sections[j].end >= seg.sections[idx].end:
            return j
    return -1


def _year(text: str, rules: dict) -> int | None:
    m = (re.search(r"(?:到|至|在)\s?(20\d{2})\s?年", text) or re.search(r"(20\d{2})\s?年(?:底|前|末)", text)
         or re.search(r"阶段\s?[(（](20\d{2})\s?年[)）]", text))  # 提升发展阶段(2019年),力争…
    if m:
        return int(m.group(1))
    for period, year in rules["plan_periods"].items():
        if (f"{period}”期间" in text or f"{period}期间" in text or f"{period}”末" in text) and period != "十三五":
            return year
    return None


def _targets_in(text: str, start: int, end: int, year: int | None, region: str,
                future: bool = False) -> list[Target]:
    rules = _rules()
    out: list[Target] = []
    prev_end = start
    for m in _number_pattern().finditer(text, start, end):
        if m.group(2) is None and m.group(3) is None:
            continue
        s, e = m.span()
        if re.match(r"\s?(?:年|月|日|届|条例|号)", text[e:e + 3]) and m.group(2) in ("个", "次"):
            continue
        delim = max(text.rfind(d, start, s) for d in _DELIMS)
        left_start = max(delim + 1, start, prev_end)
        left = text[left_start:s]
        if prev_end > delim + 1 and "、" in left:
            left = left.rsplit("、", 1)[-1]
        if any(w in left for w in rules["local_past_markers"]) or \
                (any(w in left for w in rules["weak_past_markers"]) and not future):
            prev_end = e  # 原有的9件, 累计: a count of what exists, not a goal
            continue
        indicator = _strip(left, rules)
        if m.group(3):  # 在…基础上翻一番: the indicator comes before 在
            indicator = _strip(re.split(r"在[^在]*?(?:基础上)?$", left)[0], rules) or indicator
        if len(indicator) < 2 or re.search(r"\d", indicator) or indicator.startswith(_action_verbs()) \
                or _strip_trailing_verb(indicator, rules):
            verb = _strip_trailing_verb(left, rules)
            right_end = min([text.find(d, e, end) for d in _DELIMS + "、" if text.find(d, e, end) != -1] or [end])
            right = text[e:right_end]
            # 培育50件高价值专利、开发5项…,2个高价值专利组合: a list item shares the verb before it;
            # 每个县(区)至少新增1件地理标志产品: the goal counts new ones.
            if (verb or (not left.strip() and out)) and 2 <= len(right) <= 16:
                indicator = ("新增" if verb == "新增" else "") + right.strip("的")
            else:
                prev_end = e
                continue
        if m.group(3):
            value, unit = float(rules["doublings"][m.group(3)]), "倍"
        else:
            unit, scale = rules["units"][m.group(2)]
            value = float(m.group(1)) * scale
        qualifier = next((q for q in rules["qualifiers"] if m.group(0).endswith(q)), "")
        quote_start = left_start + (len(text[left_start:s]) - len(left))
        out.append(Target(indicator=indicator, value=round(value, 6), unit=unit, year=year, region=region,
                          start=quote_start, end=e, qualifier=qualifier))
        prev_end = e
    return out


_YEAR_LEAD = re.compile(r"^.*?(?:到|至|在)?\s?20\d{2}\s?年(?:底|末|前)?[,，]?")


def _strip(phrase: str, rules: dict) -> str:
    phrase = _YEAR_LEAD.sub("", phrase).strip(" “”")
    changed = True
    while changed and phrase:
        changed = False
        for w in sorted(rules["tail_strip"], key=len, reverse=True):
            if phrase.endswith(w) and len(phrase) > len(w):
                phrase = phrase[: -len(w)]
                changed = True
        for w in sorted(rules["lead_strip"], key=len, reverse=True):
            if phrase.startswith(w) and len(phrase) > len(w):
                phrase = phrase[len(w):]
                changed = True
    # A leading verb (培育…) or verb phrase (做大做强发展…) ends at the rightmost creation verb;
    # 新增 stays, as the goal counts new ones.
    for verb in sorted(rules["creation_verbs"], key=len, reverse=True):
        idx = phrase.rfind(verb)
        if idx >= 0 and idx + len(verb) < len(phrase) - 1 and verb != "新增":
            phrase = phrase[idx + len(verb):]
            break
    if phrase in rules["tail_strip"] or phrase in rules["lead_strip"] or phrase in rules["creation_verbs"]:
        return ""
    return phrase.strip(" 的")


def _strip_trailing_verb(left: str, rules: dict) -> str:
    left = left.strip()
    for verb in sorted(rules["creation_verbs"], key=len, reverse=True):
        if left.endswith(verb):
            return verb
    return ""
