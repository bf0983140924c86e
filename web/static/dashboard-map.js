// The dashboard's map: Leaflet (vendored, loaded as a classic script before this module) on the
// shipped GeoJSON basemap, or on tiles when the server names a tile URL. Sites are clustered
// markers labelled "headcount / target" and coloured by phase and mood; open incidents are pins
// of their own, coloured by severity, above everything. `sync(features)` brings the markers in
// line with a Map of features (live or as of a past moment), touching only what changed.
import { t } from "./i18n.js";
import {
  ago, clock, compact, contains, el, number, percent, zoneOfLongitude, zoneOfProvince,
} from "./dashboard-util.js";

const L = window.L;
const INDONESIA = [[-11.2, 94.5], [6.3, 141.2]];
export const SEVERITIES = ["low", "medium", "high", "critical"];

export function createMap(container, { tileUrl, tileAttribution, onZones } = {}) {
  const map = L.map(container, {
    minZoom: 4, maxZoom: 18, zoomSnap: 0.25, worldCopyJump: false, preferCanvas: false,
    maxBounds: [[-25, 80], [20, 160]], maxBoundsViscosity: 0.8,
  });
  map.fitBounds(INDONESIA);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  map.createPane("incidents").style.zIndex = 650;
  // The container changes size without the window doing so (the replay banner, the panels).
  new ResizeObserver(() => map.invalidateSize({ pan: false })).observe(container);

  const provinces = [];
  let basemap = Boolean(tileUrl);
  if (tileUrl) {
    L.tileLayer(tileUrl, { maxZoom: 19, attribution: tileAttribution || "© OpenStreetMap" })
      .addTo(map);
  } else {
    drawBasemap(map, provinces).then(() => { basemap = true; onZones?.(); });
  }

  const sites = L.markerClusterGroup({
    maxClusterRadius: (zoom) => (zoom < 7 ? 80 : zoom < 10 ? 60 : 40), showCoverageOnHover: false, spiderfyOnMaxZoom: true,
    chunkedLoading: false, iconCreateFunction: clusterIcon,
  });
  const incidents = L.layerGroup();
  map.addLayer(sites);
  map.addLayer(incidents);

  // Zoomed out, labels show only the count: names come back as the sites spread apart.
  const compactLabels = () => container.classList.toggle("compact-labels",
    map.getZoom() < 7 && markers.size > 30);
  const markers = new Map(); // site id -> {marker, feature, dom}
  map.on("zoomend", compactLabels);
  const pins = new Map(); // incident id -> {marker, feature}
  const zones = new Map(); // site id -> IANA zone
  let fitted = false;

  function zoneOf(siteId) {
    if (zones.has(siteId)) return zones.get(siteId);
    const entry = markers.get(siteId);
    if (!entry) return undefined;
    const point = entry.feature.geometry.coordinates;
    const province = provinces.find((p) => contains(p.geometry, point));
    const zone = zoneOfProvince(province?.properties.name) ?? zoneOfLongitude(point[0]);
    if (provinces.length || tileUrl) zones.set(siteId, zone); // final once the outlines are in
    return zone;
  }

  function sync(features, { fit = false } = {}) {
    const changed = [];
    const added = [];
    const seenSites = new Set();
    const seenPins = new Set();
    for (const feature of features.values()) {
      if (!feature.geometry) continue;
      if (feature.properties.kind === "site") {
        seenSites.add(feature.id);
        const entry = markers.get(feature.id);
        if (!entry) {
          const made = siteMarker(feature);
          markers.set(feature.id, made);
          added.push(made.marker);
        } else if (entry.feature !== feature) {
          entry.feature = feature;
          fillSite(entry, feature);
          changed.push(entry.marker);
          if (entry.marker.isPopupOpen()) entry.marker.setPopupContent(sitePopup(feature, zoneOf));
        }
      } else if (feature.properties.kind === "incident" && feature.properties.status !== "resolved") {
        seenPins.add(feature.id);
        const pin = pins.get(feature.id);
        if (!pin || pin.feature !== feature) {
          pin?.marker.remove();
          pins.set(feature.id, { feature, marker: incidentMarker(feature) });
        }
      }
    }
    const removed = [];
    for (const [id, entry] of markers) {
      if (!seenSites.has(id)) { removed.push(entry.marker); markers.delete(id); zones.delete(id); }
    }
    for (const [id, pin] of pins) if (!seenPins.has(id)) { pin.marker.remove(); pins.delete(id); }
    if (removed.length) sites.removeLayers(removed);
    if (added.length) sites.addLayers(added);
    if (added.length || removed.length) compactLabels();
    if (changed.length) sites.refreshClusters(changed);
    if (fit || (!fitted && markers.size)) fitToSites();
    placePins();
  }

  // A pin stands beside its site while the site shows on its own; a site inside a cluster
  // lends its incidents to the cluster's badge instead, so pins never bury the counts.
  function placePins() {
    const at = new Map();
    for (const pin of pins.values()) {
      const site = markers.get(pin.feature.properties.site_id);
      const show = !site || sites.getVisibleParent(site.marker) === site.marker;
      if (!show) { pin.marker.remove(); continue; }
      const key = pin.feature.geometry.coordinates.join(",");
      const index = at.get(key) ?? 0;
      at.set(key, index + 1);
      const icon = pin.marker.options.icon;
      const anchor = [30 + 24 * index, 11];
      if (icon.options.iconAnchor[0] !== anchor[0]) {
        icon.options.iconAnchor = anchor;
        pin.marker.setIcon(icon);
      }
      if (!incidents.hasLayer(pin.marker)) pin.marker.addTo(incidents);
    }
  }
  map.on("zoomend moveend", placePins);
  sites.on("animationend spiderfied unspiderfied", placePins);

  function fitToSites() {
    if (!markers.size) { map.fitBounds(INDONESIA, { animate: false }); return; }
    const bounds = L.latLngBounds([...markers.values()].map((m) => m.marker.getLatLng()));
    // Labels hang to the right of their site: leave them room on that side.
    map.fitBounds(bounds, {
      maxZoom: 9, paddingTopLeft: [40, 40], paddingBottomRight: [200, 40], animate: false,
    });
    fitted = true;
  }

  function siteMarker(feature) {
    const dom = {
      root: el("div", { class: "site-label", data: { id: feature.id } }),
      count: el("span", { class: "hc" }),
      target: el("span", { class: "of" }),
      name: el("span", { class: "site-name" }),
      fill: el("span", { class: "site-fill" }),
      incidents: el("span", { class: "badge badge-incident", hidden: true }),
      requests: el("span", { class: "badge badge-request", hidden: true }),
    };
    dom.root.append(
      el("span", { class: "site-dot" }),
      el("span", { class: "site-text" },
        el("span", { class: "site-count" }, dom.count, dom.target, dom.incidents, dom.requests),
        dom.name,
        el("span", { class: "site-bar" }, dom.fill)),
    );
    const [lon, lat] = feature.geometry.coordinates;
    const marker = L.marker([lat, lon], {
      icon: L.divIcon({ className: "site-icon", html: dom.root, iconSize: null, iconAnchor: [8, 8] }),
      title: feature.properties.name, keyboard: true, riseOnHover: true,
    });
    const entry = { marker, feature, dom };
    marker.posko = { headcount: 0, target: 0, severity: -1, tense: false, incidents: 0 };
    marker.bindPopup(() => sitePopup(entry.feature, zoneOf), { maxWidth: 320, autoPanPadding: [40, 40] });
    fillSite(entry, feature);
    return entry;
  }

  function focusSite(siteId) {
    const entry = markers.get(siteId);
    if (!entry) return;
    const go = () => sites.zoomToShowLayer(entry.marker, () => entry.marker.openPopup());
    // A zoom under way would swallow the one zoomToShowLayer asks for: go when it ends.
    if (map._animatingZoom) map.once("zoomend", go); else go();
  }

  function stats() {
    let clustered = 0;
    for (const icon of container.querySelectorAll(".site-cluster [data-count]")) {
      clustered += Number(icon.dataset.count);
    }
    return {
      basemap, sites: markers.size, clustered, pins: pins.size,
      labels: container.querySelectorAll(".site-label").length,
    };
  }

  return {
    map, sync, zoneOf, focusSite, stats, fitToSites,
    reset() { fitted = false; },
    invalidate() { map.invalidateSize(); },
  };
}

