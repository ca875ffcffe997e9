// The customer endpoint: one Hono app for the links in every mail, served by a Lambda Function
// URL on AWS (handler.ts) and by `stammkunde local` on a laptop (same code, other adapters).
//   GET|HEAD /u/:token        what will be unsubscribed, with a button (changes nothing: scanners prefetch)
//   POST     /u/:token        RFC 8058 one-click (List-Unsubscribe=One-Click, urlencoded or multipart): 200, no redirect
//   GET      /p/:token        preference centre: topics, unsubscribe from all, consent given and when
//   POST     /p/:token        saves the topics, or unsubscribes from all
//   GET      /confirm/:token  double opt-in: a page with a button (a scanner's GET must not confirm)
//   POST     /confirm/:token  confirms, records the proof, emits ConsentConfirmed
//   GET      /c/:token/:link  click: 302 to link `link` of the campaign's stored link table, first click counted
//                             (the mail's one token; /c/:token with the index inside it: links mailed before)
//   GET      /o/:token        open pixel, only when switched on (Apple Mail Privacy Protection makes opens unreliable)
//   GET      /r/:code, GET|POST /reward/:token   the referral program (referral-routes.ts)
// Every token is verified (HMAC, purpose, expiry) before anything is read, so forged links cost
// no database call; a per-address limit stops a scanner from running up the bill. Errors are
// short pages, never stack traces.
import { Hono, type Context } from 'hono';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Clock } from '#core/clock';
import type { OwnEvent } from '#core/ingest';
import type { Profile } from '#core/profile';
import type { ShopInfo } from '#core/render';
import type { CustomerEventRecord, CustomerStore } from '#core/store';
import type { DeliveryStore, PublishedCampaign } from '#core/delivery-store';
import { changePreferences, confirmConsent, CONFIRMATION_TOPIC, requestKeyOf, type PreferenceChange } from '#core/consent';
import { signToken, tokenId, verifyToken, type SigningKeyRing, type TokenPayload, type TokenPurpose } from '#core/tokens';
import { CompiledTemplate } from '#core/render';
import { recordCampaignClick } from '#core/attribution';
import type { FunnelStore } from '#core/funnel-store';
import type { ReferralDeps } from '#core/referral-program';
import { registerReferralRoutes } from './referral-routes';
import { escapeHtml, formatDate, languageFromHeader, maskEmail, page, pageLanguage, text, topicLabel, type PageLanguage, type TextKey } from './pages';

/** First click per (mail, link): the funnel's click count (adapters/click-store.ts and its twin). */
/** The stats item unsubscribes through a campaign's link are counted on (its rollup feeds the report). */
export const unsubscribesOf = (campaignId: string): string => `${campaignId}:unsubscribes`;

export interface ClickRecorder {
  /** True only for the first click of this recipient on this link of this occurrence. */
  recordClick(click: { occurrenceId: string; customerId: string; campaignId: string; link: number; atMs: number }): Promise<boolean>;
  /** True only for the first open of this mail (the optional pixel). */
  recordOpen(open: { occurrenceId: string; customerId: string; campaignId: string; atMs: number }): Promise<boolean>;
}

/** Our own events onto the bus (adapters/event-bus.ts, memory twin beside it). */
export interface OwnEventPublisher {
  publish(events: readonly OwnEvent[]): Promise<void>;
}

export interface TrackDeps {
  customers: Pick<CustomerStore, 'getProfile' | 'applyAtomically' | 'appendEvents'>;
  /** Campaigns for click links; `addStats` counts unsubscribes per campaign (the report's funnel). */
  campaigns: Pick<DeliveryStore, 'getCampaign'> & Partial<Pick<DeliveryStore, 'addStats'>>;
  clicks: ClickRecorder;
  /** Funnel counters and each customer's last click (core/attribution.ts); absent: not kept. */
  funnels?: Pick<FunnelStore, 'putRecentClick' | 'markClicker' | 'addCounts'>;
  /** The keys in force; called per request so a rotated key (Secrets Manager) is seen. */
  keys: () => SigningKeyRing | Promise<SigningKeyRing>;
  clock: Clock;
  shop: ShopInfo;
  events?: OwnEventPublisher;
  /** Topics the preference centre always lists (plus any the profile has). @default ['newsletter'] */
  topics?: readonly string[];
  /** The caller's address (proof of confirmation, rate limit): getConnInfo of the adapter. */
  clientIp?: (c: Context) => string | undefined;
  /** Requests per client address per minute, per instance. @default 60 */
  requestsPerMinute?: number;
  /**
   * Serve the open pixel (`/o/<token>`). Off by default: Apple Mail Privacy Protection fetches
   * every image on delivery, so opens mostly count proxies; mail then carries no pixel either.
   * @default false
   */
  openPixel?: boolean;
  /** How long a published campaign's link table is cached. @default 60 s */
  campaignCacheMs?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** The referral program (`/r/<code>`, `/reward/<token>`); without it both answer 404. */
  referrals?: ReferralDeps;
}

