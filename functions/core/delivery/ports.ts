// The narrow ports the delivery path talks through: mail out, queues, profiles, rendering,
// unsubscribe links and segment predicates. Adapters implement them; tests pass twins.
import type { Profile } from '#core/profile';
import type { PublishedCampaign } from '#core/delivery-store';
import type { IssuedCoupon } from '#core/coupons';
import type { AudienceShard, SendWork, SendWorkInput } from './messages';
import type { CouponVariables, RewardVariables } from '#core/render';

export interface MailHeader {
  name: string;
  value: string;
}

export interface OutgoingMail {
  from: string;
  to: string;
  replyTo?: string[];
  subject: string;
  html: string;
  text: string;
  headers: MailHeader[];
  /** SES configuration set (event destination for feedback). */
  configurationSet?: string;
  tags: MailHeader[];
  /** The coupon code the mail carries (not sent to SES as such: the outbox and logs show it). */
  couponCode?: string;
}

/**
 * Why SES did not take a mail, classified by the mailer adapter:
 * - throttled: not accepted, try again later (rate exceeded);
 * - paused: the account cannot send (SendingPaused, AccountSuspended) — retrying burns nothing
 *   but time, so the occurrence pauses;
 * - quota: the account's 24-hour quota is spent ("Daily message quota exceeded", which SES sends
 *   as a throttling error): the occurrence pauses until the quota has room again;
 * - rejected: this mail will never be accepted (bad address, message rejected);
 * - ambiguous: the request may have reached SES (timeout, 5xx, connection reset) — never resent.
 */
export type MailFailureKind = 'throttled' | 'paused' | 'quota' | 'rejected' | 'ambiguous';

export type MailResult = { ok: true; messageId: string } | { ok: false; kind: MailFailureKind; reason: string };

export interface Mailer {
  send(mail: OutgoingMail): Promise<MailResult>;
}

/** What SES GetAccount says about the account's ability to send. */
export interface AccountStatus {
  sendingEnabled: boolean;
  /** HEALTHY, PROBATION or SHUTDOWN (SES enforcement status). */
  enforcementStatus: string;
  max24HourSend: number;
  sentLast24Hours: number;
  maxSendRate: number;
}

export interface AccountStatusReader {
  accountStatus(): Promise<AccountStatus>;
}

/** The account may send now: enabled, not shut down, and room left in the 24-hour quota. */
export const accountCanSend = (status: AccountStatus): boolean =>
  status.sendingEnabled && status.enforcementStatus !== 'SHUTDOWN' && status.sentLast24Hours < status.max24HourSend;

/** The account's 24-hour quota is spent (a throttling error with this status is not a rate issue). */
export const quotaExhausted = (status: AccountStatus): boolean => status.max24HourSend > 0 && status.sentLast24Hours >= status.max24HourSend;

/**
 * Time left in the current invocation (the Lambda's getRemainingTimeInMillis; a simulated clock
 * in tests). The sender starts no recipient whose SES call and recording might not fit.
 */
export interface Deadline {
  remainingMs(): number;
}

export const NO_DEADLINE: Deadline = { remainingMs: () => Number.POSITIVE_INFINITY };

export interface QueuedMessage<T> {
  body: T;
  delaySeconds?: number;
}

/** A work queue (SQS in AWS, in-memory locally). sendBatch throws if any entry stays unsent. */
export interface WorkQueue<T> {
  sendBatch(messages: readonly QueuedMessage<T>[]): Promise<void>;
}

export type AudienceQueue = WorkQueue<AudienceShard>;
export type SendQueue = WorkQueue<SendWorkInput | SendWork>;

/** Reads the profiles of a send message's recipients (A's CustomerStore behind it). */
export interface ProfileReader {
  getProfiles(customerIds: readonly string[]): Promise<Map<string, Profile>>;
}

export interface ShardPage {
  profiles: Profile[];
  /** Opaque; absent when the shard is done. */
  cursor?: string;
}

/** One segment of a DynamoDB parallel scan over the profiles, a page at a time. */
export interface ProfileShardScanner {
  scanShard(shard: { segment: number; totalSegments: number; cursor?: string; limit?: number }): Promise<ShardPage>;
}

/** The birthday index (gsi2 `BDAY#MM-DD` in DynamoDB): the profiles born on a month-day, a page at a time. */
export interface BirthdayIndex {
  findByBirthday(monthDay: string, options?: { limit?: number; cursor?: string }): Promise<ShardPage>;
}

/**
 * How many profiles there are, roughly: sizes an occurrence's audience shards. DynamoDB's index
 * ItemCount (refreshed about every 6 hours) is plenty for that.
 */
export interface ProfileCounter {
  approximateProfileCount(): Promise<number>;
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

export interface RenderInput {
  published: PublishedCampaign;
  profile: Profile;
  occurrenceId: string;
  at: Date;
  unsubscribeUrl: string;
  /** What the offer step prepared for this recipient (referral reward and link). */
  offer?: MailOffer;
  /** The recipient's coupon (core/delivery/coupon-step.ts), shown by the coupon block. */
  coupon?: IssuedCoupon;
  /** The recipient's A/B arm (core/experiments.ts): a variant renders its own compiled templates. */
  arm?: string;
}

/**
 * Step "offer" of the send path: what a recipient's mail carries beyond the template (the
 * referral link and reward, a reward's coupon), or a reason the mail is no longer wanted.
 */
export interface MailOffer {
  reward?: RewardVariables;
  coupon?: CouponVariables;
  /** The reward the mail shows (outbox `rewardId`, SES tag `reward`). */
  rewardId?: string;
  /** The mail is no longer wanted (a choice made meanwhile): outcome `cancelled`. */
  cancelled?: string;
}

export type OfferStep = (published: PublishedCampaign, profile: Profile, occurrenceId: string, at: Date) => Promise<MailOffer | undefined>;

/** The send-path renderer over the campaign's precompiled template (D's render.ts behind it). */
export interface MailRenderer {
  render(input: RenderInput): RenderedMail;
}

/** One-click unsubscribe URL with a signed token (D's tokens.ts behind it). */
export interface UnsubscribeLinks {
  url(input: { customerId: string; topic: string; campaignId: string }): string;
}

/** Compiles a campaign's audience once per occurrence into a predicate (C's compileRule). */
export type AudienceCompiler = (published: PublishedCampaign) => (profile: Profile, atEpochMs: number) => boolean;
