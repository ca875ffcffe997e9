// The referral program's steps over its ports (no AWS, no clock reads): a customer's code on
// first need, a conversion at ingest (fraud checks, the locked reward, the friend's offer), the
// issue of a reward (coupon, points, gift), the referrer's choice (first wins) and its default,
// redemption and revocation. Ingest calls `referralStep` after each applied shop event; the
// customer endpoint calls `chooseReward` and `recordReferralClick`; the send path calls
// `referralCodeFor` (invitations) and `rewardMailFor` (choice and reward mails).
//
// Every step is idempotent: a redelivered event finds the referral it created (same order) and
// finishes what is missing; coupons are issued once per (occurrence, customer) by the coupon
// store; points are added once per referral (the profile's applied-event ids); own events have
// ids derived from the friend, so listeners dedupe them.
import type { Clock } from '#core/clock';
import { CouponSpec } from '#core/campaign';
import { issueCoupon, type CouponDeps, type IssueCouponInput, type IssuedCoupon } from '#core/coupons';
import { couponIssuedEvent } from '#core/coupon-events';
import type { DeliveryStore, DueDelivery, PublishedCampaign } from '#core/delivery-store';
import type { ShopEvent } from '#core/events';
import type { OwnEvent } from '#core/ingest';
import type { Profile } from '#core/profile';
import { RewardCatalog, currentReward, type Reward } from '#core/rewards';
import type { CustomerStore } from '#core/store';
import type { ReferralStore } from '#core/referral-store';
import { plannedDeliveries } from '#core/triggers';
import {
  DEFAULT_PROGRAM_RULES,
  NO_REWARD,
  REFERRAL_CODE_ATTEMPTS,
  applyChoice,
  capPeriod,
  checkConversion,
  friendOffer,
  lockReward,
  normalizeReferralCode,
  programRules,
  referralCodeCandidate,
  revokesReward,
  rewardById,
  type IssuedReward,
  type Referral,
  type RejectionReason,
  type ReferralStats,
} from '#core/referral';

/** The built-in mails of the program (published like the double opt-in mail; ids no slug can have). */
export const REWARD_CHOICE_CAMPAIGN_ID = 'system_referral-choice';
export const REWARD_ISSUED_CAMPAIGN_ID = 'system_referral-reward';

/** The active referral campaign and its reward catalog (the first active one by id). */
export interface ReferralProgram {
  campaignId: string;
  catalog: RewardCatalog;
}

/** Coupon issuance (core/coupons.ts issueCoupon behind it): once per (occurrence, customer). */
export type RewardCouponIssuer = (input: IssueCouponInput) => Promise<IssuedCoupon>;

/** issueCoupon over a coupon store: the shop's checkout learns the code from our CouponIssued event. */
export const rewardCouponIssuer = (deps: CouponDeps): RewardCouponIssuer => (input) => issueCoupon(deps, input);

export interface ReferralDeps {
  referrals: ReferralStore;
  customers: Pick<CustomerStore, 'getProfile' | 'applyAtomically' | 'appendEvents'>;
  /** The program in force (cached by the caller); undefined: no active referral campaign. */
  program: () => Promise<ReferralProgram | undefined>;
  /** Without it a coupon reward waits (state `pending`) and is issued on the next attempt that has one. */
  issueCoupon?: RewardCouponIssuer;
  /** Where the choice and reward mails are asked for (due deliveries, released by tick). */
  deliveries?: Pick<DeliveryStore, 'putDueDelivery'>;
  /** Triggered campaigns, for our own referral events (ReferralCompleted starts them for the referrer). */
  triggeredCampaigns?: () => Promise<PublishedCampaign[]>;
  events?: { publish(events: readonly OwnEvent[]): Promise<void> };
  clock: Clock;
  /** Salt of the code candidates (default none: codes follow from customer ids alone). */
  codeSalt?: string;
}

const DAY_MS = 86_400_000;

/**
 * The program in force, read at most once per `ttlMs`: the first active referral campaign (by id)
 * and its published reward catalog. A catalog that no longer parses counts as no program.
 */
