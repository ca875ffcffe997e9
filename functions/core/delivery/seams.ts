// Where the delivery path meets the formats work: C's segment compiler, D's send-path renderer
// over precompiled templates, and D's signed tokens. Kept in one place so the delivery core
// depends only on its narrow ports (ports.ts).
import { compileRule, SegmentRuleError, type SegmentRule } from '#core/segment';
import { TemplateRenderer, buildRenderVariables, effectiveLocale, issuedCouponVariables, pickContentLocale, type CompiledTemplate, type HtmlRendering, type ShopInfo } from '#core/render';
import { createTokenCache, signToken, type SigningKey, type SigningKeyRing, type TokenPayload } from '#core/tokens';
import type { PublishedCampaign } from '#core/delivery-store';
import type { CustomerStore } from '#core/store';
import { CONFIRMATION_CAMPAIGN_ID, DEFAULT_CONFIRM_TTL_DAYS, requestKeyOf } from '#core/consent';
import { templatesOfArm } from '#core/experiments';
import type { AudienceCompiler, BirthdayIndex, MailRenderer, ProfileReader, ProfileShardScanner, UnsubscribeLinks } from './ports';

/** Compiles the campaign's audience (segment reference or inline rule) once per published version. */
export const compilePublishedAudience: AudienceCompiler = (published) => {
  const { campaign, segments } = published;
  const { segment, rule } = campaign.audience;
  const root: SegmentRule | undefined = rule ?? (segment !== undefined ? { type: 'segment', segment } : undefined);
  if (root === undefined) throw new SegmentRuleError(`campaign "${campaign.id}" has no audience`);
  return compileRule(root, { segments: new Map(Object.entries(segments)) });
};

/** `published.template` as publish writes it: the compiled template per content locale. */
export const compiledTemplates = (published: PublishedCampaign): Record<string, CompiledTemplate> => {
  const templates = published.template as Record<string, CompiledTemplate> | undefined;
  if (!templates || typeof templates !== 'object' || Object.keys(templates).length === 0) {
    throw new Error(`campaign "${published.campaign.id}" was published without compiled templates`);
  }
  return templates;
};

/** The signed links a mail carries besides List-Unsubscribe (createSignedLinks builds them). */
export interface RecipientLinks {
  /** The preference centre: its own token, never the unsubscribe URL. */
  preferencesUrl?: (customerId: string) => string;
  /** The double opt-in link of the built-in confirmation mail, bound to the consent request. */
  confirmUrl?: (input: { customerId: string; requestAt: string; at: Date }) => string;
  /** Click tracking: a web link of the stored link table, by index. */
  clickUrl?: (input: { customerId: string; campaignId: string; occurrenceId: string; locale: string; link: number; variant?: string }) => string;
  /** The open pixel's URL; absent (the default) = no pixel in mail. */
  openPixelUrl?: (input: { customerId: string; campaignId: string; occurrenceId: string }) => string;
  /** The referrer's choice of one reward of one referral (`/reward/<token>`, no expiry: a late click shows the choice made). */
  rewardUrl?: (input: { customerId: string; referralOf: string; rewardId: string }) => string;
}

const attribute = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/**
 * `html.replace(/href="([^"]*)"/g, ...)` with the value `replacement` gives (the href kept when it
 * gives undefined), by indexOf: the same matches, without the regex replace's copy of the ~23 KB
 * of HTML per mail (most of a mail's link work).
 */
export const replaceHrefs = (html: string, replacement: (href: string) => string | undefined): string => {
  let out = '';
  let copied = 0;
  for (let at = html.indexOf('href="'); at >= 0; ) {
    const end = html.indexOf('"', at + 6);
    if (end < 0) break; // no closing quote: neither here nor further on
    const replaced = replacement(html.slice(at + 6, end));
    if (replaced !== undefined) {
      out += html.slice(copied, at) + `href="${replaced}"`;
      copied = end + 1;
    }
    at = html.indexOf('href="', end + 1);
  }
  return copied === 0 ? html : out + html.slice(copied);
};

/**
 * A compiled template's static web links (what /c/ tracks), each href as it may stand in the HTML
 * (attribute-escaped and raw) to its link index, the first link with an href winning. Worked out
 * once per compiled template, not per mail.
 */
