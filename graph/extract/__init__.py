"""Extractors, one module per kind, registered in one place.

Each extractor declares what it `requires` (kinds that must run first) and
fills its part of the shared `Extraction`. Adding a kind is one module plus
one line in `REGISTRY`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from graph.model import Extraction, Segmented


@dataclass(frozen=True)
class Extractor:
    """A registered extractor: `module:function` run on an Extraction."""

    name: str
    target: str
    requires: tuple[str, ...] = ()

    def load(self) -> Callable[[Extraction], None]:
        module, _, func = self.target.partition(":")
        return getattr(import_module(module), func)


#: Run order is list order; `requires` is checked when the registry is built.
REGISTRY: tuple[Extractor, ...] = (
    Extractor("regions", "graph.extract.regions:extract"),
    Extractor("metadata", "graph.extract.metadata:extract", ("regions",)),
    Extractor("policies", "graph.extract.policies:extract", ("metadata",)),
    Extractor("institutions", "graph.extract.institutions:extract", ("metadata", "policies")),
    Extractor("programs", "graph.extract.programs:extract_programs", ("institutions",)),
    Extractor("events", "graph.extract.programs:extract_events", ("institutions",)),
    Extractor("proper_nouns", "graph.extract.institutions:extract_proper_nouns", ("programs", "events")),
    Extractor("targets", "graph.extract.targets:extract", ("metadata",)),
    Extractor("measures", "graph.extract.measures:extract", ("proper_nouns", "policies")),
)


def _check(registry: tuple[Extractor, ...]) -> None:
    done: set[str] = set()
    for ex in registry:
        missing = set(ex.requires) - done
        if missing:
            raise RuntimeError(f"extractor {ex.name} requires {sorted(missing)} to run first")
        done.add(ex.name)


_check(REGISTRY)


def extract(segmented: Segmented, only: tuple[str, ...] | None = None) -> Extraction:
    """Run every registered extractor (or those named in `only`, with what they require)."""
    result = Extraction(segmented=segmented)
    wanted = _closure(only) if only else None
    for ex in REGISTRY:
        if wanted is None or ex.name in wanted:
            ex.load()(result)
    return result


def _closure(names: tuple[str, ...]) -> set[str]:
    by_name = {ex.name: ex for ex in REGISTRY}
    out: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in out:
            out.add(name)
            todo.extend(by_name[name].requires)
    return out
