"""Containment and overlap questions about many text spans, in logarithmic time."""

from __future__ import annotations

import bisect
from collections.abc import Iterable


class SpanIndex:
    """Half-open spans `[start, end)`, asked whether a span lies inside or touches any of them.

    Spans are sorted by start with a running maximum of their ends, so a question
    is one bisection instead of a scan (documents can hold tens of thousands of mentions).
    """

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._spans = sorted(spans)
        self._starts = [s for s, _ in self._spans]
        self._max_end: list[int] = []
        best = -1
        for _, e in self._spans:
            best = max(best, e)
            self._max_end.append(best)

    def _reach(self, position: int, inclusive: bool) -> int:
        """The furthest end among spans starting at or before (or strictly before) `position`."""
        i = (bisect.bisect_right if inclusive else bisect.bisect_left)(self._starts, position)
        return self._max_end[i - 1] if i else -1

    def covers(self, start: int, end: int) -> bool:
        """Some span contains `[start, end)`."""
        return self._reach(start, inclusive=True) >= end

    def overlaps(self, start: int, end: int) -> bool:
        """Some span shares at least one position with `[start, end)`."""
        return self._reach(end, inclusive=False) > start

    def add(self, start: int, end: int) -> None:
        """Add a span (rebuilds the running maximum from the insertion point)."""
        i = bisect.bisect_right(self._starts, start)
        self._starts.insert(i, start)
        self._spans.insert(i, (start, end))
        best = self._max_end[i - 1] if i else -1
        self._max_end[i:] = []
        for _, e in self._spans[i:]:
            best = max(best, e)
            self._max_end.append(best)
