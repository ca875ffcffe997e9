// The shop event contract (DESIGN §3): EventBridge envelopes whose `detail` is validated per
// `detail-type`. Money is in minor units, time zones are IANA names, locales BCP 47 tags.
import * as z from 'zod';

/**
 * A function of a string whose answers are remembered (at most 1,000, then forgotten), `failed`
 * when it throws: building an Intl.DateTimeFormat or an Intl.Locale, or canonicalizing a locale,
 * costs more than the rest of an event's check.
 */
export const remembered = <T>(compute: (value: string) => T, failed: T): ((value: string) => T) => {
  const known = new Map<string, T>();
  return (value) => {
    if (known.has(value)) return known.get(value) as T;
    let answer: T;
    try {
      answer = compute(value);
    } catch {
      answer = failed;
    }
    if (known.size >= 1_000) known.clear();
    known.set(value, answer);
    return answer;
  };
};

export const isIanaTimeZone = remembered((tz) => {
  new Intl.DateTimeFormat('en-US', { timeZone: tz });
  return true;
}, false);

const isBcp47 = remembered((tag) => Intl.getCanonicalLocales(tag).length === 1, false);

/** A content key of a marketer's file: a language, optionally with region/script ("de", "de-AT", "zh-Hant"). */
export const isLocaleKey = (key: string): boolean => /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(key) && isBcp47(key);

export const Id = z.string().min(1).max(128);
export const IsoTime = z.iso.datetime({ offset: true });
export const Email = z.email().max(254);
export const Locale = z.string().refine(isBcp47, { message: 'must be a BCP 47 locale such as "de-DE"' });
export const TimeZone = z.string().refine(isIanaTimeZone, { message: 'must be an IANA time zone such as "Europe/Berlin"' });
export const Cents = z.number().int().nonnegative();
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "EUR"');

/** "YYYY-MM-DD" or "--MM-DD" (no year), a real calendar day. */
export const Birthday = z
  .string()
  .regex(/^(\d{4}|--)-?(\d{2})-(\d{2})$/, 'must be "YYYY-MM-DD" or "--MM-DD"')
  .refine((value) => {
    const m = /^(?:(\d{4})|-)-(\d{2})-(\d{2})$/.exec(value);
    if (!m) return false;
    const year = m[1] ? Number(m[1]) : 2000; // a leap year, so --02-29 is allowed
    const month = Number(m[2]);
    const day = Number(m[3]);
    const date = new Date(Date.UTC(year, month - 1, day));
    return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  }, 'is not a calendar day');

export const Salutation = z.enum(['mr', 'ms', 'mx']);
export type Salutation = z.infer<typeof Salutation>;
export const Formality = z.enum(['formal', 'informal']);
export type Formality = z.infer<typeof Formality>;

export const ConsentProof = z.object({
  marketing: z.boolean(),
  at: IsoTime,
  source: z.string().min(1).max(200),
  ip: z.string().max(64).optional(),
  text: z.string().max(2000).optional(),
  /** Version of the consent wording shown (e.g. "2026-03"), kept with the proof. */
  textVersion: z.string().max(64).optional(),
  /**
   * Migrating a list: "confirmed" is accepted only with confirmedAt, source and ip or proofRef
   * (core/consent.ts isProvenConfirmation); anything less stays pending and gets the double opt-in.
   */
  status: z.enum(['pending', 'confirmed']).optional(),
  confirmedAt: IsoTime.optional(),
  /** Where the earlier provider keeps the confirmation record (an export id, a URL). */
  proofRef: z.string().min(1).max(500).optional(),
});
export type ConsentProof = z.infer<typeof ConsentProof>;

export const Attributes = z.record(z.string().min(1).max(64), z.union([z.string().max(1000), z.number(), z.boolean()]));

const customerFields = {
  email: Email,
  firstName: z.string().max(100).optional(),
  lastName: z.string().max(100).optional(),
  salutation: Salutation.optional(),
  formality: Formality.optional(),
  locale: Locale,
  /**
   * IANA zone. Missing or not a zone the runtime knows: the event is still applied, mail follows
   * the shop's default zone and the profile records `timeZoneWarning` (never a silent drop).
   */
  timeZone: z.string().max(100).optional(),
  /** ISO 3166-1 alpha-2 ("DE"): seasonal dates by country (Mother's Day, holidays); else the locale's region. */
  country: z.string().regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as "DE"').optional(),
  birthday: Birthday.optional(),
  consent: ConsentProof.optional(),
  referralCode: z.string().min(1).max(64).optional(),
  attributes: Attributes.optional(),
};

export const CustomerRegistered = z.object({ customerId: Id, ...customerFields });
export type CustomerRegistered = z.infer<typeof CustomerRegistered>;

export const CustomerUpdated = z
  .object({ customerId: Id, ...customerFields })
  .partial()
  .required({ customerId: true });
