// The ingest function's environment, read once through zod; a bad value fails at start and
// names the variable.
import * as z from 'zod';
import { formatIssues, isIanaTimeZone } from '#core/events';
import { DEFAULT_SHOP_DELIVERY, shopDeliveryOf, type ShopDeliverySettings } from '#core/delivery/local-time';
import { envShopInfo } from '#core/delivery/env';
import { DEFAULT_ACTIVE_DAYS } from '#core/kpis';
import { LoyaltyConfig, defaultLoyaltyConfig } from '#core/loyalty';

export const IngestEnv = z.object({
  /** The single table (set by the stack). */
  TABLE_NAME: z.string().min(1),
  /** Local DynamoDB (dynalite) endpoint; unset on AWS. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  /** LoyaltyConfig as JSON; unset: 1 point per 1.00, silver 200.00 / gold 1000.00 in 12 months. */
  LOYALTY_CONFIG: z.string().optional(),
  /** The shop bus our own events (TierChanged, FirstOrderPlaced, ...) go to; unset: not published. */
  EVENT_BUS_NAME: z.string().min(1).optional(),
  /** Months a history event is kept after it happened (DynamoDB TTL); the profile keeps the aggregates. */
  HISTORY_RETENTION_MONTHS: z.coerce.number().int().min(1).max(120).optional(),
  /** Days after a click (or a mail) an order is attributed to it (core/attribution.ts); unset: 5. */
  ATTRIBUTION_DAYS: z.coerce.number().int().min(1).max(90).optional(),
  /** The zone the retention report's month counters are kept in (core/kpis.ts). @default Europe/Berlin */
  REPORT_TIME_ZONE: z.string().refine(isIanaTimeZone, 'must be an IANA time zone such as "Europe/Berlin"').optional(),
  /** The report's activity window W in days the churn counters are kept for. @default 365 */
  REPORT_ACTIVE_DAYS: z.coerce.number().int().min(1).max(3660).optional(),
  /** The shop (send's SHOP_INFO): its "delivery" zone and quiet hours plan triggered follow-ups; unset: the defaults. */
  SHOP_INFO: envShopInfo().optional(),
});

export interface IngestConfig {
  tableName: string;
  dynamoEndpoint?: string;
  loyalty: LoyaltyConfig;
  eventBusName?: string;
  historyRetentionMonths?: number;
  attributionDays?: number;
  reportTimeZone: string;
  reportActiveDays: number;
  /** Default zone and quiet hours for triggered follow-ups (from SHOP_INFO "delivery", else the defaults). */
  shop: ShopDeliverySettings;
}

export const readIngestConfig = (env: Record<string, string | undefined>): IngestConfig => {
  const parsed = IngestEnv.safeParse(env);
  if (!parsed.success) throw new Error(`ingest config: ${formatIssues(parsed.error)}`);
  let loyalty = defaultLoyaltyConfig;
  if (parsed.data.LOYALTY_CONFIG) {
    let json: unknown;
    try {
      json = JSON.parse(parsed.data.LOYALTY_CONFIG);
    } catch (error) {
      throw new Error(`ingest config: LOYALTY_CONFIG: not JSON (${(error as Error).message})`);
    }
    const result = LoyaltyConfig.safeParse(json);
    if (!result.success) throw new Error(`ingest config: ${formatIssues(result.error, ['LOYALTY_CONFIG'])}`);
    loyalty = result.data;
  }
  return {
    tableName: parsed.data.TABLE_NAME,
    ...(parsed.data.DYNAMODB_ENDPOINT ? { dynamoEndpoint: parsed.data.DYNAMODB_ENDPOINT } : {}),
    ...(parsed.data.HISTORY_RETENTION_MONTHS !== undefined ? { historyRetentionMonths: parsed.data.HISTORY_RETENTION_MONTHS } : {}),
    loyalty,
    ...(parsed.data.EVENT_BUS_NAME ? { eventBusName: parsed.data.EVENT_BUS_NAME } : {}),
    ...(parsed.data.ATTRIBUTION_DAYS !== undefined ? { attributionDays: parsed.data.ATTRIBUTION_DAYS } : {}),
    reportTimeZone: parsed.data.REPORT_TIME_ZONE ?? DEFAULT_SHOP_DELIVERY.timeZone,
    reportActiveDays: parsed.data.REPORT_ACTIVE_DAYS ?? DEFAULT_ACTIVE_DAYS,
    shop: shopDeliveryOf(parsed.data.SHOP_INFO),
  };
};
