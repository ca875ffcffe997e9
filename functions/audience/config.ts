// The audience function's environment, read once through zod; a bad value names the variable.
import * as z from 'zod';
import { envInt, envNumber, envShopInfo, parseEnv } from '#core/delivery/env';

export const AudienceEnv = z.object({
  TABLE_NAME: z.string().min(1),
  /** Where matched recipients go. */
  SEND_QUEUE_URL: z.string().min(1),
  /** Its own queue: a shard continues there with a cursor before the function times out. */
  AUDIENCE_QUEUE_URL: z.string().min(1),
  SCAN_PAGE_SIZE: envInt(1000, 1, 10_000),
  RECIPIENTS_PER_MESSAGE: envInt(50, 1, 100),
  /** The account's mail rate (mails/s) for back-pressure; absent: SES GetAccount's MaxSendRate. */
  MAX_SEND_RATE: envNumber(0.01),
  /** The shop (JSON, as send's); only its `delivery` settings are read here. Absent: DEFAULT_SHOP_DELIVERY. */
  SHOP_INFO: envShopInfo().optional(),
  DYNAMODB_ENDPOINT: z.url().optional(),
  SQS_ENDPOINT: z.url().optional(),
  SES_ENDPOINT: z.url().optional(),
});
export type AudienceEnv = z.infer<typeof AudienceEnv>;

export const readAudienceConfig = (env: Record<string, string | undefined>): AudienceEnv => parseEnv('audience', AudienceEnv, env);