export type CustomerUpdated = z.infer<typeof CustomerUpdated>;

export const OrderItem = z.object({
  sku: z.string().min(1).max(128),
  name: z.string().max(500),
  category: z.string().max(200).optional(),
  quantity: z.number().int().positive(),
  priceCents: Cents,
});
export type OrderItem = z.infer<typeof OrderItem>;

export const OrderPlaced = z.object({
  orderId: Id,
  customerId: Id,
  placedAt: IsoTime,
  totalCents: Cents,
  currency: Currency,
  items: z.array(OrderItem).max(1000),
  couponCode: z.string().min(1).max(64).optional(),
  referralCode: z.string().min(1).max(64).optional(),
  /**
   * The shop's hash of the normalized shipping address (e.g. sha256 hex of lower-case street,
   * number, postcode, country): the referral program's self-referral check compares it, never
   * the address itself.
   */
  shippingAddressHash: z.string().regex(/^[A-Za-z0-9+/=_-]{16,128}$/, 'must be a hash of 16 to 128 hex or base64 characters').optional(),
});
export type OrderPlaced = z.infer<typeof OrderPlaced>;

export const OrderRefunded = z.object({
  orderId: Id,
  customerId: Id,
  /**
   * The shop's id of this refund, unique within its order: each (order, refund) is applied once,
   * whatever the event id. Optional for older senders; without it the refund is keyed by
   * refundedAt (UTC) and amountCents (see `refundKey`), so two refunds of the same amount at the
   * same instant count once.
   */
  refundId: Id.optional(),
  refundedAt: IsoTime,
  amountCents: Cents,
});
export type OrderRefunded = z.infer<typeof OrderRefunded>;

export const NpsSubmitted = z.object({
  customerId: Id,
  score: z.number().int().min(0).max(10),
  comment: z.string().max(5000).optional(),
  submittedAt: IsoTime,
});
export type NpsSubmitted = z.infer<typeof NpsSubmitted>;

/** The shop's detail-types and their detail schemas. */
export const shopDetailSchemas = {
  CustomerRegistered,
  CustomerUpdated,
  OrderPlaced,
  OrderRefunded,
  NpsSubmitted,
} as const;
export type ShopDetailType = keyof typeof shopDetailSchemas;
export const shopDetailTypes = Object.keys(shopDetailSchemas) as ShopDetailType[];

/** The EventBridge source the shop backend puts its events with. */
export const SHOP_EVENT_SOURCE = 'shop';

/** An EventBridge envelope as it arrives (detail not yet validated). */
export const Envelope = z.object({
  id: Id,
  source: z.string().min(1),
  'detail-type': z.string().min(1),
  time: IsoTime,
  detail: z.unknown(),
  account: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  version: z.string().optional(),
});
export type Envelope = z.infer<typeof Envelope>;

export type ShopEvent =
  | { id: string; time: string; type: 'CustomerRegistered'; detail: CustomerRegistered }
  | { id: string; time: string; type: 'CustomerUpdated'; detail: CustomerUpdated }
  | { id: string; time: string; type: 'OrderPlaced'; detail: OrderPlaced }
  | { id: string; time: string; type: 'OrderRefunded'; detail: OrderRefunded }
  | { id: string; time: string; type: 'NpsSubmitted'; detail: NpsSubmitted };

export type ParsedEvent =
  | { kind: 'event'; event: ShopEvent }
  | { kind: 'ignored'; id: string; detailType: string }
  | { kind: 'rejected'; id: string | undefined; detailType: string | undefined; reason: string };

/** One line per zod issue: `json.path: message`, the path from the envelope's root. */
export const formatIssues = (error: z.ZodError, prefix: (string | number)[] = []): string =>
  error.issues
    .map((issue) => {
      const path = [...prefix, ...issue.path]
        .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
        .join('');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');

/** Parses an envelope; never throws. Unknown detail-types are 'ignored', bad ones 'rejected'. */
export const parseShopEvent = (raw: unknown): ParsedEvent => {
  const envelope = Envelope.safeParse(raw);
  if (!envelope.success) {
    const r = raw as Record<string, unknown> | null;
    return {
      kind: 'rejected',
      id: typeof r?.id === 'string' ? r.id : undefined,
      detailType: typeof r?.['detail-type'] === 'string' ? (r['detail-type'] as string) : undefined,
      reason: formatIssues(envelope.error),
    };
  }
  const { id, time } = envelope.data;
  const detailType = envelope.data['detail-type'];
  if (!(detailType in shopDetailSchemas)) return { kind: 'ignored', id, detailType };
  const type = detailType as ShopDetailType;
  const detail = shopDetailSchemas[type].safeParse(envelope.data.detail);
  if (!detail.success) return { kind: 'rejected', id, detailType, reason: formatIssues(detail.error, ['detail']) };
  return { kind: 'event', event: { id, time, type, detail: detail.data } as ShopEvent };
};
