// The track Lambda behind its Function URL: the Hono app of app.ts through hono/aws-lambda.
// Thin: config, clients and the key ring are made once per container; the app does the rest.
import { handle, getConnInfo, type LambdaEvent } from 'hono/aws-lambda';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context } from 'hono';
import { createLogger } from '#adapters/logger';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoStore } from '#adapters/dynamo-store';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createDynamoClickStore } from '#adapters/dynamo-click-store';
import { createDynamoFunnelStore } from '#adapters/dynamo-funnel-store';
import { createEventBusPublisher } from '#adapters/event-bus';
import type { SigningKeyRing } from '#core/tokens';
import { keySourceFromEnv, liveKeyRing } from '#adapters/token-keys';
import { createDynamoReferralDeps } from '#adapters/referral-deps';
import { createTrackApp } from './app';
import { readTrackConfig, type TrackEnv } from './config';

/**
 * The caller's address: behind CloudFront the viewer's (CloudFront-Viewer-Address, "ip:port",
 * which the distribution's origin request policy forwards), otherwise the Function URL's sourceIp.
 * X-Forwarded-For is not used: its first entries are whatever the client wrote.
 */
export const lambdaClientIp = (c: Context): string | undefined => {
  const viewer = c.req.header('cloudfront-viewer-address');
  if (viewer) return viewer.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
};

export const createTrackHandler = (config: TrackEnv, keys: () => SigningKeyRing | Promise<SigningKeyRing>) => {
  const client = createDocumentClient(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {});
  const app = createTrackApp({
    customers: createDynamoStore({ client, tableName: config.TABLE_NAME }),
    campaigns: createDynamoDeliveryStore({ client, tableName: config.TABLE_NAME }),
    clicks: createDynamoClickStore({ client, tableName: config.TABLE_NAME }),
    funnels: createDynamoFunnelStore({ client, tableName: config.TABLE_NAME }),
    ...(config.EVENT_BUS_NAME ? { events: createEventBusPublisher({ client: new EventBridgeClient({}), busName: config.EVENT_BUS_NAME }) } : {}),
    keys,
    clock: { now: () => new Date() },
    shop: config.SHOP_INFO,
    topics: config.TOPICS,
    clientIp: lambdaClientIp,
    requestsPerMinute: config.REQUESTS_PER_MINUTE,
    openPixel: config.OPEN_PIXEL,
    logger: createLogger('track'),
    referrals: createDynamoReferralDeps({ client, tableName: config.TABLE_NAME, eventBusName: config.EVENT_BUS_NAME, clock: { now: () => new Date() } }),
  });
  return handle(app);
};

let deployed: Promise<ReturnType<typeof createTrackHandler>> | undefined;

/** Keys from Secrets Manager (current + previous, reloaded every max age); a failed start-up is retried next time. */
const start = async (): Promise<ReturnType<typeof createTrackHandler>> => {
  const config = readTrackConfig(process.env);
  const keys = await liveKeyRing(keySourceFromEnv(config), {
    refreshSeconds: config.TOKEN_KEYS_MAX_AGE_SECONDS,
    onError: (error) => createLogger('track').error('token keys reload failed; verifying with the keys loaded before', { error }),
  });
  return createTrackHandler(config, () => keys.current());
};

export const handler = async (event: LambdaEvent, context: Parameters<ReturnType<typeof createTrackHandler>>[1]) => {
  deployed ??= start().catch((error: unknown) => {
    deployed = undefined;
    throw error;
  });
  return (await deployed)(event, context);
};
