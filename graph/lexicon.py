"""Lexicons and rules kept as data files in `graph/data/`, and a longest-match scanner."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@cache
def load(name: str) -> Any:
    """Parse `graph/data/<name>` (JSON)."""
    return json.loads(resources.files("graph.data").joinpath(name).read_text("utf-8"))


@dataclass(frozen=True)
class Hit:
    """A lexicon entry found at `[start, end)`."""

    start: int
    end: int
    key: str
    values: tuple[Any, ...]


class Lexicon:
    """Maps surface strings to values and finds their longest, leftmost occurrences.

    A dict probe per length at each position: for a few thousand entries of
    at most a dozen characters this beats a regex alternation by far.
    """

    def __init__(self) -> None:
        self._entries: dict[str, list[Any]] = {}
        self._lengths: list[int] = []
        self._by_first: dict[str, list[int]] = {}  # first character → key lengths, longest first
        self._starts: re.Pattern[str] | None = None  # any first character; built on first scan

    def add(self, key: str, value: Any) -> None:
        """Register `value` under the surface string `key`."""
        if not key:
            return
        bucket = self._entries.setdefault(key, [])
        if value not in bucket:
            bucket.append(value)
        if len(key) not in self._lengths:
            self._lengths.append(len(key))
            self._lengths.sort(reverse=True)
        self._starts = None
        lengths = self._by_first.setdefault(key[0], [])
        if len(key) not in lengths:
            lengths.append(len(key))
            lengths.sort(reverse=True)

    def get(self, key: str) -> tuple[Any, ...]:
        """The values registered under exactly `key`."""
        return tuple(self._entries.get(key, ()))

    def lengths_from(self, char: str) -> list[int]:
        """Lengths of the keys that start with `char`, longest first."""
        return self._by_first.get(char, [])

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def finditer(self, text: str, start: int = 0, end: int | None = None) -> Iterator[Hit]:
        """Non-overlapping longest matches, left to right."""
        end = len(text) if end is None else end
        by_first = self._by_first
        entries = self._entries
        if self._starts is None:
            # Jumping to the next possible first character in C skips most of a text.
            self._starts = re.compile("[" + "".join(re.escape(c) for c in by_first) + "]" if by_first else "(?!)")
        find = self._starts.search
        found = find(text, start, end)
        while found is not None:
            i = found.start()
            for length in by_first[text[i]]:
                if i + length <= end:
                    key = text[i:i + length]
                    values = entries.get(key)
                    if values:
                        yield Hit(i, i + length, key, tuple(values))
                        i += length
                        break
            else:
                i += 1
            found = find(text, i, end)
