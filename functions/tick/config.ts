// The tick function's environment, read once through zod; a bad value names the variable.
import * as z from 'zod';
import { envInt, envShopInfo, parseEnv } from '#core/delivery/env';

export const TickEnv = z.object({
  TABLE_NAME: z.string().min(1),
  AUDIENCE_QUEUE_URL: z.string().min(1),
  SEND_QUEUE_URL: z.string().min(1),
  /** Fixed audience shards (parallel scan segments) per occurrence; absent: from the profile count. */
  AUDIENCE_SEGMENTS: z.coerce.number().int().min(1).max(1_000_000).optional(),
  /** Catch-up limit: a due time older than this when tick reaches it is stored `missed`, not sent. */
  CATCH_UP_LIMIT_MINUTES: envInt(24 * 60, 1, 30 * 24 * 60),
  /** Occurrences (created or missed) per tick; a longer backlog continues on the next tick. */
  MAX_OCCURRENCES_PER_TICK: envInt(100, 1, 10_000),
  /** The shop (JSON, as send's); only its `delivery` settings are read here. Absent: DEFAULT_SHOP_DELIVERY. */
  SHOP_INFO: envShopInfo().optional(),
  /** The reputation circuit breaker's limits, JSON (core/delivery/breaker.ts); tick resumes what it paused. */
  BREAKER_CONFIG: z.string().optional(),
  /** The shop bus: CouponExpiring goes there; absent, no coupon reminders are announced. */
  EVENT_BUS_NAME: z.string().min(1).optional(),
  /** CouponExpiring this many days before an unredeemed coupon expires. */
  COUPON_EXPIRING_DAYS: envInt(3, 1, 60),
  DYNAMODB_ENDPOINT: z.url().optional(),
  SQS_ENDPOINT: z.url().optional(),
});
export type TickEnv = z.infer<typeof TickEnv>;

export const readTickConfig = (env: Record<string, string | undefined>): TickEnv => parseEnv('tick', TickEnv, env);
