// `stammkunde preview <campaign> --customer <file> [--at <ISO>] [--format html|text|json]`:
// renders exactly what one customer would receive — the same compile (MJML once) and the same
// send-path renderer the send function uses. The customer file holds a CustomerRegistered detail
// plus optional profile aggregates (points, tier, orders). Coupons and rewards get clearly
// labelled preview values; links are signed with a preview-only key.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import * as z from 'zod';
import { Campaign } from '#core/campaign';
import { CustomerRegistered, formatIssues } from '#core/events';
import type { Profile } from '#core/profile';
import { TemplateRenderer, buildRenderVariables, couponVariables, effectiveLocale, pickContentLocale } from '#core/render';
import type { RecipientProfile, RenderedMail, RewardVariables } from '#core/render';
import { RewardCatalog, currentReward, rewardLabel } from '#core/rewards';
import { signToken } from '#core/tokens';
import type { SigningKey } from '#core/tokens';
import { compileTemplate, loadShopInfo } from '../../compile/compile-template';
import { couponSpecOf } from '#core/delivery/coupon-step';

/** What preview shows for an issued code: `<prefix>-PREVIEW`, never a code the engine could issue (it has O and I). */
export const previewCouponCode = (prefix: string): string => (prefix ? `${prefix}-PREVIEW` : 'PREVIEW');

/** The customer file: a CustomerRegistered detail plus optional profile aggregates. */
export const PreviewCustomer = CustomerRegistered.extend({
  points: z.number().int().min(0).default(0),
  tier: z.enum(['bronze', 'silver', 'gold']).default('bronze'),
  orders: z
    .object({ count: z.number().int().min(0).default(0), netSpendCents: z.number().int().min(0).default(0) })
    .default({ count: 0, netSpendCents: 0 }),
});
export type PreviewCustomer = z.infer<typeof PreviewCustomer>;

export interface PreviewOptions {
  customer: string;
  at?: string;
  format?: 'html' | 'text' | 'json';
  templates?: string;
  linksBase?: string;
  /** Reward catalog file (default: rewards/<id>.json beside the campaign, then <id>.json). */
  rewards?: string;
}

export interface PreviewResult extends RenderedMail {
  headers: Record<string, string>;
  campaignId: string;
  customerId: string;
  locale: string;
}

/** Signs preview links only; the deployed key never leaves the account. */
const PREVIEW_KEY: SigningKey = { id: 'preview', secret: 'stammkunde-preview-key-not-for-production-use' };
const DEFAULT_LINKS_BASE = 'https://links.stammkunde.invalid';

const readJson = async (file: string, what: string): Promise<unknown> => {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    throw new Error(`${file}: cannot read the ${what} file`);
  }
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new Error(`${file}: invalid JSON: ${(error as Error).message}`);
  }
};

const parseWith = <T>(schema: z.ZodType<T>, value: unknown, file: string): T => {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`${file}: ${formatIssues(result.error)}`);
  return result.data;
};

const toRecipient = (customer: PreviewCustomer): RecipientProfile => {
  const profile: RecipientProfile = {
    customerId: customer.customerId,
    locale: customer.locale,
    timeZone: customer.timeZone ?? 'UTC',
    tier: customer.tier as Profile['tier'],
    points: customer.points,
    attributes: customer.attributes ?? {},
    orders: { count: customer.orders.count },
  };
  if (customer.firstName !== undefined) profile.firstName = customer.firstName;
  if (customer.lastName !== undefined) profile.lastName = customer.lastName;
  if (customer.salutation !== undefined) profile.salutation = customer.salutation;
  if (customer.formality !== undefined) profile.formality = customer.formality;
  return profile;
};

/**
 * The reward the catalog offers at `at` (rotating catalogs), or a labelled placeholder when the
 * catalog file is not found or has no single current reward (selectable catalogs).
 */
const previewRewardLabel = async (campaignFile: string, catalogId: string, explicit: string | undefined, at: Date, locale: string): Promise<string> => {
  const here = dirname(campaignFile);
  const candidates = explicit ? [explicit] : [join(here, 'rewards', `${catalogId}.json`), join(here, `${catalogId}.json`)];
  for (const file of candidates) {
    let raw: string;
    try {
      raw = await readFile(file, 'utf8');
    } catch {
      if (explicit) throw new Error(`${file}: cannot read the reward catalog file`);
      continue;
    }
    const catalog = parseWith(RewardCatalog, JSON.parse(raw), file);
    const reward = currentReward(catalog, at.getTime());
    if (reward) return rewardLabel(catalog, reward, locale);
  }
  return `PREVIEW reward from catalog "${catalogId}"`;
};

