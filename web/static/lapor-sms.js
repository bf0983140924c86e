// Reports by SMS from the korlap's phone: when data does not get through, a queued item can go
// as a text in Posko's keyword form. The item's id is made from a short ref the text carries
// (#ref), the way the server makes it (UUID v5), so the text and the later upload are one report.
const NAMESPACE_URL = "6ba7b8119dad11d180b400c04fd430c8"; // RFC 4122's URL namespace
const REF_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford's base32, as core/sms.py
const REF_LENGTH = 10;

export function newRef() {
  const bytes = crypto.getRandomValues(new Uint8Array(REF_LENGTH));
  return [...bytes].map((b) => REF_ALPHABET[b % 32]).join("");
}

// uuid5(NAMESPACE_URL, "posko:sms-item:<action id>:<ref>"), as core/sms.py item_id; null where
// the page is not a secure context (no crypto.subtle): such items are not offered by SMS.
export async function smsItemId(actionId, ref) {
  if (!globalThis.crypto?.subtle) return null;
  const name = new TextEncoder().encode(`posko:sms-item:${actionId}:${ref}`);
  const data = new Uint8Array(16 + name.length);
  data.set(NAMESPACE_URL.match(/../g).map((h) => parseInt(h, 16)));
  data.set(name, 16);
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-1", data)).slice(0, 16);
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = [...hash].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const PHASE = { assembling: "KUMPUL", marching: "JALAN", holding: "BERTAHAN", dispersed: "BUBAR" };
const MOOD = { calm: "AMAN", tense: "TEGANG" };
const INCIDENT = { arrest: "TANGKAP", injury: "LUKA", police: "POLISI", provocation: "PROVOKASI",
  violence: "KEKERASAN", weather: "CUACA", logistics: "LOGISTIK", other: "LAIN" };
const SEVERITY = { low: "RINGAN", medium: "SEDANG", high: "BERAT", critical: "KRITIS" };
const HELP = { medic: "MEDIS", water_food: "AIR", legal_aid: "HUKUM", transport: "TRANSPORT",
  sound: "SOUND", other: "LAIN" };

// The item in the keyword form (see the README's "Reports by SMS"), with its #ref.
export function keywordText(item, codes) {
  const b = item.body;
  const code = codes[b.site_id] ?? "";
  const words = [];
  if (item.type === "incident") {
    words.push("INSIDEN", INCIDENT[b.kind], SEVERITY[b.severity], b.description);
  } else if (item.type === "request") {
    words.push("BANTUAN", HELP[b.kind], String(b.quantity), b.note ?? "");
  } else if (b.kind === "checkin") {
    words.push("HADIR", code);
  } else if (b.kind === "headcount") {
    words.push("JUMLAH", String(b.headcount), code);
  } else {
    words.push("STATUS", PHASE[b.phase] ?? "", MOOD[b.mood] ?? "");
  }
  return [...words.filter(Boolean), `#${item.ref}`].join(" ");
}

// An sms: link that opens the phone's SMS app with the text written to the posko's number.
export function smsHref(number, text) {
  return `sms:${number}?body=${encodeURIComponent(text)}`;
}
