// `stammkunde import --from klaviyo|mailchimp|pinpoint` end to end: each tool's export fixture sent
// with the real EventBridge client to `stammkunde local`'s PutEvents API, ingested, and a tick:
// proven confirmations arrive confirmed and get no mail, the rest pending with the confirmation
// mail, opted-out rows withdrawn and never mailed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocal, type LocalInstance } from '#cli/commands/local';
import { runImport } from '#cli/commands/import';

interface StoredMail { subject: string; destination: { to: string[] } }

let local: LocalInstance;
const defaults = { locale: 'de-DE', timeZone: 'Europe/Berlin' };
const status = async (customerId: string) => (await local.runtime.customers.getProfile(customerId))?.consent.status;
const mailedTo = async (): Promise<string[]> =>
  ((await (await fetch(`${local.sesUrl}/store`)).json()) as { emails: StoredMail[] }).emails.flatMap((m) => m.destination.to).map((to) => /[^<\s]+@example\.com/.exec(to)?.[0] ?? to);

beforeAll(async () => {
  local = await startLocal({ campaigns: 'campaigns', port: 0, log: () => undefined });
}, 60_000);
afterAll(async () => {
  await local?.stop();
});

describe('stammkunde import --from: through the local PutEvents API', () => {
  it('imports each tool\'s export: proven confirmations confirmed, the rest pending with the confirmation mail, opted-out rows withdrawn and never mailed', async () => {
    const runs = [
      await runImport('test/fixtures/import/klaviyo-profiles.csv', { dryRun: false, endpoint: local.url, from: 'klaviyo', defaults }),
      await runImport('test/fixtures/import/mailchimp-subscribed.csv', { dryRun: false, endpoint: local.url, from: 'mailchimp', defaults }),
      await runImport('test/fixtures/import/mailchimp-unsubscribed.csv', { dryRun: false, endpoint: local.url, from: 'mailchimp', defaults }),
      await runImport('test/fixtures/import/pinpoint-endpoints.json', { dryRun: false, endpoint: local.url, from: 'pinpoint' }),
    ];
    expect(runs.map((r) => r.lines.at(-1))).toEqual([
      'imported: 5 customers (1 confirmed with proof, 1 pending double opt-in, 2 opted out), 1 bad rows',
      'imported: 3 customers (2 confirmed with proof, 1 pending double opt-in), 0 bad rows',
      'imported: 1 customers (0 confirmed with proof, 0 pending double opt-in, 1 opted out), 1 bad rows',
      'imported: 3 customers (1 confirmed with proof, 1 pending double opt-in, 1 opted out), 1 bad rows, 1 skipped (not email)',
    ]);
    await local.runtime.settle();

    expect((await local.runtime.customers.getProfile('klaviyo-01HKLA0001'))?.consent.confirmation).toMatchObject({ method: 'imported', ip: '203.0.113.10', source: 'klaviyo: Klaviyo Form' });
    expect((await local.runtime.customers.getProfile('mailchimp-a1b2c3d4e5'))?.consent.confirmation).toMatchObject({ method: 'imported', at: '2024-02-01T10:03:00.000Z', ip: '198.51.100.1' });
    const pinpointCustomer = await local.runtime.customers.getProfile('shop-501');
    expect(pinpointCustomer?.consent.confirmation).toMatchObject({ method: 'imported', ip: '203.0.113.50', source: 'shop-newsletter-form' });
    expect(pinpointCustomer).toMatchObject({ locale: 'de-DE', timeZone: 'Europe/Berlin', firstName: 'Jana' });
    expect(await Promise.all(['klaviyo-01HKLA0002', 'mailchimp-a1b2c3d4e6', 'pinpoint-ep-2'].map(status))).toEqual(['pending', 'pending', 'pending']);
    expect(await Promise.all(['klaviyo-01HKLA0003', 'klaviyo-01HKLA0004', 'mailchimp-a1b2c3d4e8', 'shop-503'].map(status))).toEqual(['withdrawn', 'withdrawn', 'withdrawn', 'withdrawn']);
    expect(await status('klaviyo-01HKLA0005')).toBe('none');
    expect((await local.runtime.customers.getProfile('mailchimp-a1b2c3d4e7'))?.timeZone).toBe('Europe/Berlin');

    await fetch(`${local.url}/tick`, { method: 'POST' });
    await local.runtime.settle();
    expect((await mailedTo()).sort()).toEqual(['kla2@example.com', 'mc2@example.com', 'pp2@example.com']);
  }, 60_000);
});