export const referralProgramSource = (
  store: Pick<DeliveryStore, 'listCampaigns' | 'getCampaign' | 'listDefinitions'>,
  clock: Clock,
  ttlMs = 60_000,
): (() => Promise<ReferralProgram | undefined>) => {
  let cached: { atMs: number; program: Promise<ReferralProgram | undefined> } | undefined;
  const load = async (): Promise<ReferralProgram | undefined> => {
    const summaries = (await store.listCampaigns()).filter((c) => c.kind === 'referral' && c.status === 'active').sort((a, b) => (a.campaignId < b.campaignId ? -1 : 1));
    for (const summary of summaries) {
      const published = await store.getCampaign(summary.campaignId);
      if (published?.campaign.kind !== 'referral') continue;
      const catalogId = published.campaign.rewards;
      const definition = (await store.listDefinitions('rewardCatalog')).find((d) => d.id === catalogId);
      const catalog = RewardCatalog.safeParse(definition?.value);
      if (catalog.success) return { campaignId: summary.campaignId, catalog: catalog.data };
    }
    return undefined;
  };
  return () => {
    const nowMs = clock.now().getTime();
    if (!cached || nowMs - cached.atMs >= ttlMs) {
      const program = load();
      cached = { atMs: nowMs, program };
      program.catch(() => {
        if (cached?.program === program) cached = undefined;
      });
    }
    return cached.program;
  };
};

// --- codes ---------------------------------------------------------------------------------

/** The customer's code, made on first need: candidates claimed with a conditional put, collisions retried. */
export const referralCodeFor = async (deps: Pick<ReferralDeps, 'referrals' | 'codeSalt'>, customerId: string): Promise<string> => {
  const known = await deps.referrals.codeOf(customerId);
  if (known) return known;
  for (let attempt = 0; attempt < REFERRAL_CODE_ATTEMPTS; attempt++) {
    const code = referralCodeCandidate(customerId, attempt, deps.codeSalt);
    // A crash after the claim and before setCodeOf leaves the claim ours: the retry re-claims it.
    if ((await deps.referrals.claimCode(code, customerId)) || (await deps.referrals.referrerOf(code)) === customerId) {
      return deps.referrals.setCodeOf(customerId, code);
    }
  }
  throw new Error(`referral code for customer ${customerId}: ${REFERRAL_CODE_ATTEMPTS} candidates all taken; retry later`);
};

/** The /r/<code> click: the referrer (or undefined for an unknown code), counted once per click. */
export const recordReferralClick = async (deps: Pick<ReferralDeps, 'referrals' | 'program'>, raw: string): Promise<{ code: string; referrerId: string } | undefined> => {
  const code = normalizeReferralCode(raw);
  if (!code) return undefined;
  const referrerId = await deps.referrals.referrerOf(code);
  if (!referrerId) return undefined;
  const program = await deps.program();
  if (program) await deps.referrals.addStats(program.campaignId, NO_REWARD, { clicks: 1 });
  return { code, referrerId };
};

// --- rewards -------------------------------------------------------------------------------

const couponSpecOf = (reward: Reward): CouponSpec | undefined => {
  const { value } = reward;
  if (value.type !== 'percent' && value.type !== 'amount' && value.type !== 'freeShipping') return undefined;
  return CouponSpec.parse({ value, validDays: reward.validDays, ...(reward.minimumOrderCents !== undefined ? { minimumOrderCents: reward.minimumOrderCents } : {}), prefix: 'REF' });
};

interface Emitted {
  byCustomer: Map<string, OwnEvent[]>;
}
const emitted = (): Emitted => ({ byCustomer: new Map() });
const push = (out: Emitted, event: OwnEvent) => out.byCustomer.set(event.customerId, [...(out.byCustomer.get(event.customerId) ?? []), event]);

/** Hands out one reward to one customer: a coupon, points on the profile, or a gift (RewardIssued for the shop). */
const handOut = async (
  deps: ReferralDeps,
  referral: Referral,
  reward: Reward,
  holderId: string,
  role: 'reward' | 'offer',
  out: Emitted,
): Promise<IssuedReward | undefined> => {
  const at = deps.clock.now();
  const occurrenceId = `${referral.campaignId}:${role}.${referral.friendId}`;
  let issued: IssuedReward;
  const spec = couponSpecOf(reward);
  if (spec) {
    if (!deps.issueCoupon) return undefined;
    const coupon = await deps.issueCoupon({ campaignId: referral.campaignId, occurrenceId, customerId: holderId, spec, at, rewardId: reward.id });
    await deps.referrals.linkCoupon(coupon.code, referral.friendId);
    push(out, couponIssuedEvent(coupon));
    issued = { kind: 'coupon', rewardId: reward.id, code: coupon.code, expiresAt: coupon.expiresAt };
  } else if (reward.value.type === 'points') {
    const points = reward.value.points;
    await deps.customers.applyAtomically(holderId, `referral-${role}:${referral.friendId}`, (current) =>
      current ? { profile: { ...current, points: current.points + points }, ownEvents: [] } : undefined,
    );
    issued = { kind: 'points', rewardId: reward.id, points };
  } else {
    issued = { kind: 'gift', rewardId: reward.id, sku: reward.value.type === 'gift' ? reward.value.sku : reward.id };
  }
  push(out, {
    type: 'RewardIssued',
    id: `referral-${role}:${referral.friendId}#RewardIssued`,
    customerId: holderId,
    rewardId: reward.id,
    referralOf: referral.friendId,
    value: reward.value,
    ...(issued.kind === 'coupon' ? { couponCode: issued.code, expiresAt: issued.expiresAt } : {}),
    at: at.toISOString(),
    causeEventId: `referral:${referral.friendId}`,
  });
  return issued;
};

