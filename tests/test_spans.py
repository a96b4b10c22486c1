"""SpanIndex answers the same as a scan over all spans."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from graph.spans import SpanIndex

spans = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 20)).map(lambda t: (t[0], t[0] + t[1])), max_size=30)


@given(spans, st.integers(0, 80), st.integers(0, 20), st.booleans())
def test_matches_a_scan(items, start, length, incremental):
    end = start + length
    if incremental:
        index = SpanIndex()
        for s, e in items:
            index.add(s, e)
    else:
        index = SpanIndex(items)
    assert index.covers(start, end) == any(s <= start and end <= e for s, e in items)
    assert index.overlaps(start, end) == any(s < end and start < e for s, e in items)
