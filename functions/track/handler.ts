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
import { createEventBusPublisher } from '#adapters/event-bus';
import type { SigningKeyRing } from '#core/tokens';
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

/**
 * The key ring from the environment (one key). The Secrets Manager key-ring loader (current and
 * previous keys, read at run time) replaces this where the stack provides it.
 */
export const keyRingFromEnv = (config: Pick<TrackEnv, 'TOKEN_KEY_ID' | 'TOKEN_SECRET'>): SigningKeyRing => {
  const key = { id: config.TOKEN_KEY_ID, secret: config.TOKEN_SECRET };
  return { current: key, accepted: [key] };
};

export const createTrackHandler = (config: TrackEnv, keys: () => SigningKeyRing | Promise<SigningKeyRing>) => {
  const client = createDocumentClient(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {});
  const app = createTrackApp({
    customers: createDynamoStore({ client, tableName: config.TABLE_NAME }),
    campaigns: createDynamoDeliveryStore({ client, tableName: config.TABLE_NAME }),
    clicks: createDynamoClickStore({ client, tableName: config.TABLE_NAME }),
    ...(config.EVENT_BUS_NAME ? { events: createEventBusPublisher({ client: new EventBridgeClient({}), busName: config.EVENT_BUS_NAME }) } : {}),
    keys,
    clock: { now: () => new Date() },
    shop: config.SHOP_INFO,
    topics: config.TOPICS,
    clientIp: lambdaClientIp,
    requestsPerMinute: config.REQUESTS_PER_MINUTE,
    openPixel: config.OPEN_PIXEL,
    logger: createLogger('track'),
  });
  return handle(app);
};

let deployed: ReturnType<typeof createTrackHandler> | undefined;

export const handler = (event: LambdaEvent, context: Parameters<ReturnType<typeof createTrackHandler>>[1]) => {
  if (!deployed) {
    const config = readTrackConfig(process.env);
    const ring = keyRingFromEnv(config);
    deployed = createTrackHandler(config, () => ring);
  }
  return deployed(event, context);
};