const webLinks = new WeakMap<CompiledTemplate, { web: CompiledTemplate['links']; byHref: Map<string, number>; quoted: boolean }>();
const webLinksOf = (compiled: CompiledTemplate) => {
  let known = webLinks.get(compiled);
  if (!known) {
    const web = compiled.links.filter((entry) => !entry.dynamic && /^https?:\/\//i.test(entry.url));
    const byHref = new Map<string, number>();
    for (const entry of web) for (const href of [attribute(entry.url), entry.url]) if (!byHref.has(href)) byHref.set(href, entry.index);
    webLinks.set(compiled, (known = { web, byHref, quoted: web.some((entry) => entry.url.includes('"')) }));
  }
  return known;
};

/**
 * Marketing mail's HTML with its static web links of the stored table through /c/<token>/<index>
 * (the redirect reads the target from the table again, so a token can never point anywhere else)
 * and the open pixel, as `links` ask. One pass over the HTML for all links; each link's URL is made
 * once and only if the link is there; the first link with a given href wins.
 */
const trackedHtml = (
  html: string,
  compiled: CompiledTemplate,
  links: Pick<RecipientLinks, 'clickUrl' | 'openPixelUrl'>,
  recipient: { customerId: string; campaignId: string; occurrenceId: string; locale: string; variant?: string },
): string => {
  const { clickUrl, openPixelUrl } = links;
  if (clickUrl) {
    const { web, byHref, quoted } = webLinksOf(compiled);
    const clicks = new Map<number, string>();
    const click = (index: number): string => {
      let url = clicks.get(index);
      if (url === undefined) clicks.set(index, (url = attribute(clickUrl({ ...recipient, link: index }))));
      return url;
    };
    if (quoted) {
      // A quote in a raw URL: replaced link by link, as the single pass cannot match it.
      for (const entry of web) {
        const url = click(byHref.get(attribute(entry.url))!);
        html = html.split(`href="${attribute(entry.url)}"`).join(`href="${url}"`).split(`href="${entry.url}"`).join(`href="${url}"`);
      }
    } else if (byHref.size > 0) {
      html = replaceHrefs(html, (href) => {
        const index = byHref.get(href);
        return index === undefined ? undefined : click(index);
      });
    }
  }
  if (openPixelUrl) {
    const { customerId, campaignId, occurrenceId } = recipient;
    const pixel = attribute(openPixelUrl({ customerId, campaignId, occurrenceId }));
    html = html.replace(/<\/body>/i, `<img src="${pixel}" width="1" height="1" alt="" style="display:block;border:0;height:1px;width:1px"></body>`);
  }
  return html;
};

/**
 * The send path's renderer: a recipient's variables, links and coupon into the campaign's compiled
 * template of their locale (or arm). `html` as TemplateRenderer's (render.ts HtmlRendering).
 */
export const createTemplateMailRenderer = (options: { shop: ShopInfo; html?: HtmlRendering } & RecipientLinks): MailRenderer => {
  const renderer = new TemplateRenderer();
  return {
    render({ published, profile, at, unsubscribeUrl, occurrenceId, coupon, arm, offer }) {
      // An A/B variant with its own content renders its own compiled templates (core/experiments.ts).
      const { templates, keyOf } = templatesOfArm(compiledTemplates(published), arm);
      const locale = pickContentLocale(Object.keys(templates), published.campaign.template.defaultLocale, profile.locale);
      const compiled = templates[locale] ?? templates[published.campaign.template.defaultLocale];
      if (!compiled) throw new Error(`campaign "${published.campaign.id}" has no compiled template for locale ${locale}`);
      const { campaign } = published;
      const links: { unsubscribe: string; preferences: string; confirm?: string } = {
        unsubscribe: unsubscribeUrl,
        preferences: options.preferencesUrl?.(profile.customerId) ?? unsubscribeUrl,
      };
      const requestAt = requestKeyOf(profile.consent);
      if (campaign.id === CONFIRMATION_CAMPAIGN_ID && options.confirmUrl && requestAt) {
        links.confirm = options.confirmUrl({ customerId: profile.customerId, requestAt, at });
      }
      const shown = coupon ? { coupon: issuedCouponVariables(coupon, effectiveLocale(compiled.locale, profile.locale), profile.orders.currency) } : offer?.coupon ? { coupon: offer.coupon } : {};
      const mail = renderer.render(compiled, buildRenderVariables({ template: compiled, profile, shop: options.shop, links, now: at, ...shown, ...(offer?.reward ? { reward: offer.reward } : {}) }), options.html ? { html: options.html } : {});
      if (campaign.capClass !== 'marketing' || (!options.clickUrl && !options.openPixelUrl)) {
        return {
          subject: mail.subject,
          get html() {
            return mail.html;
          },
          text: mail.text,
        };
      }
      // The tracked HTML (a fresh copy of the ~23 KB page, a click token) is made when the HTML
      // is first read: SES reads it on every send, a replay that keeps only the outbox lines never
      // does (the Liquid render above, which can fail, is not deferred; this step cannot fail).
      const recipient = { customerId: profile.customerId, campaignId: campaign.id, occurrenceId, locale: keyOf(compiled.locale), ...(arm !== undefined ? { variant: arm } : {}) };
      let tracked: string | undefined;
      return {
        subject: mail.subject,
        get html() {
          return (tracked ??= trackedHtml(mail.html, compiled, options, recipient));
        },
        text: mail.text,
      };
    },
  };
};

/**
 * Every signed link of a mail: unsubscribe (no expiry, RFC 8058), preferences (its own token),
 * confirm (expires after `confirmTtlDays`, bound to the consent request) and clicks, all signed
 * with the ring's current key. `ring` is a fixed ring or a getter of the one in force (the send
 * function's reloads from Secrets Manager during a rotation).
 */
export const createSignedLinks = (options: {
  baseUrl: string;
  ring: SigningKeyRing | (() => SigningKeyRing);
  confirmTtlDays?: number;
  /** Put an open pixel in marketing mail (off by default: Apple Mail Privacy Protection). */
  openPixel?: boolean;
}): UnsubscribeLinks & Required<Omit<RecipientLinks, 'openPixelUrl'>> & Pick<RecipientLinks, 'openPixelUrl'> => {
  const base = options.baseUrl.replace(/\/+$/, '');
  const current = currentKey(options.ring);
  const ttlMs = (options.confirmTtlDays ?? DEFAULT_CONFIRM_TTL_DAYS) * 24 * 3600 * 1000;
  const signRepeated = createTokenCache();
  /** The click token of the mail being rendered (its links come one after another). */
  let lastClick: { json: string; key: SigningKey; token: string } | undefined;
  return {
    ...createSignedUnsubscribeLinks(options),
    preferencesUrl: (customerId) => `${base}/p/${signRepeated({ purpose: 'preferences', customerId }, current())}`,
    confirmUrl: ({ customerId, requestAt, at }) =>
      `${base}/confirm/${signToken({ purpose: 'confirm', customerId, requestAt, expiresAt: new Date(at.getTime() + ttlMs).toISOString() }, current())}`,
    // One token per mail (its links differ only in the index after it): signing each link cost
    // a replay an HMAC per link, 8 per newsletter. The index is outside the signature on purpose:
    // the holder of a mail can click any of its links anyway, and the redirect only ever goes to
    // the campaign's stored link of that index (never a URL from the request).
    clickUrl: ({ customerId, campaignId, occurrenceId, locale, link, variant }) => {
      const key = current();
      const payload: TokenPayload = { purpose: 'click', customerId, campaignId, occurrenceId, locale, ...(variant !== undefined ? { variant } : {}) };
      const json = JSON.stringify(payload);
      if (lastClick?.json !== json || lastClick.key !== key) lastClick = { json, key, token: signToken(payload, key) };
      return `${base}/c/${lastClick.token}/${link}`;
    },
    rewardUrl: ({ customerId, referralOf, rewardId }) => `${base}/reward/${signToken({ purpose: 'reward', customerId, referralOf, rewardId }, current())}`,
    ...(options.openPixel
      ? { openPixelUrl: ({ customerId, campaignId, occurrenceId }: { customerId: string; campaignId: string; occurrenceId: string }) => `${base}/o/${signToken({ purpose: 'open', customerId, campaignId, occurrenceId }, current())}` }
      : {}),
  };
};

const currentKey = (ring: SigningKeyRing | (() => SigningKeyRing)) => (typeof ring === 'function' ? () => ring().current : () => ring.current);

/**
 * `https://BASE/u/<token>`: an HMAC-signed unsubscribe token (no expiry, RFC 8058 one-click),
 * signed with the ring's current key.
 */
export const createSignedUnsubscribeLinks = (options: { baseUrl: string; ring: SigningKeyRing | (() => SigningKeyRing) }): UnsubscribeLinks => {
  const base = options.baseUrl.replace(/\/+$/, '');
  const current = currentKey(options.ring);
  const signRepeated = createTokenCache();
  return {
    url: ({ customerId, topic, campaignId }) => `${base}/u/${signRepeated({ purpose: 'unsubscribe', customerId, topic, campaignId }, current())}`,
  };
};

/** The two profile ports over the CustomerStore: BatchGet for a send message's recipients, scan shards. */
export const profilePortsFrom = (store: Pick<CustomerStore, 'getProfiles' | 'scanProfiles' | 'findByBirthday'>): ProfileReader & ProfileShardScanner & BirthdayIndex => ({
  getProfiles: (ids) => store.getProfiles(ids),
  async findByBirthday(monthDay, options = {}) {
    const page = await store.findByBirthday(monthDay, options);
    return { profiles: page.items, ...(page.cursor ? { cursor: page.cursor } : {}) };
  },
  async scanShard({ segment, totalSegments, cursor, limit }) {
    const page = await store.scanProfiles(segment, totalSegments, { ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) });
    return { profiles: page.items, ...(page.cursor ? { cursor: page.cursor } : {}) };
  },
});
