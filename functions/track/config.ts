// The track function's environment, read once through zod; a bad value names the variable.
import * as z from 'zod';
import { envInt, envShopInfo, parseEnv } from '#core/delivery/env';
import { TokenKeysEnv } from '#adapters/token-keys';

export const TrackEnv = z.object({
  TABLE_NAME: z.string().min(1),
  /** Shop name, url, imprint, address for the pages' footer, as JSON. */
  SHOP_INFO: envShopInfo(),
  /** The token signing keys (the ring send signs with): a Secrets Manager secret read at run time. */
  ...TokenKeysEnv,
  /** Bus for our own events (ConsentConfirmed, ConsentWithdrawn); unset: history only. */
  EVENT_BUS_NAME: z.string().min(1).optional(),
  /** Comma-separated topics the preference centre always lists. */
  TOPICS: z.string().default('newsletter').transform((s) => s.split(',').map((t) => t.trim()).filter(Boolean)),
  /** Requests per client address per minute and instance. */
  REQUESTS_PER_MINUTE: envInt(60, 1, 100_000),
  /** Serve the open pixel (off by default: Apple Mail Privacy Protection makes opens unreliable). */
  OPEN_PIXEL: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  DYNAMODB_ENDPOINT: z.url().optional(),
});
export type TrackEnv = z.infer<typeof TrackEnv>;

export const readTrackConfig = (env: Record<string, string | undefined>): TrackEnv => parseEnv('track', TrackEnv, env);
