// The GDPR export writer: the S3 adapter's exact calls (aws-sdk-client-mock) and the gdpr
// handler's export path on the memory twin.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { createS3ExportWriter } from '#adapters/s3-export-writer';
import { createMemoryExportWriter } from '#adapters/memory-export-writer';
import { createMemoryStore } from '#adapters/memory-store';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { createMemoryClickStore } from '#adapters/memory-click-store';
import { createMemoryFeedbackStore } from '#adapters/memory-feedback-store';
import { createMemoryPersonalData } from '#adapters/memory-personal-data';
import { hashEmail } from '#adapters/dynamo-personal-data';
import { createGdprHandler } from '../../functions/gdpr/handler';
import { makeProfile } from './delivery-fixtures';

const now = new Date('2026-12-02T00:00:00Z');
const s3Client = () => new S3Client({ region: 'eu-central-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });

describe('S3 export writer', () => {
  it('puts the export with SSE-S3 and answers a GetObject link that expires after 15 minutes', async () => {
    const client = s3Client();
    const mock = mockClient(client);
    mock.on(PutObjectCommand).resolves({});
    const writer = createS3ExportWriter({ client, bucket: 'exports-bucket', now: () => now });
    const location = await writer.write('exports/c-1/req-1.json', '{"a":1}');
    expect(mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'exports-bucket', Key: 'exports/c-1/req-1.json', Body: '{"a":1}', ContentType: 'application/json; charset=utf-8', ServerSideEncryption: 'AES256' },
    ]);
    const url = new URL(location.url);
    expect(url.hostname).toBe('exports-bucket.s3.eu-central-1.amazonaws.com');
    expect(url.pathname).toBe('/exports/c-1/req-1.json');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(location).toMatchObject({ key: 'exports/c-1/req-1.json', expiresAt: '2026-12-02T00:15:00.000Z' });
    expect(mock.commandCalls(GetObjectCommand)).toEqual([]); // presigning signs, it does not fetch
  });

  it('encrypts with the given KMS key and signs for the configured lifetime', async () => {
    const client = s3Client();
    const mock = mockClient(client);
    mock.on(PutObjectCommand).resolves({});
    const location = await createS3ExportWriter({ client, bucket: 'b-1', kmsKeyId: 'arn:aws:kms:eu-central-1:111122223333:key/k', linkSeconds: 300, now: () => now }).write('k.json', '{}');
    expect(mock.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'arn:aws:kms:eu-central-1:111122223333:key/k' });
    expect(new URL(location.url).searchParams.get('X-Amz-Expires')).toBe('300');
  });

  it('locates an export already written by HeadObject, and answers undefined on 404', async () => {
    const client = s3Client();
    const mock = mockClient(client);
    mock.on(HeadObjectCommand, { Key: 'there.json' }).resolves({});
    mock.on(HeadObjectCommand, { Key: 'missing.json' }).rejects(new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 } }));
    const writer = createS3ExportWriter({ client, bucket: 'b-1', now: () => now });
    expect((await writer.locate('there.json'))?.key).toBe('there.json');
    expect(await writer.locate('missing.json')).toBeUndefined();
  });

  it('fails on any other S3 error than not found', async () => {
    const client = s3Client();
    mockClient(client).on(HeadObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } }));
    await expect(createS3ExportWriter({ client, bucket: 'b-1' }).locate('x.json')).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

describe('gdpr handler exports through the export writer', () => {
  afterEach(() => vi.restoreAllMocks());
  const setup = async () => {
    const customers = createMemoryStore();
    const delivery = createMemoryDeliveryStore();
    const personal = createMemoryPersonalData({ customers, delivery, clicks: createMemoryClickStore(), feedback: createMemoryFeedbackStore() });
    await customers.applyAtomically('c-9', 'seed', () => ({ profile: makeProfile(9, { customerId: 'c-9', email: 'nine@example.org' }), ownEvents: [] }));
    const exports = createMemoryExportWriter({ now: () => now });
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => lines.push(String(chunk)) > 0);
    const logger = new Logger({ serviceName: 'gdpr', logLevel: 'INFO' });
    const gdpr = createGdprHandler({ customers, delivery, personal, hashEmail, exports }, { now: () => now, logger });
    return { gdpr, exports, lines };
  };

  it('writes the export of a CustomerExportRequested event once per request id and answers key and link', async () => {
    const t = await setup();
    const event = { id: 'ev-1', source: 'shop', 'detail-type': 'CustomerExportRequested', detail: { customerId: 'c-9', requestId: 'req-7' } };
    const first = await t.gdpr(event);
    expect(first).toMatchObject({ action: 'export', found: true, written: true, requestId: 'req-7', key: 'exports/c-9/req-7.json', expiresAt: '2026-12-02T00:15:00.000Z' });
    expect(JSON.parse(t.exports.objects.get('exports/c-9/req-7.json')!)).toMatchObject({ customerId: 'c-9', profile: { email: 'nine@example.org' } });
    t.exports.objects.set('exports/c-9/req-7.json', 'the first export');
    expect(await t.gdpr(event)).toMatchObject({ found: true, written: false, key: 'exports/c-9/req-7.json' });
    expect(t.exports.objects.get('exports/c-9/req-7.json')).toBe('the first export');
    expect(t.exports.objects.size).toBe(1);
    expect(JSON.stringify(first)).not.toContain('nine@example.org');
    expect(t.lines.join('\n')).toContain('exports/c-9/req-7.json');
    expect(t.lines.join('\n')).not.toMatch(/nine@example\.org|Anna|X-Amz-Signature/);
  });

  it('writes nothing for a customer with nothing on record', async () => {
    const t = await setup();
    expect(await t.gdpr({ action: 'export', customerId: 'nobody', requestId: 'r' })).toEqual({ action: 'export', customerId: 'nobody', requestId: 'r', found: false });
    expect(t.exports.objects.size).toBe(0);
  });
});