/** Renders a campaign for a customer; the library form of the command (tests call it). */
export const previewCampaign = async (campaignFile: string, options: PreviewOptions): Promise<PreviewResult> => {
  const campaign = parseWith(Campaign, await readJson(campaignFile, 'campaign'), campaignFile);
  const customer = parseWith(PreviewCustomer, await readJson(options.customer, 'customer'), options.customer);
  const at = options.at === undefined ? new Date() : new Date(options.at);
  if (Number.isNaN(at.getTime())) throw new Error(`--at: "${options.at}" is not an ISO time`);

  const templateOptions = options.templates === undefined ? {} : { templatesDir: options.templates };
  const locale = pickContentLocale(Object.keys(campaign.template.content), campaign.template.defaultLocale, customer.locale);
  let compiled;
  try {
    compiled = await compileTemplate(campaign, locale, templateOptions);
  } catch (error) {
    // One line per problem, each prefixed with the campaign file.
    throw new Error(((error as Error).message || String(error)).split('\n').map((line) => `${campaignFile}: ${line}`).join('\n'));
  }
  const shop = await loadShopInfo(templateOptions);

  const base = (options.linksBase ?? DEFAULT_LINKS_BASE).replace(/\/+$/, '');
  const tokenFor = (purpose: 'unsubscribe' | 'preferences') =>
    signToken({ purpose, customerId: customer.customerId, topic: campaign.topic, campaignId: campaign.id }, PREVIEW_KEY);
  const links = { unsubscribe: `${base}/u/${tokenFor('unsubscribe')}`, preferences: `${base}/p/${tokenFor('preferences')}` };

  const recipient = toRecipient(customer);
  // Any campaign with a coupon (discount, and seasonal or triggered ones that carry one); a shared
  // code is shown as it is, an issued one as a labelled stand-in in the issued codes' shape.
  const spec = couponSpecOf(campaign);
  const coupon = spec ? couponVariables(spec, spec.unique ? previewCouponCode(spec.prefix) : (spec.code ?? ''), at, effectiveLocale(locale, customer.locale)) : undefined;
  const reward: RewardVariables | undefined =
    campaign.kind === 'referral'
      ? { label: await previewRewardLabel(campaignFile, campaign.rewards, options.rewards, at, effectiveLocale(locale, customer.locale)), link: `${base}/r/PREVIEW-${customer.customerId}` }
      : undefined;

  const variables = buildRenderVariables({
    template: compiled,
    profile: recipient,
    shop,
    links,
    now: at,
    ...(coupon ? { coupon } : {}),
    ...(reward ? { reward } : {}),
  });
  const mail = new TemplateRenderer().render(compiled, variables);
  const headers: Record<string, string> = { Subject: mail.subject };
  if (campaign.capClass === 'marketing') {
    headers['List-Unsubscribe'] = `<${links.unsubscribe}>`;
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  return { ...mail, headers, campaignId: campaign.id, customerId: customer.customerId, locale };
};

export const register = (program: Command): void => {
  program
    .command('preview')
    .description('render a campaign exactly as one customer would receive it')
    .argument('<campaign>', 'campaign JSON file')
    .requiredOption('--customer <file>', 'customer JSON file (CustomerRegistered detail + optional points, tier, orders)')
    .option('--at <iso>', 'send time (default: now)')
    .option('--format <format>', 'html, text or json', 'html')
    .option('--templates <dir>', 'templates folder (default: the repository templates/)')
    .option('--links-base <url>', 'base URL of unsubscribe/preference links', DEFAULT_LINKS_BASE)
    .option('--rewards <file>', 'reward catalog for referral campaigns (default: rewards/<id>.json beside the campaign)')
    .action(async (campaignFile: string, options: PreviewOptions) => {
      const format = options.format ?? 'html';
      if (!['html', 'text', 'json'].includes(format)) throw new Error(`--format: must be html, text or json, not "${format}"`);
      const result = await previewCampaign(campaignFile, options);
      const output =
        format === 'json'
          ? JSON.stringify({ subject: result.subject, preheader: result.preheader, headers: result.headers, locale: result.locale, html: result.html, text: result.text }, null, 2)
          : format === 'text'
            ? `Subject: ${result.subject}\nPreheader: ${result.preheader}\n\n${result.text}`
            : result.html;
      process.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
    });
};
