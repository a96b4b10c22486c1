"""Regions: administrative divisions named in the text, resolved with the gazetteer."""

from __future__ import annotations

from collections import Counter

from graph.model import Extraction, Mention
from graph.regions import gazetteer


def extract(result: Extraction) -> None:
    """Add a `region` mention for every division the text names."""
    text = result.doc.text
    gaz = gazetteer()
    hits = list(gaz.lexicon.finditer(text))
    # The province the text is about disambiguates short names (长安区, 新城区):
    # vote with the unambiguous hits, the opening lines counting most.
    votes: Counter[str] = Counter()
    for hit in hits:
        if len(hit.values) == 1:
            province = gaz.province_of(hit.values[0])
            if province:
                votes[province] += 5 if hit.start < 300 else 1
    hint = votes.most_common(1)[0][0] if votes else ""
    for hit in hits:
        region = gaz.lookup(hit.key, hint)
        if region is None:
            continue
        result.mentions.append(Mention(kind="region", surface=hit.key, start=hit.start, end=hit.end,
                                       name=region.name, subtype=region.level, region=region.name))