type Verified = { ok: true; payload: TokenPayload; token: string } | { ok: false; status: 400 | 404; key: TextKey };

const securityHeaders = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

/** A fixed one-minute window per client address; bounded memory (reset when it grows large). */
const createLimiter = (perMinute: number, now: () => number) => {
  let window = 0;
  let counts = new Map<string, number>();
  return (key: string): boolean => {
    const minute = Math.floor(now() / 60_000);
    if (minute !== window || counts.size > 50_000) {
      window = minute;
      counts = new Map();
    }
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    return n <= perMinute;
  };
};

export const createTrackApp = (deps: TrackDeps): Hono => {
  const app = new Hono();
  const { shop, clock } = deps;
  const log = deps.logger;
  const limit = createLimiter(deps.requestsPerMinute ?? 60, () => clock.now().getTime());
  const campaignCache = new Map<string, { published: PublishedCampaign | undefined; atMs: number }>();

  const html = (c: Context, status: number, body: string) => {
    for (const [name, value] of Object.entries(securityHeaders)) c.header(name, value);
    // HEAD (scanners, link checkers): the same headers, no body, and never a change.
    return c.req.method === 'HEAD' ? c.body(null, status as 200) : c.body(body, status as 200);
  };
  const short = (c: Context, status: number, lang: PageLanguage, title: TextKey, message: TextKey) =>
    html(c, status, page(lang, shop, text(lang, title), `<p>${text(lang, message)}</p>`));
  const browserLang = (c: Context) => languageFromHeader(c.req.header('accept-language'));
  const langOf = (profile: Profile) => pageLanguage(profile.locale, profile.formality);

  app.use('*', async (c, next) => {
    const ip = deps.clientIp?.(c) ?? 'unknown';
    if (!limit(ip)) {
      c.header('Retry-After', '60');
      return short(c, 429, browserLang(c), 'busyTitle', 'busy');
    }
    await next();
  });

  const verify = async (c: Context, purpose: TokenPurpose): Promise<Verified> => {
    const token = c.req.param('token') ?? '';
    if (token.length > 2048) return { ok: false, status: 400, key: 'invalid' };
    const ring = await deps.keys();
    const result = verifyToken(token, ring.accepted, { now: clock.now(), purpose });
    if (result.ok) return { ok: true, payload: result.payload, token };
    log?.info('token refused', { purpose, reason: result.reason });
    if (result.reason === 'expired') return { ok: false, status: 400, key: 'expired' };
    if (result.reason === 'malformed' || result.reason === 'wrong-purpose') return { ok: false, status: 400, key: 'invalid' };
    return { ok: false, status: 404, key: 'invalid' };
  };
  const refuse = (c: Context, v: Extract<Verified, { ok: false }>) => short(c, v.status, browserLang(c), 'invalidTitle', v.key);
  const neutral = (c: Context) => short(c, 200, browserLang(c), 'neutralTitle', 'neutral');

  const history = (own: OwnEvent): CustomerEventRecord => ({ eventId: own.id, origin: 'own', type: own.type, at: own.at, detail: own });
  const emit = async (customerId: string, events: readonly OwnEvent[]) => {
    if (events.length === 0) return;
    await deps.customers.appendEvents(customerId, events.map(history));
    await deps.events?.publish(events);
  };

  /** Applies a customer's change once per causeId; returns the profile after it (or undefined: erased). */
  const applyChange = async (customerId: string, causeId: string, change: PreferenceChange, source: string, onApplied?: () => Promise<void>): Promise<Profile | undefined> => {
    const at = clock.now();
    const outcome = await deps.customers.applyAtomically(customerId, causeId, (current) =>
      current && !current.placeholder ? changePreferences(current, change, at, source, causeId) : undefined,
    );
    // A duplicate re-emits what the first apply recorded: if that request died after the profile
    // write, its history and bus events would otherwise be lost (history writes are idempotent;
    // the bus is at-least-once, consumers dedupe by the event id).
    if (outcome.status === 'applied' || outcome.status === 'duplicate') await emit(customerId, outcome.ownEvents);
    if (outcome.status === 'applied') await onApplied?.();
    return outcome.profile;
  };

  const preferencesLink = async (customerId: string) => {
    const ring = await deps.keys();
    return `../p/${signToken({ purpose: 'preferences', customerId }, ring.current)}`;
  };

  // --- unsubscribe -------------------------------------------------------------------------
  app.get('/u/:token', async (c) => {
    const v = await verify(c, 'unsubscribe');
    if (!v.ok) return refuse(c, v);
    const profile = await deps.customers.getProfile(v.payload.customerId);
    if (!profile || profile.placeholder) return neutral(c);
    const lang = langOf(profile);
    const { topic } = v.payload;
    const email = maskEmail(profile.email);
    const question = topic ? text(lang, 'unsubscribeTopic', { topic: topicLabel(topic), email }) : text(lang, 'unsubscribeAll', { email });
    const body =
      `<p>${question}</p><form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">` +
      `<button type="submit">${text(lang, 'unsubscribeButton')}</button></form>` +
      `<p><a href="${escapeHtml(await preferencesLink(profile.customerId))}">${text(lang, 'toPreferences')}</a></p>`;
    return html(c, 200, page(lang, shop, text(lang, 'unsubscribeTitle'), body));
  });

  app.post('/u/:token', async (c) => {
    const v = await verify(c, 'unsubscribe');
    if (!v.ok) return refuse(c, v);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    if (form['List-Unsubscribe'] !== 'One-Click') {
      return html(c, 400, page(browserLang(c), shop, text(browserLang(c), 'invalidTitle'), '<p>List-Unsubscribe=One-Click</p>'));
    }
    const { customerId, topic } = v.payload;
    const change: PreferenceChange = topic ? { kind: 'topicOff', topic } : { kind: 'all' };
    // Counted once per token (a repeated POST is a duplicate), for the campaign the link names.
    const { campaignId } = v.payload;
    const countOptOut = campaignId && deps.campaigns.addStats ? () => deps.campaigns.addStats!(unsubscribesOf(campaignId), { optedOut: 1 }) : undefined;
    const profile = await applyChange(customerId, `unsubscribe:${tokenId(v.token)}`, change, 'one-click', countOptOut);
    if (!profile || profile.placeholder) return neutral(c);
    const lang = langOf(profile);
    const done = topic ? text(lang, 'unsubscribedTopic', { topic: topicLabel(topic) }) : text(lang, 'unsubscribedAll');
    log?.info('unsubscribed', { customerId, topic: topic ?? '*' });
    return html(c, 200, page(lang, shop, text(lang, 'unsubscribeTitle'), `<p class="status" role="status">${done}</p>`));
  });

  // --- preference centre ---------------------------------------------------------------------
  const topicsOf = (profile: Profile): string[] =>
    [...new Set([...(deps.topics ?? ['newsletter']), ...Object.keys(profile.topics)])].filter((t) => t !== CONFIRMATION_TOPIC).sort();

  const preferencesPage = (c: Context, profile: Profile, status?: string) => {
    const lang = langOf(profile);
    const { consent } = profile;
    const lines: string[] = [];
    if (consent.proof?.marketing) {
      lines.push(text(lang, 'consentGiven', { date: formatDate(consent.proof.at, lang), source: consent.proof.source }));
      if (consent.proof.text) lines.push(text(lang, 'consentWording', { text: consent.proof.text }));
    }
    if (consent.status === 'confirmed' && consent.confirmedAt) lines.push(text(lang, 'consentConfirmed', { date: formatDate(consent.confirmedAt, lang) }));
    else if (consent.status === 'pending') lines.push(text(lang, 'consentPending'));
    else if (consent.status === 'withdrawn') lines.push(text(lang, 'consentWithdrawn', { date: formatDate(consent.withdrawnAt ?? profile.updatedAt, lang) }));
    else lines.push(text(lang, 'consentNone'));
    const topics = topicsOf(profile);
    const boxes = topics
      .map((topic, i) => {
        const on = profile.topics[topic] !== false;
        return `<label for="t${i}"><input type="checkbox" id="t${i}" name="topic" value="${escapeHtml(topic)}"${on ? ' checked' : ''}> ${escapeHtml(topicLabel(topic))}</label>` +
          `<input type="hidden" name="known" value="${escapeHtml(topic)}">`;
      })
      .join('');
    const body =
      (status ? `<p class="status" role="status">${status}</p>` : '') +
      `<p>${text(lang, 'preferencesIntro', { email: maskEmail(profile.email) })}</p>` +
      `<form method="post"><fieldset><legend>${text(lang, 'topicsLegend')}</legend>${boxes}</fieldset>` +
      `<button type="submit" name="action" value="save">${text(lang, 'save')}</button></form>` +
      `<form method="post"><p><button class="secondary" type="submit" name="action" value="all">${text(lang, 'unsubscribeEverything')}</button></p></form>` +
      `<h2>${text(lang, 'consentHeading')}</h2>${lines.map((l) => `<p>${l}</p>`).join('')}`;
    return html(c, 200, page(lang, shop, text(lang, 'preferencesTitle'), body));
  };

  app.get('/p/:token', async (c) => {
    const v = await verify(c, 'preferences');
    if (!v.ok) return refuse(c, v);
    const profile = await deps.customers.getProfile(v.payload.customerId);
    if (!profile || profile.placeholder) return neutral(c);
    return preferencesPage(c, profile);
  });

  app.post('/p/:token', async (c) => {
    const v = await verify(c, 'preferences');
    if (!v.ok) return refuse(c, v);
    const form = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>);
    const list = (value: unknown): string[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((x): x is string => typeof x === 'string').slice(0, 50);
    const { customerId } = v.payload;
    // Every save is its own change: the customer may switch a topic back and forth.
    const causeId = `preferences:${tokenId(v.token)}:${clock.now().toISOString()}`;
    let change: PreferenceChange;
    if (form.action === 'all') change = { kind: 'all' };
    else {
      const checked = new Set(list(form.topic));
      change = { kind: 'topics', topics: Object.fromEntries(list(form.known).filter((t) => /^[a-z0-9][a-z0-9-]{0,62}$/.test(t)).map((t) => [t, checked.has(t)])) };
    }
    const profile = await applyChange(customerId, causeId, change, 'preference-centre');
    if (!profile || profile.placeholder) return neutral(c);
    const lang = langOf(profile);
    return preferencesPage(c, profile, change.kind === 'all' ? text(lang, 'unsubscribedAll') : text(lang, 'saved'));
  });

  // --- double opt-in -------------------------------------------------------------------------
  app.get('/confirm/:token', async (c) => {
    const v = await verify(c, 'confirm');
    if (!v.ok) return refuse(c, v);
    const profile = await deps.customers.getProfile(v.payload.customerId);
    if (!profile || profile.placeholder) return neutral(c);
    const lang = langOf(profile);
    const title = text(lang, 'confirmTitle');
    if (requestKeyOf(profile.consent) !== v.payload.requestAt) return html(c, 400, page(lang, shop, title, `<p>${text(lang, 'confirmVoid')}</p>`));
    if (profile.consent.status === 'confirmed') return html(c, 200, page(lang, shop, title, `<p class="status" role="status">${text(lang, 'confirmed')}</p>`));
    if (profile.consent.status !== 'pending') return html(c, 400, page(lang, shop, title, `<p>${text(lang, 'confirmVoid')}</p>`));
    const body =
      `<p>${text(lang, 'confirmQuestion', { shop: shop.name, email: maskEmail(profile.email) })}</p>` +
      `<form method="post"><button type="submit">${text(lang, 'confirmButton')}</button></form>`;
    return html(c, 200, page(lang, shop, title, body));
  });

  app.post('/confirm/:token', async (c) => {
    const v = await verify(c, 'confirm');
    if (!v.ok) return refuse(c, v);
    const { customerId, requestAt } = v.payload;
    if (requestAt === undefined) return refuse(c, { ok: false, status: 400, key: 'invalid' });
    const id = tokenId(v.token);
    const at = clock.now();
    const ip = deps.clientIp?.(c);
    const userAgent = c.req.header('user-agent');
    let verdict: 'confirmed' | 'already' | 'void' = 'void';
    const outcome = await deps.customers.applyAtomically(customerId, `confirm:${id}`, (current) => {
      if (!current || current.placeholder) return undefined;
      const result = confirmConsent(current, { requestAt, at, tokenId: id, ...(ip ? { ip } : {}), ...(userAgent ? { userAgent } : {}) });
      verdict = result.kind;
      return result.kind === 'confirmed' ? { profile: result.profile, ownEvents: [result.event] } : undefined;
    });
    if (outcome.status === 'applied') log?.info('consent confirmed', { customerId });
    // As in applyChange: a duplicate re-emits the recorded events, so a crash after the profile
    // write loses none of them.
    if (outcome.status === 'applied' || outcome.status === 'duplicate') await emit(customerId, outcome.ownEvents);
    if (outcome.status === 'duplicate') verdict = 'already';
    const profile = outcome.profile;
    if (!profile || profile.placeholder) return neutral(c);
    const lang = langOf(profile);
    const title = text(lang, 'confirmTitle');
    if (verdict === 'void') return html(c, 400, page(lang, shop, title, `<p>${text(lang, 'confirmVoid')}</p>`));
    return html(c, 200, page(lang, shop, title, `<p class="status" role="status">${text(lang, 'confirmed')}</p>`));
  });

  // --- clicks --------------------------------------------------------------------------------
  const campaignOf = async (campaignId: string): Promise<PublishedCampaign | undefined> => {
    const nowMs = clock.now().getTime();
    const cached = campaignCache.get(campaignId);
    if (cached && nowMs - cached.atMs < (deps.campaignCacheMs ?? 60_000)) return cached.published;
    const published = await deps.campaigns.getCampaign(campaignId);
    if (campaignCache.size > 1000) campaignCache.clear();
    campaignCache.set(campaignId, { published, atMs: nowMs });
    return published;
  };

  /** A click: `/c/<mail token>/<index>`, or `/c/<token>` of a link mailed before, signed with its index. */
  const click = async (c: Context, indexParam: string | undefined) => {
    const v = await verify(c, 'click');
    if (!v.ok) return refuse(c, v);
    const { campaignId, occurrenceId, customerId, locale, variant } = v.payload;
    const notFound = () => short(c, 404, browserLang(c), 'notFoundTitle', 'notFound');
    // Exactly one index: in the path (the mail's token carries none) or in the signed payload.
    const link = indexParam === undefined ? v.payload.link : v.payload.link === undefined && /^\d{1,6}$/.test(indexParam) ? Number(indexParam) : undefined;
    if (!campaignId || !occurrenceId || link === undefined) return notFound();
    const published = await campaignOf(campaignId);
    const templates = (published?.template ?? {}) as Record<string, unknown>;
    const parsed = CompiledTemplate.safeParse(locale ? templates[locale] : undefined);
    const entry = parsed.success ? parsed.data.links.find((l) => l.index === link) : undefined;
    // Only a stored, static web link: never a URL from the request (no open redirect).
    if (!entry || entry.dynamic || !/^https?:\/\//i.test(entry.url)) return notFound();
    if (c.req.method !== 'HEAD') {
      const first = await deps.clicks.recordClick({ occurrenceId, customerId, campaignId, link, atMs: clock.now().getTime() });
      if (first) log?.info('first click', { campaignId, occurrenceId, customerId, link });
      // The funnel's last click and unique clicker; a failed counter never breaks the redirect.
      if (deps.funnels) {
        await recordCampaignClick(deps.funnels, { customerId, campaignId, occurrenceId, arm: variant, atMs: clock.now().getTime() }).catch((error: unknown) =>
          log?.error('funnel click not recorded', { campaignId, occurrenceId, customerId, error: (error as Error).message }),
        );
      }
    }
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    return c.redirect(entry.url, 302);
  };
  app.get('/c/:token/:link', (c) => click(c, c.req.param('link')));
  app.get('/c/:token', (c) => click(c, undefined));

  // A transparent 1x1 GIF.
  const PIXEL = Uint8Array.from(Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64'));
  app.get('/o/:token', async (c) => {
    if (!deps.openPixel) return short(c, 404, browserLang(c), 'notFoundTitle', 'notFound');
    const v = await verify(c, 'open');
    if (!v.ok) return refuse(c, v);
    const { campaignId, occurrenceId, customerId } = v.payload;
    if (campaignId && occurrenceId && c.req.method !== 'HEAD') await deps.clicks.recordOpen({ occurrenceId, customerId, campaignId, atMs: clock.now().getTime() });
    const headers = { 'Content-Type': 'image/gif', 'Cache-Control': 'no-store' };
    return c.req.method === 'HEAD' ? c.body(null, 200, headers) : c.body(PIXEL, 200, headers);
  });

  // --- referral program (referral-routes.ts) ------------------------------------------------------
  if (deps.referrals) {
    registerReferralRoutes(app, { shop, referrals: deps.referrals, html, verify, refuse, neutral, langOf, getProfile: (id) => deps.customers.getProfile(id), ...(log ? { log } : {}) });
  }

  app.notFound((c) => short(c, 404, browserLang(c), 'notFoundTitle', 'notFound'));
  app.onError((error, c) => {
    log?.error('track request failed', { path: c.req.routePath, error: error instanceof Error ? error.message : String(error) });
    return short(c, 500, browserLang(c), 'errorTitle', 'error');
  });
  return app;
};
