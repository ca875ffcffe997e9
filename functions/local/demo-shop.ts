// The deterministic demo shop behind `npm start` and the replay benchmarks: customers in German and
// English locales and several time zones, a year of orders with realistic repeat-purchase
// behaviour, refunds, coupons, NPS answers and consent changes, as EventBridge envelopes sorted by
// time. The same seed and options give the same events, byte for byte (a seeded mulberry32 PRNG;
// no clock, no Math.random).
import { DateTime } from 'luxon';
import type { CustomerRegistered, CustomerUpdated, NpsSubmitted, OrderItem, OrderPlaced, OrderRefunded, ShopDetailType } from '#core/events';
import { SHOP_EVENT_SOURCE } from '#core/events';
import { createHash } from 'node:crypto';
import { referralCodeCandidate } from '#core/referral';

/** The shop's hash of a customer's shipping address (the demo's addresses are one per customer). */
const addressHash = (customerId: string): string => createHash('sha256').update(`demo-address:${customerId}`).digest('hex');

/** mulberry32: a tiny, fast 32-bit PRNG; good enough for demo data, fully reproducible. */
export const mulberry32 = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Helpers over one PRNG stream. */
class Random {
  constructor(readonly next: () => number) {}

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  weighted<T>(options: readonly (readonly [T, number])[]): T {
    const total = options.reduce((sum, [, w]) => sum + w, 0);
    let roll = this.next() * total;
    for (const [value, weight] of options) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return options[options.length - 1]![0];
  }

  /** Exponentially distributed with the given mean (waiting times between purchases). */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
}

type DemoLocale = 'de-DE' | 'de-AT' | 'de-CH' | 'en-GB' | 'en-US';

const LOCALES: readonly (readonly [DemoLocale, number])[] = [
  ['de-DE', 45],
  ['de-AT', 10],
  ['de-CH', 8],
  ['en-GB', 20],
  ['en-US', 17],
];

const TIME_ZONES: Record<DemoLocale, readonly (readonly [string, number])[]> = {
  'de-DE': [
    ['Europe/Berlin', 95],
    ['Europe/Madrid', 3],
    ['Asia/Dubai', 2],
  ],
  'de-AT': [['Europe/Vienna', 1]],
  'de-CH': [['Europe/Zurich', 1]],
  'en-GB': [
    ['Europe/London', 92],
    ['Europe/Dublin', 8],
  ],
  'en-US': [
    ['America/New_York', 40],
    ['America/Chicago', 25],
    ['America/Denver', 10],
    ['America/Los_Angeles', 25],
  ],
};

const GERMAN_NAMES = {
  f: ['Anna', 'Lea', 'Marie', 'Sophie', 'Lena', 'Hannah', 'Julia', 'Laura', 'Sarah', 'Katharina', 'Jana', 'Birgit', 'Ursula', 'Sabine', 'Anja', 'Eva', 'Claudia', 'Franziska'],
  m: ['Lukas', 'Jonas', 'Felix', 'Maximilian', 'Paul', 'Leon', 'Tobias', 'Stefan', 'Jürgen', 'Thomas', 'Michael', 'Andreas', 'Florian', 'Matthias', 'Björn', 'Uwe', 'Klaus'],
  x: ['Alex', 'Kim', 'Robin', 'Sascha', 'Luca', 'Toni'],
  last: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann', 'Braun', 'Krüger', 'Hofmann', 'Huber', 'Gruber', 'Steiner', 'Keller', 'Brunner', 'Weiß'],
} as const;

const ENGLISH_NAMES = {
  f: ['Olivia', 'Emma', 'Amelia', 'Isla', 'Ava', 'Grace', 'Emily', 'Charlotte', 'Sophia', 'Chloe', 'Ella', 'Harper', 'Madison', 'Abigail'],
  m: ['Oliver', 'George', 'Harry', 'Noah', 'Jack', 'Leo', 'James', 'William', 'Liam', 'Ethan', 'Mason', 'Logan', 'Daniel', 'Samuel'],
  x: ['Alex', 'Jordan', 'Taylor', 'Riley', 'Casey', 'Morgan'],
  last: ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Robinson', 'Wright', 'Thompson', 'Evans', 'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Wood', 'Miller', 'Garcia', "O'Brien", 'Clarke'],
} as const;