/** Issues the referrer's reward of a `pending` referral and asks for the reward mail. */
const issueReferrerReward = async (deps: ReferralDeps, catalog: RewardCatalog, referral: Referral, out: Emitted): Promise<Referral> => {
  if (referral.state !== 'pending' || referral.rewardId === undefined) return referral;
  const reward = rewardById(catalog, referral.rewardId);
  if (!reward) throw new Error(`referral of ${referral.friendId}: reward "${referral.rewardId}" is not in catalog "${catalog.id}" any more`);
  const issued = await handOut(deps, referral, reward, referral.referrerId, 'reward', out);
  if (!issued) return referral;
  const next: Referral = { ...referral, state: 'issued', issued };
  if (await deps.referrals.updateReferral(next, ['pending'])) {
    await deps.referrals.addStats(referral.campaignId, reward.id, { issued: 1 });
    await askMail(deps, REWARD_ISSUED_CAMPAIGN_ID, next, deps.clock.now().toISOString());
    return next;
  }
  return (await deps.referrals.getReferral(referral.friendId)) ?? next;
};

const mailOccurrence = (campaignId: string, referral: Referral) => `${campaignId}:${referral.referrerId}:${referral.friendId}`;

const askMail = async (deps: ReferralDeps, campaignId: string, referral: Referral, dueAt: string): Promise<void> => {
  if (!deps.deliveries) return;
  const occurrenceId = mailOccurrence(campaignId, referral);
  const due: DueDelivery = { deliveryId: occurrenceId, dueAt, occurrenceId, campaignId, customerId: referral.referrerId };
  await deps.deliveries.putDueDelivery(due);
};

/** The friend an occurrence of a program mail is about (`<campaign>:<referrer>:<friend>`). */
export const referralOfOccurrence = (occurrenceId: string): { referrerId: string; friendId: string } | undefined => {
  const [, referrerId, ...rest] = occurrenceId.split(':');
  const friendId = rest.join(':');
  return referrerId && friendId ? { referrerId, friendId } : undefined;
};

// --- conversion ----------------------------------------------------------------------------

export type ReferralStepResult =
  | { kind: 'none' }
  | { kind: 'converted'; referral: Referral }
  | { kind: 'rejected'; reason: RejectionReason; detail: string }
  | { kind: 'redeemed'; friendId: string }
  | { kind: 'revoked'; friendId: string };

const reject = async (
  deps: ReferralDeps,
  program: ReferralProgram,
  input: { friendId: string; orderId: string; code: string; referrerId?: string; at: string },
  reason: RejectionReason,
  detail: string,
): Promise<ReferralStepResult> => {
  const first = await deps.referrals.putRejection({ ...input, campaignId: program.campaignId, reason, detail });
  if (first) await deps.referrals.addStats(program.campaignId, NO_REWARD, { [`rejected.${reason}`]: 1 });
  return { kind: 'rejected', reason, detail };
};

/** Our own events to their customers' histories, the bus, and triggered campaigns (ReferralCompleted). */
const deliverOwn = async (deps: ReferralDeps, out: Emitted): Promise<void> => {
  for (const [customerId, events] of out.byCustomer) {
    await deps.customers.appendEvents(customerId, events.map((e) => ({ eventId: e.id, origin: 'own' as const, type: e.type, at: e.at, detail: e })));
    if (deps.deliveries && deps.triggeredCampaigns) {
      const profile = await deps.customers.getProfile(customerId);
      const causes = events.map((e) => ({ type: e.type, eventId: e.id, at: e.at, ...('orderId' in e ? { orderId: e.orderId } : {}) }));
      if (profile) for (const due of plannedDeliveries(await deps.triggeredCampaigns(), profile, causes, deps.clock.now())) await deps.deliveries.putDueDelivery(due);
    }
    await deps.events?.publish(events);
  }
};

