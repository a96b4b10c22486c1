r"""Normalise for reading, never lose the original.

Each step rewrites the text and carries an offset map along, so every
character of the result knows where it came from in the decoded source:

1. script: pinyin a web page left after its characters (產(chǎn)) dropped; Traditional →
   Simplified with OpenCC. Taiwan-worded texts get
   phrase conversion (tw2sp: 智慧財產權 → 知识产权); mainland wording in
   Traditional characters gets characters only (t2s), because the Taiwan
   phrase table garbles it (核心 → 内核, 程序 → 进程), and then the few Taiwan
   terms such a text may still quote (智慧财产权 → 知识产权, `taiwan_terms`).
2. widths: full-width letters, digits and punctuation folded (NFKC per character).
3. spacing: stray spaces inside Chinese text removed; lines broken inside a
   sentence (PDF page breaks: 实\\n\\n施) joined.
4. boilerplate: website navigation before the body and footers after it
   (相关词条, 扫一扫, 联系我们, bank details) dropped.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import unicodedata
from array import array
from collections.abc import Callable
from functools import cache, lru_cache
from importlib import resources

from graph.model import NormalisedDocument, RawDocument

Offsets = array  # array("q"): source offset per character, plus one sentinel past the end


@cache
def _rules() -> dict:
    return json.loads(resources.files("graph.data").joinpath("normalise.json").read_text("utf-8"))


@cache
def _converter(config: str):
    import opencc

    if config == "tw2sp":
        return opencc.OpenCC(_taiwan_config())
    return opencc.OpenCC(config)


def _taiwan_config() -> str:
    """OpenCC's tw2sp with our keep-list consulted first.

    The Taiwan phrase table reads everyday words as computing jargon
    (建立 → 创建, 核心 → 内核, 指標 → 指针, 效能 → 性能); `graph/data/opencc/tw_keep.txt`
    maps those to themselves, so only their characters are converted.
    """
    import tempfile
    from pathlib import Path

    import opencc

    share = Path(opencc.__file__).parent / "clib" / "share" / "opencc"
    config = json.loads((share / "tw2sp.json").read_text("utf-8"))

    def absolute(node):
        if isinstance(node, dict):
            if node.get("type") == "ocd2":
                node["file"] = str(share / node["file"])
            for value in node.values():
                absolute(value)
        elif isinstance(node, list):
            for value in node:
                absolute(value)

    absolute(config)
    keep = resources.files("graph.data").joinpath("opencc", "tw_keep.txt")
    config["conversion_chain"][0]["dict"]["dicts"].insert(0, {"type": "text", "file": str(keep)})
    text = json.dumps(config, sort_keys=True)
    # One file per distinct config (OpenCC only loads configs from files); written atomically.
    path = Path(tempfile.gettempdir()) / f"ipkg-tw2sp-{hashlib.sha1(text.encode()).hexdigest()[:12]}.json"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
    return str(path)


def normalise(raw: RawDocument) -> NormalisedDocument:
    """Normalise a raw document; see the module docstring for the steps."""
    text = raw.text
    offsets = array("q", range(len(text) + 1))
    text, offsets = rewrite(text, offsets, _PINYIN, lambda _m: "")
    script = detect_script(text)
    if script != "simplified":
        text, offsets = convert_script(text, offsets, "tw2sp" if script == "traditional-tw" else "t2s")
        text, offsets = rewrite(text, offsets, _taiwan_terms(), _taiwan_term)
    text, offsets = fold_widths(text, offsets)
    # Only plain text and PDF break lines by layout; HTML and .docx paragraphs are the author's.
    text, offsets = fix_spacing(text, offsets, join_lines=raw.media_type in ("text/plain", "application/pdf"))
    text, offsets = strip_boilerplate(text, offsets)
    return NormalisedDocument(raw=raw, text=text, offsets=tuple(offsets), script=script)


@lru_cache(maxsize=65536)  # labels repeat within and across documents
def normalise_text(text: str) -> str:
    """Normalise a short string (a label, a search query) the same way as documents."""
    script = detect_script(text)
    if script != "simplified":
        text = _converter("tw2sp" if script == "traditional-tw" else "t2s").convert(text)
        text = _taiwan_terms().sub(_taiwan_term, text)
    return "".join(_fold(c) if _foldable(c) else c for c in text).strip()


# -- 1. script ---------------------------------------------------------------------------------

#: A web page's ruby annotations flattened into the text: 產(chǎn)權(quán) is 產權. A syllable with
#: a tone mark, in brackets, right after a Chinese character.
_PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])[(（][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*[)）]")


@cache
def _taiwan_terms() -> re.Pattern[str]:
    """智慧财产权 and kin: a mainland-worded Traditional text quoting a Taiwan term (t2s keeps it)."""
    terms = sorted((t for t in _rules()["taiwan_terms"] if not t.startswith("_")), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, terms)))


def _taiwan_term(m: re.Match[str]) -> str:
    return _rules()["taiwan_terms"][m.group(0)]


def detect_script(text: str) -> str:
    """"simplified", "traditional" (mainland wording) or "traditional-tw" (Taiwan wording)."""
    sample = text[:20000]
    converted = _converter("t2s").convert(sample)
    changed = sum(1 for a, b in zip(sample, converted, strict=False) if a != b)
    han = sum(1 for c in sample if "\u4e00" <= c <= "\u9fff") or 1
    if changed / han < 0.02:
        return "simplified"
    rules = _rules()
    taiwan = sum(sample.count(m) for m in rules["taiwan_markers"])
    mainland = sum(sample.count(m) for m in rules["mainland_markers"])
    return "traditional-tw" if taiwan > mainland else "traditional"


def convert_script(text: str, offsets: Offsets, config: str) -> tuple[str, Offsets]:
    """Convert with OpenCC `config`, line by line, realigning offsets where lengths change."""
    cc = _converter(config)
    chars = _converter("t2s")
    out: list[str] = []
    new = array("q")
    pos = 0
    for line in text.splitlines(keepends=True):
        converted = cc.convert(line)
        if len(converted) == len(line):
            new.extend(offsets[pos:pos + len(line)])
        else:
            # Align against the character-only conversion, which keeps lengths,
            # so only the phrase substitutions show up as differences.
            base = chars.convert(line)
            if len(base) != len(line):
                base = line
            matcher = difflib.SequenceMatcher(None, base, converted, autojunk=False)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                if tag == "equal":
                    new.extend(offsets[pos + i1:pos + i2])
                elif j2 > j1:
                    for k in range(j2 - j1):
                        src = i1 + min(k * max(1, i2 - i1) // (j2 - j1), max(0, i2 - i1 - 1))
                        new.append(offsets[pos + min(src, len(line) - 1)])
        out.append(converted)
        pos += len(line)
    new.append(offsets[len(text)])
    return "".join(out), new


# -- generic rewriting ---------------------------------------------------------------------------

def rewrite(text: str, offsets: Offsets, pattern: re.Pattern[str],
            replace: Callable[[re.Match[str]], str]) -> tuple[str, Offsets]:
    """Replace every match of `pattern` by `replace(match)`, carrying offsets along.

    Replacement characters map onto the matched source characters in order
    (the last one repeats when the replacement is longer).
    """
    out: list[str] = []
    new = array("q")
    pos = 0
    for m in pattern.finditer(text):
        s, e = m.span()
        rep = replace(m)
        if rep == m.group(0):
            continue
        out.append(text[pos:s])
        new.extend(offsets[pos:s])
        out.append(rep)
        for k in range(len(rep)):
            new.append(offsets[min(s + k, e - 1)] if e > s else offsets[s])
        pos = e
    if pos == 0 and not out:
        return text, offsets
    out.append(text[pos:])
    new.extend(offsets[pos:len(text) + 1])
    return "".join(out), new


# -- 2. widths ----------------------------------------------------------------------------------

#: Corner brackets quote in Traditional texts (OpenCC leaves punctuation as it is) where
#: Simplified ones use curly quotes, which the extractors know: 「铁拳」行动 is “铁拳”行动.
_QUOTES = {"「": "“", "」": "”", "『": "‘", "』": "’"}


def _foldable(c: str) -> bool:
    # Full-width forms, the ideographic space and corner brackets; keep 、。《》“” as they are.
    return "\uff01" <= c <= "\uff5e" or c == "\u3000" or c == "\u00a0" or c in _QUOTES


def _fold(c: str) -> str:
    return _QUOTES.get(c) or unicodedata.normalize("NFKC", c)


_WIDE = re.compile("[\uff01-\uff5e\u3000\u00a0「」『』]")


def fold_widths(text: str, offsets: Offsets) -> tuple[str, Offsets]:
    """Fold full-width ASCII forms (（１２３）→ (123)), odd spaces and corner brackets (「」→ “”)."""
    return rewrite(text, offsets, _WIDE, lambda m: _fold(m.group(0)))


# -- 3. spacing ---------------------------------------------------------------------------------

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_CJK_PUNCT = "，。、；：？！“”‘’《》〈〉「」『』【】〔〕（）…—·"
_NEAR = f"[{_CJK}{_CJK_PUNCT}]"
# Horizontal space with Chinese on at least one side.
# Tabs stay: they separate a table's cells (指标\t2020年\t2025年), which targets read.
_SPACE_IN_CJK = re.compile(rf"(?<={_NEAR})[ \r\f\v]+|[ \r\f\v]+(?={_NEAR})")
# A row of a table of indicators: 每万人口…拥有量(件)\t13.5\t22\t预期性, or cells run together by a PDF.
_TABLE_ROW = re.compile(r"\t|(?:预期性|约束性)$|[(（][^()（）]{1,4}[)）]\s*\d[\d.]*\s+\d")
_LEADING = re.compile(r"(?m)^[ \t\r\f\v]+|[ \t\r\f\v]+$")
_HEADING_START = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|\d+[、.．]|——|●|第[一二三四五六七八九十百]+[章节条])"
)
_BREAK = re.compile(rf"(?<=[{_CJK}])\n[\n ]*(?=[{_CJK}(（“《])")
_SENTENCE_END = "。！？；：:;!?”》〕)）"
_LABELLED = re.compile(r"(?:来源|发布时间|发布日期|作者|责任编辑|时间|日期|编辑|文号|发文字号|发布机构|发文单位|发文机关"
                       r"|成文日期|索引号|标题|名称)\s?[:：]")
#: A line ending so is a title, whatever its length.
_TITLE_ENDINGS = ("通知", "文件", "意见", "决定", "办法", "方案", "规划", "纲要", "要点", "指引", "报告", "条例")
#: A line this long that stops without punctuation was broken by layout, not by the author.
_WRAPPED_LINE = 28


def fix_spacing(text: str, offsets: Offsets, join_lines: bool = True) -> tuple[str, Offsets]:
    """Drop stray spaces inside Chinese text and join lines broken inside a sentence."""
    text, offsets = rewrite(text, offsets, _LEADING, lambda m: "")
    text, offsets = rewrite(text, offsets, _SPACE_IN_CJK, lambda m: "")

    def join(m: re.Match[str]) -> str:
        line_start = text.rfind("\n", 0, m.start()) + 1
        line = text[line_start:m.start()]
        nxt = text[m.end():m.end() + 12]
        next_end = text.find("\n", m.end())
        next_line = text[m.end():next_end if next_end != -1 else len(text)]
        # A short next line (国发〔2021〕20号, a date) is its own line, not the rest of a sentence.
        if _LABELLED.search(line) or _LABELLED.match(next_line):
            return m.group(0)  # 来源:… / 发布时间:… lines are fields, not wrapped prose
        if _TABLE_ROW.search(line) or _TABLE_ROW.search(next_line):
            return m.group(0)  # a table's rows are lines of their own
        if line.count("《") > line.count("》") and "》" in next_line:
            return ""  # a title broken inside its 《…》 (…印发《关于加强知识\n产权…意见》)
        continues = (len(next_line) >= 15 or next_line[-1:] in _SENTENCE_END) \
            and not (line.endswith(_TITLE_ENDINGS) and not re.search("[。，,;；]", line)) \
            and not next_line.startswith("各")
        if len(line) >= _WRAPPED_LINE and line[-1] not in _SENTENCE_END and not _HEADING_START.match(nxt) \
                and continues:
            return ""
        return m.group(0)

    if not join_lines:
        return text, offsets
    return rewrite(text, offsets, _BREAK, join)


# -- 4. boilerplate -----------------------------------------------------------------------------

def strip_boilerplate(text: str, offsets: Offsets) -> tuple[str, Offsets]:
    """Keep the body: drop navigation lines at the top and the website footer at the end."""
    rules = _rules()
    lines = text.splitlines(keepends=True)
    starts = []
    pos = 0
    for line in lines:
        starts.append(pos)
        pos += len(line)
    begin = 0
    for i, line in enumerate(lines[:15]):
        if len(line.strip()) >= 60 and "。" in line:
            break  # the body has begun: 【打印】【关闭】 under it closes the article, it does not open it
        if (any(marker in line for marker in rules["boilerplate_head"]) or line.lstrip().startswith((">", "»"))) \
                and len(line.strip()) < 60:
            begin = starts[i] + len(line)  # a marker line, or a breadcrumb's next step (>专题>…)
    end = len(text)
    # The footer starts at the first marker line in the last part of the text
    # whose remaining lines are short, as navigation and contact blocks are.
    floor = len(text) // 3
    for i, line in enumerate(lines):
        if starts[i] < floor or len(line.strip()) > 60:
            continue
        if any(marker in line for marker in rules["boilerplate_tail"]):
            rest = lines[i:]
            if sum(len(x.strip()) > 80 for x in rest) <= 1:
                end = starts[i]
                break
    if begin == 0 and end == len(text):
        return text, offsets
    # Above the body, the page's headline and its 发布时间/来源 line are the document's own.
    kept = [i for i, line in enumerate(lines) if starts[i] < begin and _is_heading_or_field(line)]
    out, new = [], array("q")
    for i in kept:
        out.append(lines[i])
        new.extend(offsets[starts[i]:starts[i] + len(lines[i])])
    out.append(text[begin:end])
    new.extend(offsets[begin:end])
    new.append(offsets[end - 1] + 1 if end > begin else offsets[begin])
    return "".join(out), new


_DATE_LINE = re.compile(r"(?:19|20)\d{2}\s?[-年/.]\s?\d{1,2}\s?[-月/.]\s?\d{1,2}日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?$")


@cache
def _headline_endings() -> tuple[str, ...]:
    """A document's title endings and a news headline's (《…工作要点》印发, …召开)."""
    return (*_TITLE_ENDINGS, *_rules()["headline_endings"])


def _is_heading_or_field(line: str) -> bool:
    """A page's headline (…关于…的通知, …工作要点) or a labelled field line (发布时间:…)."""
    line = line.strip()
    endings = _headline_endings()
    return bool(_LABELLED.search(line)) or bool(_DATE_LINE.match(line)) or (
        6 <= len(line) <= 80 and (line.endswith(endings) or "关于" in line
                                  or (line.endswith("》") and any(v in line for v in endings)))
        and not any(c in line for c in "。>»") and "关于我们" not in line)
