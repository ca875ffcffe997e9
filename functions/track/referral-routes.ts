// The referral program on the customer endpoint:
//   GET|HEAD /r/:code         share link: 302 to the shop's landing URL with ?ref=<code>; the click
//                             is counted (not on HEAD). An unknown or malformed code goes to the
//                             shop's home page: the target is always the shop's own, never a URL
//                             from the request (no open redirect).
//   GET      /reward/:token   the referrer's choice: a page asking "this reward?" with a button
//                             (a scanner's GET must not choose), or the choice already made
//   POST     /reward/:token   chooses (the first choice wins; later ones show the choice made)
import type { Context, Hono } from 'hono';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Profile } from '#core/profile';
import type { ShopInfo } from '#core/render';
import type { TokenPayload, TokenPurpose } from '#core/tokens';
import { rewardLabel, type RewardCatalog } from '#core/rewards';
import { rewardById, type Referral } from '#core/referral';
import { chooseReward, recordReferralClick, type ReferralDeps } from '#core/referral-program';
import { page, text, type PageLanguage, type TextKey } from './pages';

export const DEFAULT_REFERRAL_PARAMETER = 'ref';

/** Where a share link lands: the shop's landing URL (or home) with the code in the configured parameter. */
export const landingUrl = (shop: ShopInfo, code: string): string => {
  const url = new URL(shop.referral?.landingUrl ?? shop.url);
  url.searchParams.set(shop.referral?.parameter ?? DEFAULT_REFERRAL_PARAMETER, code);
  return url.toString();
};

type Verified = { ok: true; payload: TokenPayload; token: string } | { ok: false; status: 400 | 404; key: TextKey };

/** What the app lends these routes (its page helpers and token check). */
export interface ReferralRouteKit {
  shop: ShopInfo;
  referrals: ReferralDeps;
  html: (c: Context, status: number, body: string) => Response;
  verify: (c: Context, purpose: TokenPurpose) => Promise<Verified>;
  refuse: (c: Context, v: Extract<Verified, { ok: false }>) => Response;
  neutral: (c: Context) => Response;
  langOf: (profile: Profile) => PageLanguage;
  getProfile: (customerId: string) => Promise<Profile | undefined>;
  log?: Pick<Logger, 'info' | 'warn'>;
}

export const registerReferralRoutes = (app: Hono, kit: ReferralRouteKit): void => {
  const { shop, referrals, html } = kit;

  app.get('/r/:code', async (c) => {
    const raw = (c.req.param('code') ?? '').slice(0, 64);
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    if (c.req.method === 'HEAD') return c.redirect(shop.url, 302);
    const found = await recordReferralClick(referrals, raw);
    if (!found) return c.redirect(shop.url, 302);
    kit.log?.info('referral click', { referrerId: found.referrerId });
    return c.redirect(landingUrl(shop, found.code), 302);
  });

  const rewardPage = async (c: Context, choose: boolean) => {
    const v = await kit.verify(c, 'reward');
    if (!v.ok) return kit.refuse(c, v);
    const { customerId, referralOf, rewardId } = v.payload;
    if (!referralOf || !rewardId) return kit.refuse(c, { ok: false, status: 400, key: 'invalid' });
    const profile = await kit.getProfile(customerId);
    const referral = await referrals.referrals.getReferral(referralOf);
    if (!profile || profile.placeholder || !referral || referral.referrerId !== customerId) return kit.neutral(c);
    const program = await referrals.program();
    const lang = kit.langOf(profile);
    const catalog = program?.catalog.id === referral.catalogId ? program.catalog : undefined;
    const label = (id: string | undefined) => labelOf(catalog, id, profile.locale);
    const title = text(lang, 'rewardTitle');
    const status = (key: TextKey, id: string | undefined, code = 200) => html(c, code, page(lang, shop, title, `<p class="status" role="status">${text(lang, key, { reward: label(id) })}</p>`));
    if (referral.state === 'revoked') return status('rewardGone', undefined);
    if (!choose) {
      if (referral.state !== 'choosing') return status('rewardAlready', referral.rewardId);
      if (!(referral.options ?? []).includes(rewardId)) return status('rewardInvalid', rewardId, 400);
      const body = `<p>${text(lang, 'rewardQuestion', { reward: label(rewardId) })}</p><form method="post"><button type="submit">${text(lang, 'rewardButton')}</button></form>`;
      return html(c, 200, page(lang, shop, title, body));
    }
    const result = await chooseReward(referrals, referralOf, rewardId, 'customer');
    if (result.kind === 'unknown') return kit.neutral(c);
    if (result.kind === 'invalid') return status('rewardInvalid', rewardId, 400);
    if (result.kind === 'chosen') kit.log?.info('reward chosen', { customerId, rewardId });
    return chosenPage(result.referral, result.kind === 'chosen' ? 'rewardChosen' : 'rewardAlready', status);
  };

  app.get('/reward/:token', (c) => rewardPage(c, false));
  app.post('/reward/:token', (c) => rewardPage(c, true));
};

const chosenPage = (referral: Referral, key: TextKey, status: (key: TextKey, id: string | undefined) => Response): Response =>
  referral.state === 'revoked' ? status('rewardGone', undefined) : status(key, referral.rewardId);

const labelOf = (catalog: RewardCatalog | undefined, id: string | undefined, locale: string): string => {
  if (id === undefined) return '';
  const reward = catalog ? rewardById(catalog, id) : undefined;
  return reward && catalog ? rewardLabel(catalog, reward, locale) : id;
};
