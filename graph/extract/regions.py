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
        parent = gaz.get(region.parent)
        if parent and hit.key.startswith(parent.name) and len(hit.key) > len(parent.name):
            # 随州市曾都区 names 随州市 too, in so many characters.
            end = hit.start + len(parent.name)
            result.mentions.append(Mention(kind="region", surface=parent.name, start=hit.start, end=end,
                                           name=parent.name, subtype=parent.level, region=parent.name))