function fillSite({ marker, dom }, feature) {
  const p = feature.properties;
  const severity = SEVERITIES.indexOf(p.max_severity);
  dom.count.textContent = number(p.headcount);
  dom.target.textContent = ` / ${number(p.target)}`;
  dom.name.textContent = p.name;
  dom.fill.style.width = `${Math.min(100, (100 * (p.headcount ?? 0)) / Math.max(1, p.target))}%`;
  dom.root.className = [
    "site-label", `phase-${p.phase ?? "none"}`, p.mood === "tense" ? "mood-tense" : "",
    p.headcount === null ? "no-count" : "", (p.headcount ?? 0) >= p.target ? "reached" : "",
  ].filter(Boolean).join(" ");
  dom.incidents.hidden = !p.open_incidents;
  dom.incidents.className = `badge badge-incident sev-${p.max_severity ?? "low"}`;
  dom.incidents.textContent = `! ${p.open_incidents}`;
  dom.incidents.title = t("dash_open_incidents");
  dom.requests.hidden = !p.open_requests;
  dom.requests.textContent = `+ ${p.open_requests}`;
  dom.requests.title = t("dash_open_requests");
  marker.posko = {
    headcount: p.headcount ?? 0, target: p.target, severity, tense: p.mood === "tense",
    incidents: p.open_incidents,
  };
}