interface Product {
  sku: string;
  name: string;
  category: string;
  priceCents: number;
}

/** A small speciality coffee and tea shop. */
const CATALOG: readonly Product[] = [
  { sku: 'COF-ESP-250', name: 'Espresso Classico 250 g', category: 'coffee', priceCents: 890 },
  { sku: 'COF-ESP-1000', name: 'Espresso Classico 1 kg', category: 'coffee', priceCents: 2990 },
  { sku: 'COF-FIL-500', name: 'Filterkaffee Hochland 500 g', category: 'coffee', priceCents: 1490 },
  { sku: 'COF-ETH-250', name: 'Ethiopia Yirgacheffe 250 g', category: 'coffee', priceCents: 1290 },
  { sku: 'COF-DEC-250', name: 'Decaf Swiss Water 250 g', category: 'coffee', priceCents: 1090 },
  { sku: 'TEA-GRN-100', name: 'Sencha Green Tea 100 g', category: 'tea', priceCents: 790 },
  { sku: 'TEA-BLK-100', name: 'Assam Breakfast 100 g', category: 'tea', priceCents: 690 },
  { sku: 'TEA-HRB-100', name: 'Kräutertee Alpenwiese 100 g', category: 'tea', priceCents: 590 },
  { sku: 'TEA-MAT-050', name: 'Matcha Ceremonial 50 g', category: 'tea', priceCents: 2490 },
  { sku: 'ACC-MIL-01', name: 'Hand Grinder Ceramic Burr', category: 'accessories', priceCents: 4990 },
  { sku: 'ACC-V60-01', name: 'Pour-Over Dripper', category: 'accessories', priceCents: 2290 },
  { sku: 'ACC-FIL-100', name: 'Paper Filters (100)', category: 'accessories', priceCents: 490 },
  { sku: 'ACC-KET-01', name: 'Gooseneck Kettle', category: 'accessories', priceCents: 5990 },
  { sku: 'MAC-ESP-01', name: 'Espresso Machine Piccola', category: 'machines', priceCents: 39900 },
  { sku: 'MAC-FRE-01', name: 'Milk Frother', category: 'machines', priceCents: 7990 },
  { sku: 'GFT-BOX-S', name: 'Gift Box Small', category: 'gifts', priceCents: 2490 },
  { sku: 'GFT-BOX-L', name: 'Gift Box Deluxe', category: 'gifts', priceCents: 5990 },
  { sku: 'GFT-CRD-25', name: 'Gift Card 25 €', category: 'gifts', priceCents: 2500 },
  { sku: 'SWE-CHO-01', name: 'Dark Chocolate 70 %', category: 'sweets', priceCents: 390 },
  { sku: 'SWE-BIS-01', name: 'Cantuccini 200 g', category: 'sweets', priceCents: 490 },
];

const CATEGORIES = [...new Set(CATALOG.map((p) => p.category))];
const CATEGORY_WEIGHTS: Record<string, number> = { coffee: 45, tea: 25, accessories: 12, machines: 3, gifts: 8, sweets: 7 };

const SHIPPING_CENTS = 490;
const FREE_SHIPPING_FROM_CENTS = 4900;

