"""Cut one layer of the offline Indonesia basemap out of a GeoJSON file.

Run by ``web/vendoring/refresh.sh``, never by the app or CI; standard library only.

The input is a GeoJSON FeatureCollection of (Multi)Polygons as topojson-client decodes it from
TopoJSON (what its ``topo2geo`` command does). The script:

* keeps the features that have a polygon whose bounding box meets ``BBOX`` (around Indonesia);
* drops feature ids and every property except ``name``;
* rounds coordinates to ``--precision`` decimals and drops repeated points;
* with ``--tolerance`` > 0, simplifies lines (Douglas-Peucker, tolerance in degrees) without
  opening gaps between neighbours: rings are cut where borders meet, and each stretch of border
  is simplified the same way for the features on both sides of it;
* writes compact JSON, one feature per line, and prints sizes (raw and gzip).

Usage: make_basemap.py INPUT OUTPUT --attribution TEXT [--precision 3] [--tolerance 0.005]
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BBOX = (90.0, -16.0, 146.0, 12.0)  # lon_min, lat_min, lon_max, lat_max

Point = tuple[float, float]
Ring = list[Point]  # closed: ring[0] == ring[-1]
Polygon = list[Ring]  # exterior ring, then holes


@dataclass
class Feature:
    name: str | None
    polygons: list[Polygon]


# --- reading ---------------------------------------------------------------------------------


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"not a coordinate: {value!r}")
    return float(value)


def _list(value: object, what: str) -> list[object]:
    if not isinstance(value, list):
        raise ValueError(f"{what} is not a list: {value!r:.80}")
    return value


def _ring(value: object, ndigits: int) -> Ring | None:
    """Rounded, without repeated points, closed; None if fewer than 3 distinct points remain."""
    ring: Ring = []
    for position in _list(value, "ring"):
        x, y = (_number(c) for c in _list(position, "position")[:2])
        point = (round(x, ndigits) + 0.0, round(y, ndigits) + 0.0)  # + 0.0: no "-0.0"
        if not ring or ring[-1] != point:
            ring.append(point)
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    if len(set(ring)) < 3:
        return None
    ring.append(ring[0])
    return ring


def _polygon(value: object, ndigits: int) -> Polygon | None:
    """None if the exterior ring collapses; collapsed holes are dropped."""
    rings = [_ring(r, ndigits) for r in _list(value, "polygon")]
    if not rings or rings[0] is None:
        return None
    return [r for r in rings if r is not None]


def read_features(path: Path, ndigits: int) -> list[Feature]:
    collection = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ValueError(f"{path}: not a GeoJSON FeatureCollection")
    features: list[Feature] = []
    for raw in _list(collection.get("features"), "features"):
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: feature is not an object")
        geometry = raw.get("geometry")
        if geometry is None:
            continue
        if not isinstance(geometry, dict):
            raise ValueError(f"{path}: geometry is not an object")
        kind, coordinates = geometry.get("type"), geometry.get("coordinates")
        if kind == "Polygon":
            parts = [coordinates]
        elif kind == "MultiPolygon":
            parts = _list(coordinates, "coordinates")
        else:
            raise ValueError(f"{path}: unexpected geometry type {kind!r}")
        polygons = [p for p in (_polygon(part, ndigits) for part in parts) if p is not None]
        properties = raw.get("properties")
        name = properties.get("name") if isinstance(properties, dict) else None
        if polygons:
            features.append(Feature(name if isinstance(name, str) else None, polygons))
    return features


# --- selecting -------------------------------------------------------------------------------


def meets_bbox(polygon: Polygon, bbox: tuple[float, float, float, float] = BBOX) -> bool:
    xs = [x for x, _ in polygon[0]]
    ys = [y for _, y in polygon[0]]
    return min(xs) <= bbox[2] and max(xs) >= bbox[0] and min(ys) <= bbox[3] and max(ys) >= bbox[1]


# --- simplifying -----------------------------------------------------------------------------


def junctions(rings: Sequence[Ring]) -> set[Point]:
    """Points where borders meet: a point seen twice with different neighbours.

    A point inside a stretch of border shared by two rings has the same two neighbours in both;
    where the border ends (three features meet, or the border reaches the coast) they differ.
    """
    seen: dict[Point, tuple[Point, Point]] = {}
    found: set[Point] = set()
    for ring in rings:
        points = ring[:-1]
        for i, point in enumerate(points):
            before, after = points[i - 1], points[(i + 1) % len(points)]
            pair = (min(before, after), max(before, after))
            if seen.setdefault(point, pair) != pair:
                found.add(point)
    return found


def _distance(p: Point, a: Point, b: Point) -> float:
    """From p to the segment ab, in degrees."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2 if length2 else 0.0
    t = max(0.0, min(1.0, t))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def _douglas_peucker(line: Sequence[Point], tolerance: float) -> list[Point]:
    keep = [False] * len(line)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = -1.0, -1
        for i in range(first + 1, last):
            d = _distance(line[i], line[first], line[last])
            if d > best:
                best, index = d, i
        if best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(line, keep, strict=True) if k]


