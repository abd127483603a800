/**
 * Normalisation before validation: every channel's input is cleaned the same way (trimmed, control
 * characters removed, SKUs and codes upper-cased, phone numbers towards E.164, country names to
 * ISO codes) so that the schema judges the order, not the typing habits of its sender.
 * Only values of the expected type are touched; anything else is left for the schema to refuse.
 */

// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** Calling codes for the countries whose national numbers we can complete (leading trunk 0). */
const CALLING_CODES: Record<string, string> = {
  GB: '44', DE: '49', FR: '33', NL: '31', BE: '32', AT: '43', CH: '41', IT: '39', ES: '34', PT: '351', IE: '353', SE: '46',
  NO: '47', DK: '45', FI: '358', PL: '48', CZ: '420', US: '1', CA: '1', AU: '61', NZ: '64', JP: '81', KR: '82', CN: '86',
  TW: '886', HK: '852', MO: '853', SG: '65', IN: '91',
};

const COUNTRY_NAMES: Record<string, string> = {
  'UNITED KINGDOM': 'GB', UK: 'GB', 'GREAT BRITAIN': 'GB', ENGLAND: 'GB', GERMANY: 'DE', DEUTSCHLAND: 'DE', FRANCE: 'FR',
  NETHERLANDS: 'NL', 'THE NETHERLANDS': 'NL', HOLLAND: 'NL', BELGIUM: 'BE', AUSTRIA: 'AT', SWITZERLAND: 'CH', ITALY: 'IT',
  SPAIN: 'ES', PORTUGAL: 'PT', IRELAND: 'IE', SWEDEN: 'SE', NORWAY: 'NO', DENMARK: 'DK', FINLAND: 'FI', POLAND: 'PL',
  USA: 'US', 'UNITED STATES': 'US', 'UNITED STATES OF AMERICA': 'US', CANADA: 'CA', AUSTRALIA: 'AU', JAPAN: 'JP',
  CHINA: 'CN', 中国: 'CN', TAIWAN: 'TW', 台灣: 'TW', 台湾: 'TW', 'HONG KONG': 'HK', 香港: 'HK', SINGAPORE: 'SG', INDIA: 'IN',
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Trims, removes control characters (FerretDB cannot store NUL), collapses inner runs of spaces. */
export function cleanText(v: string): string {
  return v.replace(CONTROL, '').replace(/[ \t]+/g, ' ').trim();
}

export function normaliseCountry(v: string): string {
  const up = cleanText(v).toUpperCase();
  return COUNTRY_NAMES[up] ?? up;
}

export function normalisePhone(v: string, country?: string): string {
  let p = cleanText(v).replace(/[\s\-()./]/g, '');
  if (p.startsWith('00')) p = `+${p.slice(2)}`;
  if (!p.startsWith('+') && country && CALLING_CODES[country]) {
    p = `+${CALLING_CODES[country]}${p.replace(/^0+/, '')}`;
  }
  // "+44 (0)20 …": the national trunk 0 after a country code
  const m = /^\+(\d{1,3})0(\d{6,})$/.exec(p);
  if (m && Object.values(CALLING_CODES).includes(m[1]) && p.length > 12) p = `+${m[1]}${m[2]}`;
  return p;
}

/** Numbers typed as text ("12", "9,99") become numbers; anything else stays for the schema to judge. */
function toNumber(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim().replace(/\s/g, '');
  if (!/^-?\d+([.,]\d+)?$/.test(s)) return v;
  return Number(s.replace(',', '.'));
}

function normaliseStrings(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(normaliseStrings);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const cleaned = normaliseStrings(v);
      // empty optional strings count as absent, as in every form
      if (cleaned === '') continue;
      // defineProperty keeps "__proto__" an own (and therefore refused) field instead of a prototype
      Object.defineProperty(out, k, { value: cleaned, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

function normaliseAddress(a: unknown): unknown {
  if (!isObject(a)) return a;
  const out = { ...a };
  if (typeof out.country === 'string') out.country = normaliseCountry(out.country);
  if (typeof out.postcode === 'string') out.postcode = out.postcode.toUpperCase().replace(/\s+/g, ' ');
  if (typeof out.phone === 'string') out.phone = normalisePhone(out.phone, typeof out.country === 'string' ? out.country : undefined);
  return out;
}

/** Returns a new, normalised value; never mutates the input. */
export function normaliseOrderInput(raw: unknown): unknown {
  const input = normaliseStrings(raw);
  if (!isObject(input)) return input;
  const out: Record<string, unknown> = { ...input };
  out.shippingAddress = normaliseAddress(out.shippingAddress);
  if (out.billingAddress !== undefined) out.billingAddress = normaliseAddress(out.billingAddress);
  const country = isObject(out.shippingAddress) && typeof out.shippingAddress.country === 'string' ? out.shippingAddress.country : undefined;
  if (isObject(out.customer)) {
    const c = { ...out.customer };
    if (typeof c.email === 'string') c.email = c.email.toLowerCase();
    if (typeof c.phone === 'string') c.phone = normalisePhone(c.phone, country);
    out.customer = c;
  }
  if (typeof out.currency === 'string') out.currency = out.currency.toUpperCase();
  if (typeof out.channel === 'string') out.channel = out.channel.toLowerCase();
  if (typeof out.priority === 'string') out.priority = out.priority.toLowerCase();
  if (typeof out.type === 'string') out.type = out.type.toLowerCase();
  for (const k of ['shippingCharge', 'taxRate'] as const) if (k in out) out[k] = toNumber(out[k]);
  if (Array.isArray(out.lines)) {
    out.lines = out.lines.map((l) => {
      if (!isObject(l)) return l;
      const line = { ...l };
      if (typeof line.sku === 'string') line.sku = line.sku.toUpperCase().replace(/\s+/g, '-');
      if (typeof line.unit === 'string') line.unit = line.unit.toLowerCase();
      line.quantity = toNumber(line.quantity);
      line.unitPrice = toNumber(line.unitPrice);
      return line;
    });
  }
  return out;
}