const convert = async (deps: ReferralDeps, event: Extract<ShopEvent, { type: 'OrderPlaced' }>, profile: Profile, firstOrder: boolean): Promise<ReferralStepResult> => {
  const d = event.detail;
  const raw = d.referralCode ?? (firstOrder ? profile.referralCode : undefined);
  if (raw === undefined) return { kind: 'none' };
  const program = await deps.program();
  if (!program) return { kind: 'none' };
  const { catalog } = program;
  const orderAt = new Date(d.placedAt).toISOString();
  const base = { friendId: profile.customerId, orderId: d.orderId, code: raw.slice(0, 64), at: orderAt };
  const existing = await deps.referrals.getReferral(profile.customerId);
  if (!firstOrder && existing?.orderId !== d.orderId) return reject(deps, program, base, 'alreadyCustomer', 'the friend had ordered before');
  const code = normalizeReferralCode(raw);
  const referrerId = code ? await deps.referrals.referrerOf(code) : undefined;
  if (!code || !referrerId) return reject(deps, program, base, 'unknownCode', 'no customer has this code');
  const input = { ...base, code, referrerId };
  if (existing && existing.orderId === d.orderId) return finish(deps, program, existing, event);
  const referrer = await deps.customers.getProfile(referrerId);
  const addressCustomers = d.shippingAddressHash ? await deps.referrals.customersAt(d.shippingAddressHash) : [];
  const verdict = checkConversion({ friendId: profile.customerId, referrerId, friend: profile, referrer, firstOrder, addressCustomers });
  if (!verdict.ok) return reject(deps, program, input, verdict.reason!, verdict.detail!);
  if (existing) return reject(deps, program, input, 'alreadyReferred', `referred before by order ${existing.orderId}`);

  const rules = programRules(catalog);
  const period = capPeriod(catalog, Date.parse(orderAt));
  const expires = Math.floor((Date.parse(orderAt) + 400 * DAY_MS) / 1000);
  if (!(await deps.referrals.takeCapSlot(referrerId, period, profile.customerId, rules.cap.count, expires))) {
    return reject(deps, program, input, 'referrerCap', `${rules.cap.count} conversions per ${rules.cap.per} reached (${period})`);
  }
  const locked = lockReward(catalog, Date.parse(orderAt));
  const referral: Referral = {
    friendId: profile.customerId,
    referrerId,
    code,
    orderId: d.orderId,
    orderAt,
    campaignId: program.campaignId,
    catalogId: catalog.id,
    state: locked.mode === 'selectable' ? 'choosing' : 'pending',
    ...(locked.mode === 'rotate' ? { rewardId: locked.rewardId } : {}),
    ...(locked.mode === 'selectable' ? { options: locked.options, defaultRewardId: locked.defaultRewardId, choiceDueAt: locked.choiceDueAt } : {}),
  };
  const created = await deps.referrals.createReferral(referral);
  if (!created.created && created.existing.orderId !== d.orderId) {
    await deps.referrals.releaseCapSlot(referrerId, period, profile.customerId);
    return reject(deps, program, input, 'alreadyReferred', `referred before by order ${created.existing.orderId}`);
  }
  const stored = created.created ? referral : created.existing;
  if (created.created) await deps.referrals.addStats(program.campaignId, stored.rewardId ?? NO_REWARD, { conversions: 1 });
  return finish(deps, program, stored, event);
};

