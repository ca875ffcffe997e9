// The send path's renderer: turns a CompiledTemplate (HTML and text that still hold Liquid, made
// once per campaign template and locale by functions/compile at publish time) into one
// recipient's subject, preheader, HTML and text. No MJML here (lint forbids it in core/): parsing
// happens once per template id, each recipient costs only a Liquid render of pre-parsed templates.
//
// Escaping: the HTML engine runs with outputEscape "escape", so every {{ value }} is HTML-escaped
// (also inside attributes); the `raw` filter is disarmed so a template cannot opt out. Text parts
// (subject, preheader, plain text) are not HTML and render unescaped; subject and preheader have
// line breaks collapsed so customer data cannot inject mail headers.
//
// Render variables (what templates may use):
//   salutation          the opening line, e.g. "Sehr geehrte Frau Müller," (core/salutation)
//   customer.id, .firstName, .lastName, .tier ("bronze"|"silver"|"gold"), .tierName (localized:
//            "Silber"), .points, .orderCount, .formality ("formal"|"informal"),
//            .attributes.<name>   — never the email address
//   (TEMPLATE_VARIABLES below is the complete list validate checks templates against.)
//   shop.name, .url, .imprint, .address, .email   (the sender; templates/shop.json)
//   links.unsubscribe, links.preferences          (signed, per recipient; core/tokens)
//   coupon.code, .value ("15 %", "5,00 €", "Versandkostenfrei"), .expiresAt (ISO), .minimumOrder
//            — campaigns with a `coupon` (discount; seasonal/triggered optionally); `{% if coupon %}` guards
//   reward.label, reward.link                     — referral campaigns only
//   now (ISO time of the send), locale (effectiveLocale: the content's language), timeZone (the recipient's)
// Filters beyond Liquid's standard set:
//   {{ isoTime | localdate }} / localdate: "short" | "long" | "datetime" — in the recipient's
//   locale and time zone;  {{ cents | money: "EUR" }} — localized currency.
import { Liquid } from 'liquidjs';
import type { Template as LiquidTemplate } from 'liquidjs';
import * as z from 'zod';
import { QuietHours } from '#core/quiet-hours';
import { formalityFor, salutationFor } from '#core/salutation';
import type { CouponSpec } from '#core/campaign';
import type { Profile } from '#core/profile';

// ---------------------------------------------------------------------------------------------
// The compiled form (stored with the campaign at publish; what the send path loads)

export const LinkEntry = z.object({
  /** Position in the table; stable for a given compiled template. */
  index: z.number().int().nonnegative(),
  /** The href as written (may contain Liquid, e.g. "https://shop.example/?c={{ coupon.code }}"). */
  url: z.string(),
  /** Where it came from: "template.content.de.blocks[3].url" or "layout newsletter". */
  path: z.string(),
  /** True when the URL contains Liquid (the click tracker stores the rendered URL per send). */
  dynamic: z.boolean(),
});
export type LinkEntry = z.infer<typeof LinkEntry>;

export const CompiledTemplate = z.object({
  format: z.literal(1),
  /** `<campaignId>:<locale>:<content hash>`; changes whenever the compiled output changes. */
  id: z.string().min(1),
  campaignId: z.string().min(1),
  /** The content locale this was compiled from ("de", "en", "de-AT", ...). */
  locale: z.string().min(2),
  layout: z.string().min(1),
  /** Liquid sources: subject, preheader and text render unescaped, html with output escaping. */
  subject: z.string(),
  preheader: z.string(),
  html: z.string(),
  text: z.string(),
  links: z.array(LinkEntry),
  salutation: z
    .object({ formality: z.enum(['formal', 'informal']).optional(), style: z.enum(['name', 'neutral']).optional() })
    .optional(),
});
export type CompiledTemplate = z.infer<typeof CompiledTemplate>;

// ---------------------------------------------------------------------------------------------
// Render variables

