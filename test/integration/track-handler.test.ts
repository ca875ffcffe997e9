// The track Lambda's entry as a Function URL invokes it (payload 2.0), on dynalite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaEvent } from 'hono/aws-lambda';
import { startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoStore } from '#adapters/dynamo-store';
import { applyEvent } from '#core/ingest';
import { defaultLoyaltyConfig } from '#core/loyalty';
import { signToken } from '#core/tokens';
import type { ShopEvent } from '#core/events';
import { createTrackHandler } from '../../functions/track/handler';
import { readTrackConfig } from '../../functions/track/config';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws('track-handler-test');
});
afterAll(() => aws.stop());

const urlEvent = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
  ({
    version: '2.0', routeKey: '$default', rawPath: path, rawQueryString: '', headers: { host: 'abc.lambda-url.eu-central-1.on.aws', ...headers },
    requestContext: { accountId: 'anonymous', apiId: 'abc', domainName: 'abc.lambda-url.eu-central-1.on.aws', domainPrefix: 'abc', http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.23', userAgent: headers['user-agent'] ?? 'x' }, requestId: 'r', routeKey: '$default', stage: '$default', time: '', timeEpoch: 0 },
    isBase64Encoded: false, ...(body !== undefined ? { body } : {}),
  }) as unknown as LambdaEvent;

describe('track handler (Lambda Function URL)', () => {
  it('confirms with the caller\'s sourceIp as proof and answers one-click unsubscribes with 200', async () => {
    const config = readTrackConfig({
      TABLE_NAME: aws.tableName, DYNAMODB_ENDPOINT: aws.dynamoEndpoint, TOKEN_KEYS_SECRET: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:token-keys',
      SHOP_INFO: JSON.stringify({ name: 'Shop', url: 'https://shop.example', imprint: 'Shop GmbH', address: 'Str. 1' }),
    });
    const key = { id: 'k1', secret: 's'.repeat(40) };
    const ring = { current: key, accepted: [key] };
    const store = createDynamoStore({ client: createDocumentClient({ endpoint: aws.dynamoEndpoint }), tableName: aws.tableName });
    const event = { id: 'r1', time: '2026-03-01T10:00:00Z', type: 'CustomerRegistered', detail: { customerId: 'h1', email: 'h1@example.com', locale: 'en-GB', timeZone: 'UTC', consent: { marketing: true, at: '2026-03-01T10:00:00Z', source: 'form' } } } as ShopEvent;
    await store.applyAtomically('h1', 'r1', (p) => applyEvent(p, event, defaultLoyaltyConfig));
    const handler = createTrackHandler(config, () => ring);

    const confirm = signToken({ purpose: 'confirm', customerId: 'h1', requestAt: '2026-03-01T10:00:00.000Z' }, ring.current);
    const confirmed = await handler(urlEvent('POST', `/confirm/${confirm}`, '', { 'user-agent': 'Mail/1' }), {} as never);
    expect(confirmed.statusCode).toBe(200);
    expect((await store.getProfile('h1'))?.consent.confirmation).toMatchObject({ ip: '198.51.100.23', userAgent: 'Mail/1' });

    const unsubscribe = signToken({ purpose: 'unsubscribe', customerId: 'h1', topic: 'newsletter' }, ring.current);
    const posted = await handler(urlEvent('POST', `/u/${unsubscribe}`, 'List-Unsubscribe=One-Click', { 'content-type': 'application/x-www-form-urlencoded' }), {} as never);
    expect(posted.statusCode).toBe(200);
    expect((await store.getProfile('h1'))?.topics.newsletter).toBe(false);

    const forged = await handler(urlEvent('GET', '/u/k1.e30.AAAA'), {} as never);
    expect(forged.statusCode).toBe(404);
  });
});