/** What a stored referral still needs: the events, the referrer's reward or choice mail, the friend's offer. */
const finish = async (deps: ReferralDeps, program: ReferralProgram, referral: Referral, event: ShopEvent): Promise<ReferralStepResult> => {
  const out = emitted();
  push(out, {
    type: 'ReferralCompleted',
    id: `referral:${referral.friendId}#ReferralCompleted`,
    customerId: referral.referrerId,
    friendId: referral.friendId,
    code: referral.code,
    orderId: referral.orderId,
    ...(referral.rewardId !== undefined ? { rewardId: referral.rewardId } : {}),
    at: referral.orderAt,
    causeEventId: event.id,
  });
  let current = referral;
  if (current.state === 'pending') current = await issueReferrerReward(deps, program.catalog, current, out);
  if (current.state === 'choosing') {
    await askMail(deps, REWARD_CHOICE_CAMPAIGN_ID, current, deps.clock.now().toISOString());
    // The default: the reward mail is due when the choice window ends; its send issues the default if no choice came.
    await askMail(deps, REWARD_ISSUED_CAMPAIGN_ID, current, current.choiceDueAt!);
  }
  const offer = friendOffer(program.catalog, Date.parse(current.orderAt));
  if (offer && current.friendOffer === undefined && current.state !== 'revoked') {
    const issued = await handOut(deps, current, offer, current.friendId, 'offer', out);
    if (issued) {
      const withOffer = { ...current, friendOffer: issued };
      if (await deps.referrals.updateReferral(withOffer, [current.state])) current = withOffer;
    }
  }
  await deliverOwn(deps, out);
  return { kind: 'converted', referral: current };
};

const redeem = async (deps: ReferralDeps, typed: string, customerId: string, at: string): Promise<ReferralStepResult> => {
  const couponCode = typed.trim().toUpperCase();
  const friendId = await deps.referrals.referralOfCoupon(couponCode);
  if (!friendId) return { kind: 'none' };
  const referral = await deps.referrals.getReferral(friendId);
  if (!referral || referral.redeemedAt || referral.issued?.kind !== 'coupon' || referral.issued.code !== couponCode || referral.referrerId !== customerId) return { kind: 'none' };
  if (!(await deps.referrals.updateReferral({ ...referral, redeemedAt: at }, ['issued']))) return { kind: 'none' };
  await deps.referrals.addStats(referral.campaignId, referral.issued.rewardId, { redeemed: 1 });
  return { kind: 'redeemed', friendId };
};

const revoke = async (deps: ReferralDeps, event: Extract<ShopEvent, { type: 'OrderRefunded' }>, profile: Profile): Promise<ReferralStepResult> => {
  const d = event.detail;
  const referral = await deps.referrals.getReferral(profile.customerId);
  if (!referral || referral.orderId !== d.orderId) return { kind: 'none' };
  const order = profile.orderHistory.find((o) => o.orderId === d.orderId);
  const full = order !== undefined && order.refundedCents >= order.totalCents;
  const program = await deps.program();
  const rules = program ? programRules(program.catalog) : DEFAULT_PROGRAM_RULES;
  if (!revokesReward(referral, d.refundedAt, full, rules)) return { kind: 'none' };
  const at = new Date(d.refundedAt).toISOString();
  const next: Referral = { ...referral, state: 'revoked', revokedAt: at, revokeReason: 'friend\'s order fully refunded' };
  if (!(await deps.referrals.updateReferral(next, ['choosing', 'pending', 'issued']))) return { kind: 'none' };
  const out = emitted();
  const issued = referral.issued;
  if (issued?.kind === 'points') {
    await deps.customers.applyAtomically(referral.referrerId, `referral-revoke:${referral.friendId}`, (current) =>
      current ? { profile: { ...current, points: Math.max(0, current.points - issued.points) }, ownEvents: [] } : undefined,
    );
  }
  if (issued) {
    push(out, {
      type: 'RewardRevoked',
      id: `referral-reward:${referral.friendId}#RewardRevoked`,
      customerId: referral.referrerId,
      rewardId: issued.rewardId,
      referralOf: referral.friendId,
      ...(issued.kind === 'coupon' ? { couponCode: issued.code } : {}),
      reason: next.revokeReason!,
      at,
      causeEventId: event.id,
    });
  }
  await deps.referrals.addStats(referral.campaignId, referral.rewardId ?? NO_REWARD, { revoked: 1 });
  await deliverOwn(deps, out);
  return { kind: 'revoked', friendId: referral.friendId };
};

/**
 * Ingest's hook, after the shop event changed the profile: an order's shipping address is
 * remembered, its coupon may redeem a reward, its referral code may complete a referral; a full
 * refund may revoke one. `ownEvents` are those the event produced (FirstOrderPlaced marks the
 * friend's first order).
 */