/** What the templates show about the shop (header, footer, imprint): templates/shop.json, SHOP_INFO, stack context. */
export const ShopInfo = z.object({
  name: z.string().min(1),
  url: z.url(),
  imprint: z.string(),
  address: z.string(),
  email: z.email().optional(),
  /** Delivery defaults (core/delivery/local-time.ts DEFAULT_SHOP_DELIVERY): zone, country, quiet hours, 29 Feb rule. */
  delivery: z
    .object({
      timeZone: z.string().min(1).optional(),
      country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as "DE"').optional(),
      quietHours: QuietHours.optional(),
      leapDayBirthday: z.enum(['feb28', 'mar1']).optional(),
    })
    .strict()
    .optional(),
  /** Attribution (core/attribution.ts): days after a click, or a mail, that an order counts for it. Default 5. */
  attribution: z.object({ windowDays: z.number().int().min(1).max(90) }).strict().optional(),
  /** Referral program: where `/r/<code>` lands (default: `url`) and the query parameter carrying the code (default "ref"). */
  referral: z
    .object({
      landingUrl: z.url({ protocol: /^https?$/ }).optional(),
      parameter: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'must be a query parameter name such as "ref"').optional(),
    })
    .strict()
    .optional(),
});
export type ShopInfo = z.infer<typeof ShopInfo>;

export interface CouponVariables {
  code: string;
  /** Localized value label: "15 %", "5,00 €", "Versandkostenfrei". */
  value: string;
  expiresAt: string;
  /** Localized minimum order ("30,00 €"), when the coupon has one. */
  minimumOrder?: string;
}

export interface RewardVariables {
  label: string;
  link: string;
  /** The "choose your reward" mail: one signed link per reward the referrer may choose. */
  choices?: { label: string; link: string }[];
}

export interface RenderVariables {
  salutation: string;
  customer: {
    id: string;
    firstName: string;
    lastName: string;
    tier: string;
    /** The tier's name in the mail's language ("Silber", "Silver"). */
    tierName: string;
    points: number;
    orderCount: number;
    attributes: Record<string, string | number | boolean>;
    /** "formal" (Sie) or "informal" (du): wording beyond the salutation can follow it. */
    formality: 'formal' | 'informal';
  };
  shop: ShopInfo;
  /** `confirm`: the double opt-in link, only in the built-in confirmation mail. */
  links: { unsubscribe: string; preferences: string; confirm?: string };
  coupon?: CouponVariables;
  reward?: RewardVariables;
  now: string;
  locale: string;
  timeZone: string;
}

export type RecipientProfile = Pick<
  Profile,
  'customerId' | 'firstName' | 'lastName' | 'salutation' | 'formality' | 'locale' | 'timeZone' | 'tier' | 'points' | 'attributes'
> & { orders: Pick<Profile['orders'], 'count'> };

export interface RenderInput {
  /** The compiled template (its content locale and salutation override are used). */
  template: Pick<CompiledTemplate, 'locale' | 'salutation'>;
  profile: RecipientProfile;
  shop: ShopInfo;
  links: { unsubscribe: string; preferences: string; confirm?: string };
  /** The send time. */
  now: Date;
  coupon?: CouponVariables;
  reward?: RewardVariables;
}

/**
 * The locale the mail is written in: the recipient's own tag when its language matches the
 * content ("de-AT" for "de" content: Austrian dates), otherwise the content's locale (a French
 * customer getting the German default content gets a German salutation and German dates).
 */
export const effectiveLocale = (contentLocale: string, recipientLocale: string): string => {
  const language = (tag: string) => (tag.toLowerCase().split(/[-_]/)[0] ?? '');
  return language(contentLocale) === language(recipientLocale) ? recipientLocale : contentLocale;
};

const TIER_NAMES: Record<string, Record<string, string>> = {
  de: { bronze: 'Bronze', silver: 'Silber', gold: 'Gold' },
  en: { bronze: 'Bronze', silver: 'Silver', gold: 'Gold' },
};

/** A tier's name in the locale's language (English for languages without names). */
export const tierName = (tier: string, locale: string): string => {
  const names = TIER_NAMES[locale.toLowerCase().split(/[-_]/)[0] ?? ''] ?? TIER_NAMES.en!;
  return names[tier] ?? tier;
};

/**
 * Every variable a template may use, as a tree: `true` ends a path, `'any'` allows any path
 * below (attributes, occasion). validate rejects others (`{{ customer.vorname }}`); README
 * "Template variables" documents each. `occasion` belongs to seasonal campaigns.
 */
