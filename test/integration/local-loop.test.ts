// `stammkunde local` end to end over HTTP: a shop backend's real @aws-sdk/client-eventbridge
// against the local PutEvents API, the confirmation mail in the local SES store, its link
// confirming, a `once` newsletter via POST /tick, and its List-Unsubscribe POST.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { startLocal, type LocalInstance } from '#cli/commands/local';
import { runImport } from '#cli/commands/import';

interface StoredMail { subject: string; destination: { to: string[] }; body: { html?: string }; headers?: { name: string; value: string }[] }

let local: LocalInstance;
let client: EventBridgeClient;
const mails = async (): Promise<StoredMail[]> => ((await (await fetch(`${local.sesUrl}/store`)).json()) as { emails: StoredMail[] }).emails;
const mailsTo = async (to: string) => (await mails()).filter((m) => m.destination.to.some((t) => t.includes(to)));
const registered = (customerId: string) => ({
  Source: 'shop',
  DetailType: 'CustomerRegistered',
  Detail: JSON.stringify({
    customerId, email: `${customerId}@example.com`, firstName: 'Lea', locale: 'en-GB', timeZone: 'Europe/London',
    consent: { marketing: true, at: new Date().toISOString(), source: 'signup-form', text: 'Yes, send me the newsletter' },
  }),
});

beforeAll(async () => {
  // A once newsletter due a minute ago: the next tick (POST /tick) creates it.
  const dir = await mkdtemp(join(tmpdir(), 'stammkunde-loop-'));
  await mkdir(join(dir, 'segments'));
  const campaign = JSON.parse(await readFile('campaigns/newsletter-monthly.json', 'utf8')) as Record<string, unknown>;
  const dueAt = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000).toISOString();
  delete campaign.$schema;
  await writeFile(join(dir, 'once.json'), JSON.stringify({ ...campaign, id: 'loop-once', schedule: { type: 'once', at: dueAt } }));
  await writeFile(join(dir, 'segments', 'readers.json'), await readFile('campaigns/segments/newsletter-readers.json', 'utf8'));
  local = await startLocal({ campaigns: dir, port: 0, log: () => undefined });
  client = new EventBridgeClient({ endpoint: local.url, region: 'eu-central-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}, 60_000);
afterAll(async () => {
  client?.destroy();
  await local?.stop();
});

describe('stammkunde local: EventBridge PutEvents API', () => {
  it('answers the real SDK client per entry with FailedEntryCount', async () => {
    const result = await client.send(new PutEventsCommand({ Entries: [registered('sdk-1'), { Source: 'shop', DetailType: 'CustomerRegistered', Detail: 'not json' }] }));
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[0]?.EventId).toBeTruthy();
    expect(result.Entries?.[1]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    await local.runtime.settle();
    expect((await local.runtime.customers.getProfile('sdk-1'))?.consent.status).toBe('pending');
  });

  it('rejects more than 10 entries, as EventBridge does', async () => {
    const entries = Array.from({ length: 11 }, (_, i) => registered(`many-${i}`));
    await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('rejects a request over 256 KB', async () => {
    const big = { Source: 'shop', DetailType: 'NpsSubmitted', Detail: JSON.stringify({ customerId: 'x', score: 9, submittedAt: new Date().toISOString(), comment: 'a'.repeat(140_000) }) };
    await expect(client.send(new PutEventsCommand({ Entries: [big, big] }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('takes the README\'s Source/DetailType/Detail spelling on POST /events', async () => {
    const entry = { ...registered('plain-1'), Detail: JSON.parse(registered('plain-1').Detail) as unknown };
    const response = await fetch(`${local.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(entry) });
    expect(((await response.json()) as { FailedEntryCount: number }).FailedEntryCount).toBe(0);
  });

  it('imports a CSV through the same API: proven confirmations confirmed, the rest pending', async () => {
    const outcome = await runImport('test/fixtures/import/customers.csv', { dryRun: false, endpoint: local.url });
    expect(outcome.lines.at(-1)).toBe('imported: 3 customers (2 confirmed with proof, 1 pending double opt-in), 1 bad rows');
    await local.runtime.settle();
    expect((await local.runtime.customers.getProfile('imp-1'))?.consent.confirmation).toMatchObject({ method: 'imported', ip: '203.0.113.1' });
    expect((await local.runtime.customers.getProfile('imp-2'))?.consent.status).toBe('pending');
    expect((await local.runtime.customers.getProfile('imp-4'))?.consent.confirmation?.proofRef).toBe('pinpoint-export-77');
    expect(await local.runtime.customers.getProfile('imp-3')).toBeUndefined();
  });

  it('fails with one clear line when the port is busy', async () => {
    const port = Number(new URL(local.url).port);
    await expect(startLocal({ campaigns: 'campaigns', port, log: () => undefined })).rejects.toThrow(`port ${port} is busy`);
  }, 60_000);
});

describe('stammkunde local: the whole loop', () => {
  it('mails the confirmation, confirms through its link, sends the newsletter and unsubscribes by its one-click POST', async () => {
    await client.send(new PutEventsCommand({ Entries: [registered('loop-1')] }));
    await local.runtime.settle();
    await fetch(`${local.url}/tick`, { method: 'POST' });
    await local.runtime.settle();
    const [confirmation] = await mailsTo('loop-1@');
    expect(confirmation?.subject).toBe('Please confirm your subscription');
    const confirmUrl = /href="(http:\/\/127\.0\.0\.1:\d+\/confirm\/[^"]+)"/.exec(confirmation!.body.html ?? '')?.[1];
    expect(confirmUrl).toBeDefined();
    const page = await fetch(confirmUrl!);
    expect(await page.text()).toContain('Confirm now');
    expect((await fetch(confirmUrl!, { method: 'POST' })).status).toBe(200);
    expect((await local.runtime.customers.getProfile('loop-1'))?.consent.confirmation?.ip).toBe('127.0.0.1');

    // The once newsletter was created before the confirmation; a new one would come with the next
    // due time, so the test publishes it again under a fresh id and ticks.
    const published = (await local.runtime.delivery.getCampaign('loop-once'))!;
    // Due a moment from now: tick's watermark has passed every earlier instant already. The test
    // runs on the wall clock at any hour, so the shop's quiet hours are off for this campaign.
    const dueAt = new Date(Date.now() + 1_000).toISOString();
    await local.runtime.publish({ campaigns: [{ ...published, campaign: { ...published.campaign, id: 'loop-twice', quietHours: false, schedule: { type: 'once', at: dueAt } } as typeof published.campaign }], segments: [], rewardCatalogs: [] });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await fetch(`${local.url}/tick`, { method: 'POST' });
    await local.runtime.settle();
    const newsletter = (await mailsTo('loop-1@')).find((m) => m.subject !== 'Please confirm your subscription');
    const header = newsletter?.headers?.find((h) => h.name === 'List-Unsubscribe')?.value;
    expect(header).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/u\/[^>]+>$/);
    const unsubscribe = await fetch(header!.slice(1, -1), { method: 'POST', body: new URLSearchParams({ 'List-Unsubscribe': 'One-Click' }), redirect: 'manual' });
    expect(unsubscribe.status).toBe(200);
    expect((await local.runtime.customers.getProfile('loop-1'))?.topics.newsletter).toBe(false);
  }, 60_000);
});
