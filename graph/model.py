"""Plain data passed between the pipeline stages.

ingest → RawDocument → normalise → NormalisedDocument → segment → Segmented
→ extract → Extraction → resolve → ResolvedDocument → rdf → triples → store.

Offsets: every span in a later stage is a half-open range in the
*normalised* text; `NormalisedDocument.original_span` maps it back to code
point offsets in the decoded source file, which is what the graph records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class RawDocument:
    """A decoded input file, untouched."""

    path: Path
    file_name: str
    text: str
    encoding: str
    media_type: str  # "text/plain", "text/html", "application/pdf", docx …
    sha256: str


@dataclass(frozen=True)
class NormalisedDocument:
    """Simplified-Chinese, width-folded, de-boilerplated text with a map back to the source.

    `offsets[i]` is the source offset of normalised character `i`;
    `offsets[len(text)]` is the source offset just past the body.
    """

    raw: RawDocument
    text: str
    offsets: tuple[int, ...]
    script: str  # "simplified", "traditional" or "traditional-tw"

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Source offsets `[s, e)` covering normalised `[start, end)`."""
        if end <= start:
            s = self.offsets[start]
            return s, s
        return self.offsets[start], self.offsets[end - 1] + 1

    def quote(self, start: int, end: int) -> str:
        """The source passage behind normalised `[start, end)`, in its original script."""
        s, e = self.original_span(start, end)
        return self.raw.text[s:e]


@dataclass(frozen=True)
class Section:
    """A heading and the span it governs."""

    level: int  # 1 for 一、, 2 for (一), 3 for 1., 4 for ——
    marker: str
    heading: str
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    """One sentence; `section` indexes `Segmented.sections` (-1 before any heading)."""

    start: int
    end: int
    text: str
    paragraph: int
    section: int


@dataclass(frozen=True)
class Segmented:
    """A normalised document cut into sections, paragraphs and sentences."""

    doc: NormalisedDocument
    sections: tuple[Section, ...]
    paragraphs: tuple[tuple[int, int], ...]
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class Mention:
    """One occurrence of a named thing in the normalised text.

    `kind` is policy, institution, program, event, region or indicator;
    `name` is the canonical Simplified name it resolves to within this
    document; `scope` says what the name is unique within (a region's full
    name, "national", or "" for a generic kind of thing).
    """

    kind: str
    surface: str
    start: int
    end: int
    name: str
    subtype: str = ""
    scope: str = ""
    region: str = ""
    parent: str = ""  # for internal units: the agency they belong to


@dataclass(frozen=True)
class Metadata:
    """What a document says about itself."""

    title: str = ""
    title_span: tuple[int, int] | None = None
    doc_number: str = ""
    issued: str = ""  # YYYY, YYYY-MM or YYYY-MM-DD
    issuers: tuple[str, ...] = ()
    jurisdiction: str = ""  # full region name, "" when national or unknown
    level: str = ""  # national, province, city, district
    genre: str = "其他"
    plan_year: int | None = None


@dataclass(frozen=True)
class Target:
    """A numeric goal: `value` in `unit` by `year` for `region`."""

    indicator: str
    value: float
    unit: str
    year: int | None
    region: str
    start: int
    end: int
    qualifier: str = ""  # 以上, 以内, 左右 …


@dataclass(frozen=True)
class Measure:
    """One actionable sentence with the institutions that serve it."""

    start: int
    end: int
    text: str
    served_by: tuple[Mention, ...] = ()
    responsible: tuple[Mention, ...] = ()
    refers_to: tuple[Mention, ...] = ()
    section: str = ""


@dataclass
class Extraction:
    """Everything read from one document; extractors fill it in registry order."""

    segmented: Segmented
    metadata: Metadata = field(default_factory=Metadata)
    mentions: list[Mention] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    policy_aliases: dict[str, str] = field(default_factory=dict)

    @property
    def doc(self) -> NormalisedDocument:
        return self.segmented.doc

    def of_kind(self, kind: str) -> list[Mention]:
        """The mentions of one kind, in text order."""
        return [m for m in self.mentions if m.kind == kind]