/** Coupons are rare; each runs in a season (month numbers, 1-based). */
const COUPONS: readonly { code: string; percent: number; months: readonly number[] }[] = [
  { code: 'WELCOME10', percent: 10, months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
  { code: 'SPRING15', percent: 15, months: [3, 4, 5] },
  { code: 'SUMMER15', percent: 15, months: [6, 7, 8] },
  { code: 'XMAS20', percent: 20, months: [11, 12] },
];

const CONSENT_TEXT: Record<'de' | 'en', string> = {
  de: 'Ja, ich möchte den Newsletter mit Angeboten und Neuigkeiten per E-Mail erhalten. Abmeldung jederzeit möglich.',
  en: 'Yes, I would like to receive the newsletter with offers and news by email. I can unsubscribe at any time.',
};

const NPS_COMMENTS: Record<'de' | 'en', { good: readonly string[]; bad: readonly string[] }> = {
  de: { good: ['Super Kaffee, schnelle Lieferung!', 'Immer wieder gerne.', 'Tolle Beratung.'], bad: ['Lieferung kam zu spät.', 'Verpackung war beschädigt.'] },
  en: { good: ['Great coffee, fast delivery!', 'Lovely gift box.', 'Will order again.'], bad: ['Delivery was late.', 'Package arrived damaged.'] },
};

/** How a customer buys over the year. */
type BuyerKind = 'browser' | 'one-time' | 'repeat' | 'loyal';

export interface DemoShopOptions {
  /** PRNG seed; the same seed gives the same shop. */
  seed?: number;
  /** Number of customers (about 1,000 for the demo, 10,000 for the benchmark). */
  customers?: number;
  /** First instant of the year (UTC). */
  from?: string;
  /** Length of the period in days. */
  days?: number;
}

/** One shop event as an EventBridge envelope (what `events.jsonl` holds, one per line). */
export type DemoEvent =
  | DemoEnvelope<'CustomerRegistered', CustomerRegistered>
  | DemoEnvelope<'CustomerUpdated', CustomerUpdated>
  | DemoEnvelope<'OrderPlaced', OrderPlaced>
  | DemoEnvelope<'OrderRefunded', OrderRefunded>
  | DemoEnvelope<'NpsSubmitted', NpsSubmitted>;

export interface DemoEnvelope<T extends ShopDetailType, D> {
  id: string;
  source: typeof SHOP_EVENT_SOURCE;
  'detail-type': T;
  time: string;
  detail: D;
}

export interface DemoShopSummary {
  customers: number;
  events: number;
  byType: Record<ShopDetailType, number>;
  buyers: number;
  repeatBuyers: number;
  /** Repeat buyers / buyers (customers with at least one order). */
  repeatPurchaseRate: number;
  orders: number;
  refunds: number;
  couponOrders: number;
  withMarketingConsent: number;
}

export interface DemoShop {
  from: string;
  to: string;
  seed: number;
  events: DemoEvent[];
  summary: DemoShopSummary;
}

const iso = (dt: DateTime): string => dt.toUTC().toISO({ suppressMilliseconds: true }) as string;

const ascii = (s: string): string =>
  s
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .replace(/[^a-z0-9]/g, '');

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * Generates the demo shop. Events are sorted by time (ties by id) and every one parses with
 * `parseShopEvent`. Money is in euro cents; the shop ships to DACH, the UK and the US.
 */
export const generateDemoShop = (options: DemoShopOptions = {}): DemoShop => {
  const seed = options.seed ?? 20260101;
  const customerCount = options.customers ?? 1000;
  const days = options.days ?? 365;
  if (!(Number.isInteger(customerCount) && customerCount >= 1)) throw new Error(`customers must be a positive integer, got ${customerCount}`);
  if (!(days >= 1)) throw new Error(`days must be at least 1, got ${days}`);
  const from = DateTime.fromISO(options.from ?? '2025-01-01T00:00:00Z', { zone: 'utc' });
  if (!from.isValid) throw new Error(`from is not a valid ISO time: ${options.from}`);
  const to = from.plus({ days });
  const fromMs = from.toMillis();
  const toMs = to.toMillis();
  const random = new Random(mulberry32(seed));
  const idWidth = String(customerCount).length + 1;

  const events: DemoEvent[] = [];
  let eventSeq = 0;
  let orderSeq = 0;
  const push = <T extends DemoEvent['detail-type']>(type: T, at: DateTime, detail: Extract<DemoEvent, { 'detail-type': T }>['detail']): void => {
    events.push({ id: `demo-${seed}-${pad(eventSeq++, 8)}`, source: SHOP_EVENT_SOURCE, 'detail-type': type, time: iso(at), detail } as DemoEvent);
  };
  /** Customers who share their referral code (after their first order), with the code. */
  const sharers: { code: string; customerId: string }[] = [];
  let buyers = 0;
  let repeatBuyers = 0;
  let withConsent = 0;

  /** A time on the given local day between the hours, in the customer's zone. */
  const localTime = (dayStart: DateTime, zone: string): DateTime => {
    const hour = random.weighted([
      [random.int(7, 11), 25],
      [random.int(12, 17), 35],
      [random.int(18, 22), 40],
    ] as const);
    return DateTime.fromObject({ year: dayStart.year, month: dayStart.month, day: dayStart.day, hour, minute: random.int(0, 59), second: random.int(0, 59) }, { zone });
  };

  for (let c = 1; c <= customerCount; c++) {
    const customerId = `c-${pad(c, idWidth)}`;
    const locale = random.weighted(LOCALES);
    const language = locale.startsWith('de') ? 'de' : 'en';
    const timeZone = random.weighted(TIME_ZONES[locale]);
    const names = language === 'de' ? GERMAN_NAMES : ENGLISH_NAMES;
    const gender = random.weighted([
      ['f', 48],
      ['m', 48],
      ['x', 4],
    ] as const);
    const firstName = random.pick(names[gender]);
    const lastName = random.pick(names.last);
    const salutationRoll = random.next();
    const salutation = salutationRoll < 0.1 ? undefined : gender === 'x' ? 'mx' : gender === 'f' ? 'ms' : 'mr';
    const formality =
      random.chance(0.1) ? undefined : random.chance(language === 'de' ? 0.6 : 0.3) ? ('formal' as const) : ('informal' as const);
    const email = `${ascii(firstName)}.${ascii(lastName)}.${c}@${random.pick(['example.com', 'example.org', 'example.net'])}`;

    // Registrations: a quarter arrive in the first month (the shop's launch campaign), the rest
    // spread over the first eleven months.
    const registerDay = random.chance(0.25) ? random.int(0, 30) : random.int(0, Math.max(0, days - 35));
    let registeredAt: DateTime = localTime(from.plus({ days: registerDay }).setZone(timeZone), timeZone);
    // West of UTC the first local day starts before the period; move such times a day on.
    if (registeredAt.toMillis() < fromMs) registeredAt = registeredAt.plus({ days: 1 });
    const registeredMs = Math.max(fromMs, Math.min(registeredAt.toMillis(), toMs - 1));
    const registered = DateTime.fromMillis(registeredMs, { zone: timeZone });

    let birthday: string | undefined;
    if (random.chance(0.75)) {
      const month = random.int(1, 12);
      const day = random.int(1, DateTime.fromObject({ year: 2000, month }).daysInMonth ?? 28);
      birthday = random.chance(0.3) ? `--${pad(month, 2)}-${pad(day, 2)}` : `${random.int(1950, 2005)}-${pad(month, 2)}-${pad(day, 2)}`;
      if (!birthday.startsWith('--') && !DateTime.fromISO(birthday).isValid) birthday = `--${pad(month, 2)}-${pad(day, 2)}`; // 29 Feb in a non-leap year
    }

    const consentRoll = random.next();
    const consentGiven = consentRoll < 0.78 ? true : consentRoll < 0.88 ? false : undefined;
    const consent =
      consentGiven === undefined
        ? undefined
        : {
            marketing: consentGiven,
            at: iso(registered),
            source: random.pick(['checkout', 'newsletter-form', 'account-page']),
            ip: `${random.pick(['203.0.113', '198.51.100', '192.0.2'])}.${random.int(1, 254)}`,
            text: CONSENT_TEXT[language],
          };
    if (consentGiven) withConsent++;

    // A third of the customers share their referral code once they have ordered (the engine
    // makes it on their first invitation: attempt 0 of core/referral.ts, so the shop knows it).
    const referralCode = random.chance(0.3) ? referralCodeCandidate(customerId, 0) : undefined;
    const registeredDetail: CustomerRegistered = {
      customerId,
      email,
      firstName,
      lastName,
      ...(salutation ? { salutation } : {}),
      ...(formality ? { formality } : {}),
      locale,
      timeZone,
      ...(birthday ? { birthday } : {}),
      ...(consent ? { consent } : {}),
      attributes: { signupChannel: random.pick(['web', 'web', 'web', 'app']) },
    };
    push('CustomerRegistered', registered, registeredDetail);

    // A fifth of those without consent opt in later; a few withdraw.
    if (consentGiven !== true && random.chance(0.2)) {
      const at = registered.plus({ days: random.int(5, 120) });
      if (at.toMillis() < toMs) {
        withConsent++;
        push('CustomerUpdated', at, {
          customerId,
          consent: { marketing: true, at: iso(at), source: 'newsletter-form', ip: `203.0.113.${random.int(1, 254)}`, text: CONSENT_TEXT[language] },
        });
      }
    } else if (consentGiven === true && random.chance(0.03)) {
      const at = registered.plus({ days: random.int(10, 200) });
      if (at.toMillis() < toMs) {
        withConsent--;
        push('CustomerUpdated', at, { customerId, consent: { marketing: false, at: iso(at), source: 'account-page' } });
      }
    }
    if (random.chance(0.02)) {
      const at = registered.plus({ days: random.int(1, 200) });
      if (at.toMillis() < toMs) push('CustomerUpdated', at, { customerId, lastName: random.pick(names.last) });
    }

    // Buying behaviour: ~15% never buy; of the buyers ~35% come back, a few of them often.
    const kind = random.weighted<BuyerKind>([
      ['browser', 15],
      ['one-time', 55],
      ['repeat', 23],
      ['loyal', 7],
    ]);
    if (kind === 'browser') {
      // Shares a code the engine never made (no order, so no invitation): its friends' orders are `unknownCode`.
      if (referralCode) sharers.push({ code: referralCode, customerId });
      continue;
    }
    const favourite = random.weighted(CATEGORIES.map((cat) => [cat, CATEGORY_WEIGHTS[cat] ?? 1] as const));
    const meanGapDays = kind === 'loyal' ? 24 : kind === 'repeat' ? 75 : Infinity;
    const maxOrders = kind === 'loyal' ? random.int(6, 16) : kind === 'repeat' ? random.int(2, 4) : 1;
    let at: DateTime = registered.plus({ hours: random.chance(0.6) ? random.int(0, 2) : random.int(3, 24 * 14) });
    let placed = 0;
    while (placed < maxOrders && at.toMillis() < toMs) {
      const local = localTime(at.setZone(timeZone), timeZone);
      const placedAt = local.toMillis() < registeredMs ? registered.plus({ minutes: 5 }) : local;
      if (placedAt.toMillis() >= toMs) break;
      const items: OrderItem[] = [];
      const lines = random.weighted([
        [1, 50],
        [2, 30],
        [3, 15],
        [4, 5],
      ] as const);
      for (let l = 0; l < lines; l++) {
        const category = random.chance(0.6) ? favourite : random.weighted(CATEGORIES.map((cat) => [cat, CATEGORY_WEIGHTS[cat] ?? 1] as const));
        const product = random.pick(CATALOG.filter((p) => p.category === category));
        const existing = items.find((i) => i.sku === product.sku);
        if (existing) existing.quantity++;
        else items.push({ sku: product.sku, name: product.name, category: product.category, quantity: random.weighted([[1, 70], [2, 22], [3, 8]] as const), priceCents: product.priceCents });
      }
      const goods = items.reduce((sum, i) => sum + i.quantity * i.priceCents, 0);
      const month = placedAt.toUTC().month;
      const coupon = random.chance(0.05) ? random.pick(COUPONS.filter((k) => k.months.includes(month))) : undefined;
      const discount = coupon ? Math.round((goods * coupon.percent) / 100) : 0;
      const shipping = goods >= FREE_SHIPPING_FROM_CENTS ? 0 : SHIPPING_CENTS;
      const orderId = `o-${pad(++orderSeq, idWidth + 1)}`;
      // Referrals: genuine (a new customer's first order with a sharer's code), self-referrals
      // (every ninth new customer lives with a sharer: the same shipping address) and customers
      // who had ordered before (every thirteenth, on the second order). The last two are picked
      // by number, not by the random stream, so the rest of the demo stays as it was.
      const usesReferral = placed === 0 && sharers.length > 0 && random.chance(0.04);
      const picked = usesReferral ? random.pick(sharers) : undefined;
      const household = placed === 0 && !usesReferral && sharers.length > 0 && c % 9 === 0 ? sharers[c % sharers.length] : undefined;
      const late = placed === 1 && sharers.length > 0 && c % 13 === 0 ? sharers[c % sharers.length] : undefined;
      const referred = picked ?? household ?? late;
      const order: OrderPlaced = {
        orderId,
        customerId,
        placedAt: iso(placedAt),
        totalCents: goods - discount + shipping,
        currency: 'EUR',
        items,
        ...(coupon ? { couponCode: coupon.code } : {}),
        ...(referred ? { referralCode: referred.code } : {}),
        shippingAddressHash: addressHash(household?.customerId ?? customerId),
      };
      push('OrderPlaced', placedAt, order);
      placed++;

      if (random.chance(0.05)) {
        const refundedAt = placedAt.plus({ days: random.int(2, 30), hours: random.int(0, 23) });
        if (refundedAt.toMillis() < toMs) {
          const firstItem = items[0]!;
          const amountCents = random.chance(0.7) || items.length === 1 ? order.totalCents : Math.min(order.totalCents, firstItem.priceCents * firstItem.quantity);
          push('OrderRefunded', refundedAt, { orderId, customerId, refundedAt: iso(refundedAt), amountCents });
        }
      }
      if (random.chance(0.15)) {
        const submittedAt = placedAt.plus({ days: random.int(7, 14), hours: random.int(0, 12) });
        if (submittedAt.toMillis() < toMs) {
          const score = kind === 'loyal' ? random.weighted([[10, 45], [9, 35], [8, 15], [6, 5]] as const) : random.weighted([[10, 20], [9, 20], [8, 20], [7, 15], [5, 10], [3, 10], [0, 5]] as const);
          const comment = random.chance(0.3) ? random.pick(score >= 8 ? NPS_COMMENTS[language].good : NPS_COMMENTS[language].bad) : undefined;
          push('NpsSubmitted', submittedAt, { customerId, score, submittedAt: iso(submittedAt), ...(comment ? { comment } : {}) });
        }
      }
      if (placed >= maxOrders) break;
      at = placedAt.plus({ days: Math.max(3, random.exponential(meanGapDays)) });
    }
    if (placed > 0) buyers++;
    if (placed > 1) repeatBuyers++;
    if (referralCode) sharers.push({ code: referralCode, customerId });
  }

  events.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const byType: Record<ShopDetailType, number> = { CustomerRegistered: 0, CustomerUpdated: 0, OrderPlaced: 0, OrderRefunded: 0, NpsSubmitted: 0 };
  for (const event of events) byType[event['detail-type']]++;
  return {
    from: iso(from),
    to: iso(to),
    seed,
    events,
    summary: {
      customers: customerCount,
      events: events.length,
      byType,
      buyers,
      repeatBuyers,
      repeatPurchaseRate: buyers === 0 ? 0 : repeatBuyers / buyers,
      orders: byType.OrderPlaced,
      refunds: byType.OrderRefunded,
      couponOrders: events.filter((e) => e['detail-type'] === 'OrderPlaced' && e.detail.couponCode !== undefined).length,
      withMarketingConsent: withConsent,
    },
  };
};

/** One envelope per line, as `stammkunde replay --events` reads them. */
export const toJsonLines = (events: readonly DemoEvent[]): string => events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : '');