export type VariableTree = { readonly [name: string]: true | 'any' | VariableTree };
export const TEMPLATE_VARIABLES: VariableTree = {
  salutation: true,
  customer: { id: true, firstName: true, lastName: true, tier: true, tierName: true, points: true, orderCount: true, formality: true, attributes: 'any' },
  shop: { name: true, url: true, imprint: true, address: true, email: true },
  links: { unsubscribe: true, preferences: true, confirm: true },
  coupon: { code: true, value: true, expiresAt: true, minimumOrder: true },
  reward: { label: true, link: true, choices: 'any' },
  occasion: 'any',
  now: true,
  locale: true,
  timeZone: true,
};

/** The variables for one recipient; missing names become "" (and the salutation falls back). */
export const buildRenderVariables = (input: RenderInput): RenderVariables => {
  const { profile } = input;
  const locale = effectiveLocale(input.template.locale, profile.locale);
  const recipient = { ...profile, locale };
  const variables: RenderVariables = {
    salutation: salutationFor(recipient, input.template.salutation),
    customer: {
      id: profile.customerId,
      firstName: profile.firstName?.trim() ?? '',
      lastName: profile.lastName?.trim() ?? '',
      tier: profile.tier,
      tierName: tierName(profile.tier, locale),
      points: profile.points,
      orderCount: profile.orders.count,
      attributes: profile.attributes,
      formality: formalityFor(recipient, input.template.salutation),
    },
    shop: input.shop,
    links: input.links,
    now: input.now.toISOString(),
    locale,
    timeZone: profile.timeZone,
  };
  if (input.coupon) variables.coupon = input.coupon;
  if (input.reward) variables.reward = input.reward;
  return variables;
};

const isGerman = (locale: string): boolean => /^de(?:-|$)/i.test(locale);

/** The coupon's value label and expiry for a recipient, from the campaign's coupon spec. */
export const couponVariables = (
  spec: Pick<z.infer<typeof CouponSpec>, 'value' | 'validDays' | 'minimumOrderCents'>,
  code: string,
  sentAt: Date,
  locale: string,
  currency = 'EUR',
): CouponVariables =>
  issuedCouponVariables(
    { code, value: spec.value, expiresAt: new Date(sentAt.getTime() + spec.validDays * 86_400_000).toISOString(), ...(spec.minimumOrderCents !== undefined ? { minimumOrderCents: spec.minimumOrderCents } : {}) },
    locale,
    currency,
  );

/** An issued coupon (core/coupons.ts) as the coupon block shows it, in the mail's locale. */
export const issuedCouponVariables = (
  coupon: { code: string; value: z.infer<typeof CouponSpec>['value']; expiresAt: string; minimumOrderCents?: number | undefined },
  locale: string,
  currency = 'EUR',
): CouponVariables => {
  // Formatters are cached per locale (the money filter's cache): building one costs more than the rest of the coupon.
  const money = (cents: number, cur: string) => cachedFormatter(`m|${locale}|${cur}`, () => new Intl.NumberFormat(locale, { style: 'currency', currency: cur })).format(cents / 100);
  const value =
    coupon.value.type === 'percent'
      ? cachedFormatter(`p|${locale}`, () => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 })).format(coupon.value.percent / 100)
      : coupon.value.type === 'amount'
        ? money(coupon.value.amountCents, coupon.value.currency)
        : isGerman(locale)
          ? 'Versandkostenfrei'
          : 'Free shipping';
  const variables: CouponVariables = { code: coupon.code, value, expiresAt: coupon.expiresAt };
  if (coupon.minimumOrderCents !== undefined) {
    variables.minimumOrder = money(coupon.minimumOrderCents, coupon.value.type === 'amount' ? coupon.value.currency : currency);
  }
  return variables;
};

// ---------------------------------------------------------------------------------------------
// Liquid engines (shared with the compiler, which parses with the same filters to reject errors)

const dateStyles: Record<string, Intl.DateTimeFormatOptions> = {
  short: { dateStyle: 'short' },
  long: { dateStyle: 'long' },
  datetime: { dateStyle: 'long', timeStyle: 'short' },
};
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
const cachedFormatter = <T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T => {
  let formatter = formatters.get(key) as T | undefined;
  if (!formatter) {
    formatter = make();
    formatters.set(key, formatter);
  }
  return formatter;
};

