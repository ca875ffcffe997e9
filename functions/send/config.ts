// The send function's environment, read once through zod; a bad value names the variable.
import * as z from 'zod';
import { envInt, envNumber, envShopInfo, parseEnv } from '#core/delivery/env';
import { TokenKeysEnv } from '#adapters/token-keys';

export const SendEnv = z.object({
  TABLE_NAME: z.string().min(1),
  /** Its own queue: throttled or foreign-claimed recipients are re-queued with a delay. */
  SEND_QUEUE_URL: z.string().min(1),
  /** "Shop <news@shop.example>", a verified SES identity. */
  SENDER_ADDRESS: z.string().min(3),
  /** Comma-separated reply-to addresses. */
  REPLY_TO: z.string().optional(),
  CONFIGURATION_SET: z.string().min(1).optional(),
  /** Base of the one-click unsubscribe URL: <base>/u/<token>. */
  UNSUBSCRIBE_BASE_URL: z.url({ protocol: /^https?$/ }),
  /** The token signing keys: a Secrets Manager secret read at run time (adapters/token-keys.ts). */
  ...TokenKeysEnv,
  /** Days a double opt-in confirm link stays valid. */
  CONFIRM_TTL_DAYS: envInt(7, 1, 60),
  /** Put an open pixel in marketing mail (the track function must serve it: its OPEN_PIXEL). */
  OPEN_PIXEL: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Shop name, url, imprint, address for the templates, as JSON. */
  SHOP_INFO: envShopInfo(),
  /** Overrides SES GetAccount MaxSendRate (mails/s for the whole account). */
  MAX_SEND_RATE: envNumber(0.01),
  /** Send functions running at once (SQS event source maxConcurrency): each paces to rate / this. */
  SEND_CONCURRENCY: envInt(1, 1, 1000),
  /** SES calls in flight per function instance. */
  SEND_PARALLELISM: envInt(32, 1, 1000),
  FREQUENCY_CAP: envInt(3, 1, 20),
  FREQUENCY_CAP_DAYS: envInt(7, 1, 365),
  /** Must exceed the function timeout. */
  LEASE_SECONDS: envInt(300, 10, 43_200),
  /**
   * No recipient is started with less time left in the invocation: one SES call (its request
   * timeout) plus recording the answer and handing back the rest. Must stay below the timeout.
   */
  SEND_DEADLINE_MARGIN_SECONDS: envInt(10, 1, 600),
  /** The reputation circuit breaker's limits, JSON (core/delivery/breaker.ts BreakerConfig); default its defaults. */
  BREAKER_CONFIG: z.string().optional(),
  /** The shop bus: each issued coupon goes there as our own CouponIssued event (PutEvents). */
  EVENT_BUS_NAME: z.string().min(1).optional(),
  DYNAMODB_ENDPOINT: z.url().optional(),
  SQS_ENDPOINT: z.url().optional(),
  SES_ENDPOINT: z.url().optional(),
});
export type SendEnv = z.infer<typeof SendEnv>;

export const readSendConfig = (env: Record<string, string | undefined>): SendEnv => parseEnv('send', SendEnv, env);