def simplify_line(line: Sequence[Point], tolerance: float) -> list[Point]:
    """The same points whichever way the line runs, so both sides of a border agree."""
    if len(line) < 3:
        return list(line)
    backwards = line[-1] < line[0] or (line[0] == line[-1] and line[-2] < line[1])
    if backwards:
        return _douglas_peucker(line[::-1], tolerance)[::-1]
    return _douglas_peucker(line, tolerance)


def simplify_ring(ring: Ring, cuts: set[Point], tolerance: float) -> Ring:
    points = ring[:-1]
    marks = [i for i, p in enumerate(points) if p in cuts]
    # start at a junction, or for a free-standing ring at its smallest point
    start = marks[0] if marks else points.index(min(points))
    points = [*points[start:], *points[:start], points[start]]
    last = len(points) - 1  # == the start again
    ends = [*(i for i in range(1, last) if points[i] in cuts), last]
    out: Ring = []
    begin = 0
    for end in ends:
        out += simplify_line(points[begin : end + 1], tolerance)[:-1]
        begin = end
    out.append(out[0])
    return out if len(set(out)) >= 3 else ring  # too small to simplify: keep as is


def simplify(features: list[Feature], tolerance: float) -> None:
    cuts = junctions([ring for f in features for polygon in f.polygons for ring in polygon])
    for feature in features:
        feature.polygons = [
            [simplify_ring(ring, cuts, tolerance) for ring in polygon]
            for polygon in feature.polygons
        ]


# --- writing ---------------------------------------------------------------------------------


def to_geojson(feature: Feature) -> dict[str, object]:
    polygons = [[[list(p) for p in ring] for ring in polygon] for polygon in feature.polygons]
    geometry: dict[str, object] = (
        {"type": "Polygon", "coordinates": polygons[0]}
        if len(polygons) == 1
        else {"type": "MultiPolygon", "coordinates": polygons}
    )
    return {"type": "Feature", "properties": {"name": feature.name}, "geometry": geometry}


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True)


def dump(features: list[Feature], attribution: str) -> bytes:
    """Compact JSON with one feature per line, so that a refresh shows a readable diff."""
    head = '{"type":"FeatureCollection","attribution":' + _compact(attribution)
    lines = [_compact(to_geojson(f)) for f in features]
    return (head + ',"features":[\n' + ",\n".join(lines) + "\n]}\n").encode("ascii")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("input", type=Path, help="GeoJSON FeatureCollection (from topo2geo)")
    parser.add_argument("output", type=Path, help="where to write the cut GeoJSON")
    parser.add_argument("--attribution", required=True, help="source and licence, kept in file")
    parser.add_argument("--precision", type=int, default=3, help="decimals kept (default 3)")
    parser.add_argument(
        "--tolerance", type=float, default=0.0, help="simplification in degrees (default none)"
    )
    args = parser.parse_args(argv)

    features = read_features(args.input, args.precision)
    features = [f for f in features if any(meets_bbox(p) for p in f.polygons)]
    if not features:
        parser.error(f"{args.input}: no feature meets the box {BBOX}")
    if args.tolerance > 0:
        simplify(features, args.tolerance)
    data = dump(features, args.attribution)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    points = sum(len(r) for f in features for polygon in f.polygons for r in polygon)
    packed = len(gzip.compress(data, compresslevel=9, mtime=0))
    print(
        f"{args.output.name}: {len(features)} features, {points} points, "
        f"{len(data):,} bytes ({packed:,} gzipped)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
