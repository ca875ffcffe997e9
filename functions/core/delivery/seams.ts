// Where the delivery path meets the formats work: C's segment compiler, D's send-path renderer
// over precompiled templates, and D's signed tokens. Kept in one place so the delivery core
// depends only on its narrow ports (ports.ts).
import { compileRule, SegmentRuleError, type SegmentRule } from '#core/segment';
import { TemplateRenderer, buildRenderVariables, pickContentLocale, type CompiledTemplate, type ShopInfo } from '#core/render';
import { signToken, type SigningKeyRing } from '#core/tokens';
import type { PublishedCampaign } from '#core/delivery-store';
import type { CustomerStore } from '#core/store';
import type { AudienceCompiler, MailRenderer, ProfileReader, ProfileShardScanner, UnsubscribeLinks } from './ports';

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

export const createTemplateMailRenderer = (options: { shop: ShopInfo; preferencesUrl?: (customerId: string) => string }): MailRenderer => {
  const renderer = new TemplateRenderer();
  return {
    render({ published, profile, at, unsubscribeUrl }) {
      const templates = compiledTemplates(published);
      const locale = pickContentLocale(Object.keys(templates), published.campaign.template.defaultLocale, profile.locale);
      const compiled = templates[locale] ?? templates[published.campaign.template.defaultLocale];
      if (!compiled) throw new Error(`campaign "${published.campaign.id}" has no compiled template for locale ${locale}`);
      const links = { unsubscribe: unsubscribeUrl, preferences: options.preferencesUrl?.(profile.customerId) ?? unsubscribeUrl };
      const mail = renderer.render(compiled, buildRenderVariables({ template: compiled, profile, shop: options.shop, links, now: at }));
      return { subject: mail.subject, html: mail.html, text: mail.text };
    },
  };
};

/**
 * `https://BASE/u/<token>`: an HMAC-signed unsubscribe token (no expiry, RFC 8058 one-click),
 * signed with the ring's current key. `ring` is a fixed ring or a getter of the one in force
 * (the send function's reloads from Secrets Manager during a rotation).
 */
export const createSignedUnsubscribeLinks = (options: { baseUrl: string; ring: SigningKeyRing | (() => SigningKeyRing) }): UnsubscribeLinks => {
  const base = options.baseUrl.replace(/\/+$/, '');
  const { ring } = options;
  const current = typeof ring === 'function' ? () => ring().current : () => ring.current;
  return {
    url: ({ customerId, topic, campaignId }) => `${base}/u/${signToken({ purpose: 'unsubscribe', customerId, topic, campaignId }, current())}`,
  };
};

/** The two profile ports over the CustomerStore: BatchGet for a send message's recipients, scan shards. */
export const profilePortsFrom = (store: Pick<CustomerStore, 'getProfiles' | 'scanProfiles'>): ProfileReader & ProfileShardScanner => ({
  getProfiles: (ids) => store.getProfiles(ids),
  async scanShard({ segment, totalSegments, cursor, limit }) {
    const page = await store.scanProfiles(segment, totalSegments, { ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) });
    return { profiles: page.items, ...(page.cursor ? { cursor: page.cursor } : {}) };
  },
});
