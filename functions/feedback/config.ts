// The feedback function's environment, read once through zod; a bad value names the variable.
import * as z from 'zod';
import { parseEnv } from '#core/delivery/env';

export const FeedbackEnv = z.object({
  TABLE_NAME: z.string().min(1),
  DYNAMODB_ENDPOINT: z.url().optional(),
  /** Transient bounces in a row that suppress an address. */
  SOFT_BOUNCE_LIMIT: z.coerce.number().int().min(1).max(100).default(5),
  /** The reputation circuit breaker's limits, JSON (core/delivery/breaker.ts BreakerConfig). */
  BREAKER_CONFIG: z.string().optional(),
});
export type FeedbackEnv = z.infer<typeof FeedbackEnv>;

export const readFeedbackConfig = (env: Record<string, string | undefined>): FeedbackEnv => parseEnv('feedback', FeedbackEnv, env);
