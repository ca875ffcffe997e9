// The tick function's environment, read once through zod; a bad value names the variable.
import { z } from 'zod';
import { envInt, parseEnv } from '#core/delivery/env';

export const TickEnv = z.object({
  TABLE_NAME: z.string().min(1),
  AUDIENCE_QUEUE_URL: z.string().min(1),
  SEND_QUEUE_URL: z.string().min(1),
  /** Audience shards (parallel scan segments) per occurrence. */
  AUDIENCE_SEGMENTS: envInt(8, 1, 1_000_000),
  /** Catch-up limit: a due time older than this when tick reaches it is stored `missed`, not sent. */
  CATCH_UP_LIMIT_MINUTES: envInt(24 * 60, 1, 30 * 24 * 60),
  /** Occurrences (created or missed) per tick; a longer backlog continues on the next tick. */
  MAX_OCCURRENCES_PER_TICK: envInt(100, 1, 10_000),
  DYNAMODB_ENDPOINT: z.url().optional(),
  SQS_ENDPOINT: z.url().optional(),
});
export type TickEnv = z.infer<typeof TickEnv>;

export const readTickConfig = (env: Record<string, string | undefined>): TickEnv => parseEnv('tick', TickEnv, env);