function clusterIcon(cluster) {
  let headcount = 0;
  let target = 0;
  let severity = -1;
  let tense = false;
  let incidents = 0;
  const children = cluster.getAllChildMarkers();
  for (const m of children) {
    incidents += m.posko.incidents;
    headcount += m.posko.headcount;
    target += m.posko.target;
    severity = Math.max(severity, m.posko.severity);
    tense ||= m.posko.tense;
  }
  const size = children.length < 10 ? 46 : children.length < 50 ? 54 : 62;
  const root = el("div", {
    class: `cluster ${severity >= 0 ? `sev-${SEVERITIES[severity]}` : ""} ${tense ? "mood-tense" : ""}`,
    data: { count: children.length }, title: `${number(headcount)} / ${number(target)}`,
  }, el("b", { text: compact(headcount) }), el("small", { text: `${children.length} ${t("dash_sites_short")}` }),
  incidents ? el("span", { class: `cluster-incidents sev-${SEVERITIES[Math.max(0, severity)]}`,
    text: `! ${incidents}`, title: t("dash_open_incidents") }) : null);
  return L.divIcon({ html: root, className: "site-cluster", iconSize: [size, size] });
}

function incidentMarker(feature) {
  const p = feature.properties;
  const [lon, lat] = feature.geometry.coordinates;
  const root = el("div", {
    class: `incident-pin sev-${p.severity} status-${p.status}`, data: { id: feature.id },
  }, el("span", { text: p.severity === "critical" ? "!!" : "!" }));
  const marker = L.marker([lat, lon], {
    pane: "incidents", keyboard: true,
    icon: L.divIcon({ className: "incident-icon", html: root, iconSize: [22, 22], iconAnchor: [30, 11] }),
  });
  marker.bindTooltip(() => el("div", {},
    el("strong", { text: `${t(`dash_incident_${p.incident_kind}`)} · ${t(`dash_severity_${p.severity}`)}` }),
    el("div", { text: p.legal && p.description === undefined ? t("dash_legal_item") : p.description }),
    el("div", { class: "muted", text: `${t(`dash_status_${p.status}`)} · ${clock(p.at)}` })), { direction: "top" });
  return marker;
}

function sitePopup(feature, zoneOf) {
  const p = feature.properties;
  const zone = zoneOf(feature.id);
  const row = (label, value) => el("tr", {}, el("th", { text: label }), el("td", { text: value }));
  const affiliates = Object.entries(p.by_affiliate ?? {});
  return el("div", { class: "site-popup" },
    el("h3", { text: p.name }),
    el("p", { class: "popup-count" },
      el("b", { text: number(p.headcount) }), ` / ${number(p.target)} `,
      el("span", { class: "muted", text: `(${percent(p.headcount ?? 0, p.target)})` })),
    el("table", {},
      row(t("dash_phase"), p.phase ? t(`dash_phase_${p.phase}`) : "–"),
      row(t("dash_mood"), p.mood ? t(`dash_mood_${p.mood}`) : "–"),
      row(t("last_report"), p.last_report_at ? `${clock(p.last_report_at, zone)} (${ago(p.last_report_at)})` : "–"),
      row(t("dash_last_checkin"), p.last_checkin_at ? clock(p.last_checkin_at, zone) : "–"),
      row(t("dash_reports"), `${number(p.reports)} · ${number(p.reporters)} ${t("reporters").toLowerCase()}`),
      p.far_checkins ? row(t("dash_far_checkins"), number(p.far_checkins)) : null,
      row(t("dash_open_incidents"), number(p.open_incidents)),
      row(t("dash_open_requests"), number(p.open_requests))),
    affiliates.length ? el("p", { class: "muted", text: `${t("dash_by_affiliate")}: ${affiliates.length}` }) : null);
}

async function drawBasemap(map, provinces) {
  const renderer = L.canvas({ padding: 0.5 });
  const get = (name) => fetch(`/static/geo/${name}`).then((r) => (r.ok ? r.json() : null));
  const [countries, outlines] = await Promise.all([
    get("indonesia-countries.geo.json"), get("indonesia-provinces.geo.json"),
  ]);
  if (countries) {
    L.geoJSON(countries, {
      renderer, interactive: false,
      filter: (f) => f.properties.name !== "Indonesia", // the provinces draw its coastline
      style: { color: "#b8b4aa", weight: 0.6, fillColor: "#e9e6df", fillOpacity: 1 },
    }).addTo(map);
  }
  if (outlines) {
    provinces.push(...outlines.features);
    L.geoJSON(outlines, {
      renderer, interactive: false,
      style: { color: "#b39b7d", weight: 0.7, fillColor: "#fbf8f1", fillOpacity: 1 },
    }).addTo(map);
  }
  map.attributionControl.addAttribution("Natural Earth");
}
