// Small helpers the dashboard's modules share: building DOM without HTML strings (the CSP
// forbids inline styles, and text from the field must never become markup), number and time
// formatting in the page's language, and the time zone of a place (WIB, WITA, WIT).
import { lang, t } from "./i18n.js";

export const locale = lang === "en" ? "en-GB" : "id-ID";
const numberFormat = new Intl.NumberFormat(lang === "en" ? "en-US" : "id-ID");
const compactFormat = new Intl.NumberFormat(lang === "en" ? "en-US" : "id-ID",
  { notation: "compact", maximumFractionDigits: 1 });
const percentFormat = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 });

export const number = (n) => (n === null || n === undefined ? "–" : numberFormat.format(n));
export const compact = (n) => compactFormat.format(n ?? 0);
export const percent = (part, whole) => (whole > 0 ? percentFormat.format(part / whole) : "–");

// el("li", {class: "x", data: {id}}, child, "text", ...): an element with attributes and children.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "data") Object.assign(node.dataset, value);
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...present(children));
  return node;
}

const present = (children) => children.flat().filter((c) => c !== null && c !== undefined && c !== false);

// Replace a node's children, skipping the absent ones (null, undefined, false).
export function fill(node, ...children) {
  node.replaceChildren(...present(children));
}

// Indonesia's three zones, with the names people use for them in either language.
export const ZONES = { "Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT" };
const formatters = new Map();

function formatter(zone, withSeconds) {
  const key = `${zone}|${withSeconds}`;
  if (!formatters.has(key)) {
    formatters.set(key, new Intl.DateTimeFormat(locale, {
      hour: "2-digit", minute: "2-digit", second: withSeconds ? "2-digit" : undefined,
      timeZone: zone, timeZoneName: ZONES[zone] ? undefined : "short",
    }));
  }
  return formatters.get(key);
}

export const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

// "10.32 WIB": a time of day in the given zone (default: the browser's), named the local way.
export function clock(iso, zone = localZone, withSeconds = false) {
  if (!iso) return "–";
  const date = typeof iso === "number" ? new Date(iso) : new Date(iso);
  const text = formatter(zone, withSeconds).format(date);
  return ZONES[zone] ? `${text} ${ZONES[zone]}` : text;
}

const dayFormat = new Intl.DateTimeFormat(locale, { weekday: "short", day: "numeric", month: "short" });
export const day = (ms) => dayFormat.format(new Date(ms));

// "3 menit lalu" for how long ago something happened, or the clock time when it is older.
const relative = new Intl.RelativeTimeFormat(lang === "en" ? "en" : "id", { numeric: "auto" });
export function ago(iso, now = Date.now()) {
  if (!iso) return t("dash_never");
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (seconds > -45) return t("dash_just_now");
  if (seconds > -3600) return relative.format(Math.round(seconds / 60), "minute");
  return relative.format(Math.round(seconds / 3600), "hour");
}

// Provinces (as the shipped basemap names them) by zone; anything else falls back to longitude.
const WITA = ["Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Selatan",
  "Kalimantan Timur", "Sulawesi Selatan", "Sulawesi Barat", "Sulawesi Tengah",
  "Sulawesi Tenggara", "Sulawesi Utara", "Gorontalo"];
const WIT = ["Maluku", "Maluku Utara", "Papua", "Irian Jaya Barat"];

export function zoneOfProvince(name) {
  if (!name) return null;
  if (WIT.includes(name)) return "Asia/Jayapura";
  if (WITA.includes(name)) return "Asia/Makassar";
  return "Asia/Jakarta";
}

export function zoneOfLongitude(lon) {
  if (lon >= 125) return "Asia/Jayapura";
  if (lon >= 114.5) return "Asia/Makassar";
  return "Asia/Jakarta";
}

// Is [lon, lat] inside a GeoJSON Polygon or MultiPolygon (even-odd rule over every ring)?
export function contains(geometry, [x, y]) {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  let inside = false;
  for (const rings of polygons) {
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
      }
    }
  }
  return inside;
}

// A short, stable label for an id we have no name for (an affiliate the API would not name).
export const shortId = (id) => String(id).replace(/^[a-z-]+:/, "").slice(0, 8);