const scopeString = (context: { getSync(paths: PropertyKey[]): unknown }, name: string, fallback: string): string => {
  const value = context.getSync([name]);
  return typeof value === 'string' && value ? value : fallback;
};

/** A Liquid engine with our filters; "html" escapes every output, "text" does not. */
export const createLiquid = (mode: 'html' | 'text'): Liquid => {
  const liquid = new Liquid({
    ...(mode === 'html' ? { outputEscape: 'escape' as const } : {}),
    strictFilters: true,
    ownPropertyOnly: true,
    // Templates come from the campaign, never from disk: no include/render/layout lookups.
    root: [],
    partials: [],
    layouts: [],
    relativeReference: false,
    cache: false,
  });
  // Disarm `raw`: with outputEscape on, `| raw` would let customer data through unescaped.
  liquid.registerFilter('raw', (value: unknown) => value);
  // Values inside links (compile appends it after a link's host): one URL component, so customer
  // data can neither add parameters nor leave the attribute. Spaces become %20 (valid in paths too).
  liquid.registerFilter('uri_component', (value: unknown) => (value === undefined || value === null ? '' : encodeURIComponent(String(value))));
  liquid.registerFilter('localdate', function (this: { context: { getSync(paths: PropertyKey[]): unknown } }, value: unknown, style: unknown = 'long') {
    if (value === undefined || value === null || value === '') return '';
    const time = value instanceof Date ? value.getTime() : Date.parse(String(value));
    if (Number.isNaN(time)) return '';
    const locale = scopeString(this.context, 'locale', 'en');
    const timeZone = scopeString(this.context, 'timeZone', 'UTC');
    const styleName = typeof style === 'string' && style in dateStyles ? style : 'long';
    return cachedFormatter(`d|${locale}|${timeZone}|${styleName}`, () => new Intl.DateTimeFormat(locale, { ...dateStyles[styleName], timeZone })).format(time);
  });
  liquid.registerFilter('money', function (this: { context: { getSync(paths: PropertyKey[]): unknown } }, value: unknown, currency: unknown = 'EUR') {
    const cents = Number(value);
    if (!Number.isFinite(cents)) return '';
    const locale = scopeString(this.context, 'locale', 'en');
    const cur = typeof currency === 'string' && /^[A-Z]{3}$/.test(currency) ? currency : 'EUR';
    return cachedFormatter(`m|${locale}|${cur}`, () => new Intl.NumberFormat(locale, { style: 'currency', currency: cur })).format(cents / 100);
  });
  return liquid;
};

// ---------------------------------------------------------------------------------------------
// Rendering

export interface RenderedMail {
  subject: string;
  preheader: string;
  html: string;
  text: string;
}

/**
 * When a mail's HTML is rendered: `eager` with subject and text (the send path: a Liquid error
 * anywhere fails the mail before it is claimed), or `onRead`, when something first reads it (a
 * replay whose outbox keeps only the text never reads it; the HTML was ~6 % of its CPU). The
 * text is made from the same compiled HTML and holds the same Liquid bar image sources, so an
 * error the HTML would raise is nearly always raised by the text already; `onRead` is for callers
 * that accept the rest.
 */
export type HtmlRendering = 'eager' | 'onRead';

/**
 * A template split into static text and Liquid "islands". Static text is copied; a bare output
 * (`{{ shop.name }}`) is looked up directly and escaped like liquidjs's `escape`; every other
 * island (filters, `{% if %}` ... `{% endif %}`) is rendered by liquidjs from its own parse. This
 * keeps the per-recipient cost proportional to the Liquid used, not to the ~40 KB of HTML, and is
 * about twice as fast as one liquidjs render of the whole template. Templates using anything
 * that carries state between islands (assign, capture, increment, whitespace control, raw,
 * comment, ...) are rendered by liquidjs as a whole instead.
 */