export const referralStep = async (deps: ReferralDeps, event: ShopEvent, profile: Profile, ownEvents: readonly OwnEvent[]): Promise<ReferralStepResult> => {
  if (event.type === 'OrderRefunded') return revoke(deps, event, profile);
  if (event.type !== 'OrderPlaced') return { kind: 'none' };
  const d = event.detail;
  const firstOrder = ownEvents.some((e) => e.type === 'FirstOrderPlaced' && e.orderId === d.orderId);
  const result = await convert(deps, event, profile, firstOrder);
  // After the check, so the friend's own address never counts against them on this order.
  if (d.shippingAddressHash) await deps.referrals.addAddress(d.shippingAddressHash, profile.customerId);
  if (d.couponCode) {
    const redeemed = await redeem(deps, d.couponCode, profile.customerId, new Date(d.placedAt).toISOString());
    if (result.kind === 'none') return redeemed;
  }
  return result;
};

// --- the referrer's choice -----------------------------------------------------------------

export type ChooseResult = { kind: 'chosen' | 'already'; referral: Referral } | { kind: 'invalid' } | { kind: 'unknown' };

/**
 * The referrer picks a reward (the choice page) or the window ends (`by: 'default'`, the reward
 * mail's send): the first choice wins, later ones answer the choice made.
 */
export const chooseReward = async (deps: ReferralDeps, friendId: string, rewardId: string | undefined, by: 'customer' | 'default'): Promise<ChooseResult> => {
  const referral = await deps.referrals.getReferral(friendId);
  if (!referral) return { kind: 'unknown' };
  const program = await deps.program();
  if (referral.state !== 'choosing') {
    // A choice made whose issue did not finish (a crash): finish it now.
    if (referral.state === 'pending' && program) return { kind: 'already', referral: await finishIssue(deps, program.catalog, referral) };
    return { kind: 'already', referral };
  }
  const outcome = applyChoice(referral, rewardId ?? referral.defaultRewardId ?? '', by, deps.clock.now());
  if (outcome.kind !== 'chosen') return outcome.kind === 'already' ? { kind: 'already', referral: outcome.referral } : { kind: 'invalid' };
  const chosen: Referral = { ...outcome.referral, state: 'pending' };
  if (!(await deps.referrals.updateReferral(chosen, ['choosing']))) {
    const now = await deps.referrals.getReferral(friendId);
    return now ? { kind: 'already', referral: now } : { kind: 'unknown' };
  }
  if (!program || program.catalog.id !== chosen.catalogId) return { kind: 'chosen', referral: chosen };
  return { kind: 'chosen', referral: await finishIssue(deps, program.catalog, chosen) };
};

const finishIssue = async (deps: ReferralDeps, catalog: RewardCatalog, referral: Referral): Promise<Referral> => {
  const out = emitted();
  const issued = await issueReferrerReward(deps, catalog, referral, out);
  await deliverOwn(deps, out);
  return issued;
};

/** The rewards of a referral's choice, for the choice mail and page: its locked options, in catalog order. */
export const choiceOptions = (catalog: RewardCatalog, referral: Referral): Reward[] =>
  (referral.options ?? []).map((id) => rewardById(catalog, id)).filter((r): r is Reward => r !== undefined);

/** Days left to choose, for the mail (at least 0). */
export const daysToChoose = (referral: Referral, at: Date): number =>
  referral.choiceDueAt ? Math.max(0, Math.ceil((Date.parse(referral.choiceDueAt) - at.getTime()) / DAY_MS)) : 0;

// --- stats ---------------------------------------------------------------------------------

/**
 * The program's stats per reward of one referral campaign: the store's counters (clicks,
 * conversions, issued, redeemed, revoked, rejections by reason) plus the invitations sent, read
 * from the campaign's occurrences (their `sent` outcome) and put under the reward that was current
 * at each occurrence's scheduled time ("-" for a selectable catalog). Counting sends from the
 * occurrences keeps the send path free of another write per mail.
 */
export const referralStats = async (
  deps: { referrals: Pick<ReferralStore, 'stats'>; deliveries: Pick<DeliveryStore, 'listOccurrences'> },
  campaignId: string,
  catalog: RewardCatalog | undefined,
): Promise<ReferralStats> => {
  const stats = await deps.referrals.stats(campaignId);
  for (const occurrence of await deps.deliveries.listOccurrences(campaignId)) {
    const sent = occurrence.stats.sent ?? 0;
    if (sent === 0) continue;
    const rewardId = (catalog && currentReward(catalog, Date.parse(occurrence.scheduledAt))?.id) ?? NO_REWARD;
    const row = (stats[rewardId] ??= {});
    row.invitations = (row.invitations ?? 0) + sent;
  }
  return stats;
};
