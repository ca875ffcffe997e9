// The tick function's environment, read once through zod; a bad value names the variable.
import * as z from 'zod';
import { envInt, parseEnv } from '#core/delivery/env';

export const TickEnv = z.object({
  TABLE_NAME: z.string().min(1),
  AUDIENCE_QUEUE_URL: z.string().min(1),
  SEND_QUEUE_URL: z.string().min(1),
  /** Fixed audience shards (parallel scan segments) per occurrence; absent: from the profile count. */
  AUDIENCE_SEGMENTS: z.coerce.number().int().min(1).max(1_000_000).optional(),
  /** Due times this far back are still created (missed ticks). */
  LOOKBACK_MINUTES: envInt(15, 1, 24 * 60),
  DYNAMODB_ENDPOINT: z.url().optional(),
  SQS_ENDPOINT: z.url().optional(),
});
export type TickEnv = z.infer<typeof TickEnv>;

export const readTickConfig = (env: Record<string, string | undefined>): TickEnv => parseEnv('tick', TickEnv, env);