type Part =
  | string
  | {
      island: LiquidTemplate[];
      /** A bare output's (or `default` filter's, or native filter's) variable path. */
      path?: string[];
      /** `{{ path | default: 'literal' }}`: the literal, used when the value is an empty string. */
      orElse?: string;
      /** `{{ path | uri_component }}` / `{{ path | localdate: "short" }}` for a plain string value. */
      filter?: NativeFilter;
      /** `{% if path == "literal" %}...{% else %}...{% endif %}`: both branches split in turn. */
      when?: { equals: string; then: Prepared; otherwise: Prepared };
      /** `{% if path %}...{% endif %}` without else: its inside, shown when the value is truthy. */
      truthy?: Part[];
    };
/** Filters rendered without liquidjs for a plain string value (the coupon block's date and link). */
type NativeFilter = { name: 'uri_component' } | { name: 'localdate'; style: string };
type Prepared = { parts: Part[] } | { whole: LiquidTemplate[] };

interface PreparedTemplate {
  subject: Prepared;
  preheader: Prepared;
  html: Prepared;
  text: Prepared;
}

const TAG = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
const BLOCK_OPEN = /^\{%\s*(if|unless|case|for|tablerow)\b/;
const BLOCK_CLOSE = /^\{%\s*end(if|unless|case|for|tablerow)\s*%\}$/;
const BLOCK_INNER = /^\{%\s*(else|elsif|when|break|continue)\b/;
const BARE_OUTPUT = /^\{\{\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*\}\}$/;
const DEFAULT_OUTPUT = /^\{\{\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*\|\s*default:\s*(?:'([^'\\]*)'|"([^"\\]*)")\s*\}\}$/;
const FILTERED_OUTPUT = /^\{\{\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*\|\s*(uri_component|localdate)(?:\s*:\s*"(short|long|datetime)")?\s*\}\}$/;
const IF_EQUALS = /^\{%\s*if\s+([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*==\s*(?:"([^"\\]*)"|'([^'\\]*)')\s*%\}/;
const SIMPLE_IF = /^\{%\s*if\s+([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*%\}/;
const ELSE = /^\{%\s*else\s*%\}$/;

/**
 * An output island: a bare variable, one with a `default` of a string literal, or one through
 * `uri_component`/`localdate` is looked up directly (liquidjs renders the island when the value is
 * not a string).
 */
const outputPart = (engine: Liquid, tag: string): Part => {
  const bare = BARE_OUTPUT.exec(tag);
  if (bare) return { island: engine.parse(tag), path: (bare[1] as string).split('.') };
  const withDefault = DEFAULT_OUTPUT.exec(tag);
  if (withDefault) return { island: engine.parse(tag), path: (withDefault[1] as string).split('.'), orElse: withDefault[2] ?? withDefault[3] ?? '' };
  const filtered = FILTERED_OUTPUT.exec(tag);
  if (filtered) {
    const filter: NativeFilter = filtered[2] === 'uri_component' ? { name: 'uri_component' } : { name: 'localdate', style: filtered[3] ?? 'long' };
    return { island: engine.parse(tag), path: (filtered[1] as string).split('.'), filter };
  }
  return { island: engine.parse(tag) };
};

/**
 * A block island. `{% if path == "literal" %}A{% else %}B{% endif %}` (the voice switch of most
 * templates) keeps A and B split as templates of their own, and `{% if path %}A{% endif %}` (the
 * coupon block's optional lines) keeps A split, so the branch taken costs what its own Liquid
 * costs; any other block is rendered by liquidjs.
 */
const blockPart = (engine: Liquid, source: string): Part => {
  const island = engine.parse(source);
  const equals = IF_EQUALS.exec(source);
  const open = equals ?? SIMPLE_IF.exec(source);
  if (!open) return { island };
  let depth = 1;
  let elseAt: { start: number; end: number } | undefined;
  let closeAt = -1;
  for (const match of source.slice(open[0].length).matchAll(TAG)) {
    const tag = match[0];
    const at = open[0].length + match.index;
    if (BLOCK_OPEN.test(tag)) depth += 1;
    else if (BLOCK_CLOSE.test(tag)) {
      depth -= 1;
      if (depth === 0) closeAt = at;
    } else if (depth === 1 && !tag.startsWith('{{')) {
      // The if's own else (once, and only in the == form); an elsif goes to liquidjs.
      if (!equals || !ELSE.test(tag) || elseAt) return { island };
      elseAt = { start: at, end: at + tag.length };
    }
  }
  if (closeAt < 0 || !/^\{%\s*endif\s*%\}$/.test(source.slice(closeAt))) return { island };
  const path = (open[1] as string).split('.');
  const then = split(engine, source.slice(open[0].length, elseAt?.start ?? closeAt));
  if (!equals) return 'parts' in then ? { island, path, truthy: then.parts } : { island };
  const otherwise = elseAt ? source.slice(elseAt.end, closeAt) : '';
  return { island, path, when: { equals: open[2] ?? open[3] ?? '', then, otherwise: split(engine, otherwise) } };
};

const split = (engine: Liquid, source: string): Prepared => {
  const whole = (): Prepared => ({ whole: engine.parse(source) });
  // Whitespace control and tags with state or raw text make islands unsafe.
  if (/\{\{-|-\}\}|\{%-|-%\}/.test(source)) return whole();
  const parts: Part[] = [];
  let depth = 0;
  let islandStart = 0;
  let last = 0;
  for (const match of source.matchAll(TAG)) {
    const tag = match[0];
    const at = match.index;
    const isOutput = tag.startsWith('{{');
    if (!isOutput && !BLOCK_OPEN.test(tag) && !BLOCK_CLOSE.test(tag) && !BLOCK_INNER.test(tag)) return whole();
    if (depth === 0) {
      if (at > last) parts.push(source.slice(last, at));
      if (isOutput) {
        parts.push(outputPart(engine, tag));
        last = at + tag.length;
        continue;
      }
      if (!BLOCK_OPEN.test(tag)) return whole(); // a stray else/end: let liquidjs report it
      islandStart = at;
      depth = 1;
      continue;
    }
    if (BLOCK_OPEN.test(tag)) depth += 1;
    else if (BLOCK_CLOSE.test(tag)) {
      depth -= 1;
      if (depth === 0) {
        last = at + tag.length;
        parts.push(blockPart(engine, source.slice(islandStart, last)));
      }
    }
  }
  if (depth !== 0) return whole();
  if (last < source.length) parts.push(source.slice(last));
  return { parts };
};

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
const escapeHtml = (value: string): string => (/[&<>"']/.test(value) ? value.replace(/[&<>"']/g, (c) => ESCAPES[c] as string) : value);

/** A plain own-property lookup; undefined when any step is missing (liquidjs then decides). */
const lookup = (scope: Record<string, unknown>, path: readonly string[]): unknown => {
  let value: unknown = scope;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
};

/** The filters' own code (createLiquid) for a plain string value, so a recipient costs no liquidjs render for them. */
const nativeFilter = (filter: NativeFilter, value: string, scope: Record<string, unknown>): string => {
  if (filter.name === 'uri_component') return encodeURIComponent(value);
  if (value === '') return '';
  const time = Date.parse(value);
  if (Number.isNaN(time)) return '';
  const text = (name: string, fallback: string) => {
    const v = lookup(scope, [name]);
    return typeof v === 'string' && v ? v : fallback;
  };
  const locale = text('locale', 'en');
  const timeZone = text('timeZone', 'UTC');
  return cachedFormatter(`d|${locale}|${timeZone}|${filter.style}`, () => new Intl.DateTimeFormat(locale, { ...dateStyles[filter.style], timeZone })).format(time);
};

const renderParts = (engine: Liquid, parts: readonly Part[], scope: Record<string, unknown>, html: boolean): string => {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    if (part.path) {
      // Missing values and specials such as `name.size` or `list.first` go to liquidjs below.
      const value = lookup(scope, part.path);
      if (part.truthy) {
        // Liquid's truthiness: only false and nil are falsy. A missing value goes to liquidjs.
        if (value !== undefined) {
          if (value !== null && value !== false) out += renderParts(engine, part.truthy, scope, html);
          continue;
        }
      } else if (part.when) {
        // liquidjs's `==` on a string and a string literal is ===.
        if (typeof value === 'string') {
          out += renderPrepared(engine, value === part.when.equals ? part.when.then : part.when.otherwise, scope, html);
          continue;
        }
      } else if (typeof value === 'string') {
        // `default` keeps a non-empty string and replaces an empty one.
        const shown = part.orElse !== undefined && value.length === 0 ? part.orElse : part.filter ? nativeFilter(part.filter, value, scope) : value;
        out += html ? escapeHtml(shown) : shown;
        continue;
      } else if (part.orElse === undefined && !part.filter && (typeof value === 'number' || typeof value === 'boolean')) {
        out += String(value);
        continue;
      }
    }
    out += engine.renderSync(part.island, scope) as string;
  }
  return out;
};

const renderPrepared = (engine: Liquid, prepared: Prepared, scope: Record<string, unknown>, html: boolean): string =>
  'whole' in prepared ? (engine.renderSync(prepared.whole, scope) as string) : renderParts(engine, prepared.parts, scope, html);

/** One header line: no CR/LF, runs of whitespace collapsed. */
const oneLine = (value: string): string => (MORE_THAN_SPACES.test(value) ? value.replace(/\s+/g, ' ') : value).trim();
/** Whitespace other than single spaces: what oneLine's replace would change (most subjects have none). */
const MORE_THAN_SPACES = /\s\s|[^\S ]/;

/**
 * Holds parsed templates by compiled id (one parse per template per process, bounded) and
 * renders recipients. Create one per process (module scope in the send handler).
 */
export class TemplateRenderer {
  private readonly htmlEngine = createLiquid('html');
  private readonly textEngine = createLiquid('text');
  private readonly prepared = new Map<string, PreparedTemplate>();

  constructor(private readonly maxTemplates = 200) {}

  /** Parses a compiled template once; later calls with the same id reuse the parse. */
  prepare(compiled: CompiledTemplate): PreparedTemplate {
    const hit = this.prepared.get(compiled.id);
    if (hit) return hit;
    const prepared: PreparedTemplate = {
      subject: split(this.textEngine, compiled.subject),
      preheader: split(this.textEngine, compiled.preheader),
      html: split(this.htmlEngine, compiled.html),
      text: split(this.textEngine, compiled.text),
    };
    if (this.prepared.size >= this.maxTemplates) {
      const oldest = this.prepared.keys().next().value;
      if (oldest !== undefined) this.prepared.delete(oldest);
    }
    this.prepared.set(compiled.id, prepared);
    return prepared;
  }

  /**
   * Renders one recipient's mail. Synchronous: no I/O, no MJML. `html: 'onRead'` renders the HTML
   * when it is first read instead (see HtmlRendering).
   */
  render(compiled: CompiledTemplate, variables: RenderVariables, options: { html?: HtmlRendering } = {}): RenderedMail {
    const t = this.prepare(compiled);
    const scope = variables as unknown as Record<string, unknown>;
    const subject = oneLine(renderPrepared(this.textEngine, t.subject, scope, false));
    const preheader = oneLine(renderPrepared(this.textEngine, t.preheader, scope, false));
    const text = renderPrepared(this.textEngine, t.text, scope, false);
    if (options.html === 'onRead') {
      const engine = this.htmlEngine;
      let html: string | undefined;
      return {
        subject,
        preheader,
        get html() {
          return (html ??= renderPrepared(engine, t.html, scope, true));
        },
        text,
      };
    }
    return { subject, preheader, html: renderPrepared(this.htmlEngine, t.html, scope, true), text };
  }
}

// ---------------------------------------------------------------------------------------------
// Choosing the content locale

/**
 * The content locale for a recipient: exact tag ("de-AT"), then the language ("de"), then any
 * content of the same language ("de-DE" for "de-CH"), then the template's default.
 */
export const pickContentLocale = (available: readonly string[], defaultLocale: string, recipientLocale: string): string => {
  const wanted = recipientLocale.toLowerCase();
  const language = wanted.split(/[-_]/)[0] ?? wanted;
  const lower = available.map((l) => l.toLowerCase());
  const exact = lower.indexOf(wanted);
  if (exact >= 0) return available[exact] as string;
  const lang = lower.indexOf(language);
  if (lang >= 0) return available[lang] as string;
  const sameLanguage = lower.findIndex((l) => l.split(/[-_]/)[0] === language);
  if (sameLanguage >= 0) return available[sameLanguage] as string;
  return available.includes(defaultLocale) ? defaultLocale : (available[0] ?? defaultLocale);
};
