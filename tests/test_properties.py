"""Properties that hold for any text: nothing crashes, every offset points at its quote, and a
document mentions every institution that serves its measures or is responsible for them."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.extract import extract
from graph.namespaces import IPKG
from graph.normalise import normalise
from graph.rdf import document_triples
from graph.resolve import resolve
from graph.segment import segment
from pipeline_support import raw

# Fragments of real policy prose, recombined: far more likely than random code points
# to reach deep into the extractors (names, notes, targets), with noise mixed in.
FRAGMENTS = [
    "加快陕西省知识产权保护中心建设", "推动省知识产权运营交易中心建设", "，", "。", "、", "；", "\n", "\n\n",
    "〔办公室、保护处按职责负责落实〕", "（市场监管总局、知识产权局负责）", "到2025年", "每万人口高价值发明专利拥有量达到",
    "12件", "1.32万件", "50亿元", "90%以上", "翻一番", "《知识产权强国建设纲要(2021—2035年)》", "(以下简称《纲要》)",
    "一、总体要求", "(一)", "1.", "——", "智慧財產權", "最佳化", "知識產權", "專利", "  ", "\u3000", "（", "）", "“", "”",
    "秦创原", "TISC", "技术与创新支持中心(TISC)", "随州市曾都区", "宝鸡、咸阳、渭南", "举办首届秦创原高价值专利大赛",
    "相关词条", "联系我们", "<script>alert(1)</script>", "\\", "\"", "'", "陕知发〔2022〕38号", "2021年9月2日",
]
texts = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join),
    st.text(max_size=300),
)


def _check(text: str) -> None:
    result = extract(segment(normalise(raw(text))))
    triples = document_triples(result, resolve(result))
    by_node: dict = {}
    for s, p, o in triples:
        by_node.setdefault(s, {})[p] = o
    for props in by_node.values():
        if IPKG.charStart in props:
            start, end = int(props[IPKG.charStart]), int(props[IPKG.charEnd])
            assert 0 <= start <= end <= len(text)
            assert text[start:end] == str(props[IPKG.quote])
    # Saved queries count an institution's documents through ipkg:mentions alone.
    mentioned = {o for s, p, o in triples if p == IPKG.mentions}
    assert {o for s, p, o in triples if p in (IPKG.servedBy, IPKG.responsibleUnit)} <= mentioned


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_any_text_builds_and_offsets_point_at_quotes(text):
    _check(text)


def test_bundled_corpus_offsets_point_at_quotes(corpus_dir):
    for path in sorted(corpus_dir.glob("*.txt")):
        _check(path.read_text("utf-8"))
