import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { mapRow, runImport } from '#cli/commands/import';

const file = 'test/fixtures/import/customers.csv';

describe('stammkunde import', () => {
  it('checks every row on a dry run and prints one line per bad row', async () => {
    const outcome = await runImport(file, { dryRun: true });
    expect(outcome.exitCode).toBe(1);
    expect(outcome.lines).toEqual([
      `${file}:4: email: Invalid email address`,
      'dry run: 3 customers (2 confirmed with proof, 1 pending double opt-in), 1 bad rows; nothing sent',
    ]);
  });

  it('keeps a "confirmed" row without ip or proof reference pending', () => {
    const row = mapRow({ line: 2, fields: { customerId: 'x', email: 'x@example.com', locale: 'en', timeZone: 'UTC', marketing: 'true', consentAt: '2025-01-01T00:00:00Z', consentStatus: 'confirmed', confirmedAt: '2025-01-01T00:01:00Z' } });
    expect(row.ok).toBe(true);
    if (row.ok) expect(row.detail.consent).toMatchObject({ status: 'confirmed', marketing: true });
  });

  it('rejects a marketing value that is not a yes or no', () => {
    expect(mapRow({ line: 7, fields: { customerId: 'x', email: 'x@example.com', locale: 'en', timeZone: 'UTC', marketing: 'maybe' } })).toEqual({ ok: false, line: 7, reason: 'marketing: "maybe" is not true/false/yes/no/1/0' });
  });

  it('fails with one line for a missing file', async () => {
    expect(await runImport('nope.csv', { dryRun: true })).toEqual({ exitCode: 1, lines: ['nope.csv: no such file'] });
  });
});

describe('stammkunde import --from another tool', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  const defaults = { locale: 'de-DE', timeZone: 'Europe/Berlin' };

  it('reads a Klaviyo profile export: SUBSCRIBED with timestamp and IP confirmed, without IP pending, unsubscribed and suppressed opted out', async () => {
    const klaviyo = 'test/fixtures/import/klaviyo-profiles.csv';
    expect((await runImport(klaviyo, { dryRun: true, from: 'klaviyo', defaults, now })).lines).toEqual([
      `${klaviyo}:7: email: Invalid email address`,
      'dry run: 5 customers (1 confirmed with proof, 1 pending double opt-in, 2 opted out), 1 bad rows; nothing sent',
    ]);
    const fields = { Email: 'kla1@example.com', 'Klaviyo ID': '01HKLA0001', 'First Name': 'Mia', Source: 'Klaviyo Form', 'IP Address': '203.0.113.10', 'Email Marketing Consent': 'SUBSCRIBED', 'Email Marketing Consent Timestamp': '2025-03-01 09:30:00' };
    expect(mapRow({ line: 2, fields }, { from: 'klaviyo', defaults, now })).toEqual({
      ok: true,
      line: 2,
      detail: {
        customerId: 'klaviyo-01HKLA0001', email: 'kla1@example.com', firstName: 'Mia', locale: 'de-DE', timeZone: 'Europe/Berlin',
        consent: { marketing: true, at: '2025-03-01T09:30:00Z', source: 'klaviyo: Klaviyo Form', ip: '203.0.113.10', status: 'confirmed', confirmedAt: '2025-03-01T09:30:00Z' },
      },
    });
  });

  it('rejects a Klaviyo consent value it does not know, naming the column', () => {
    expect(mapRow({ line: 3, fields: { Email: 'x@example.com', 'Klaviyo ID': 'k', 'Email Marketing Consent': 'MAYBE' } }, { from: 'klaviyo', defaults, now })).toEqual({
      ok: false, line: 3, reason: 'Email Marketing Consent: "MAYBE" is not SUBSCRIBED, UNSUBSCRIBED or NEVER_SUBSCRIBED',
    });
  });

  it('reads Mailchimp audience exports: a double opt-in confirmed, a single opt-in pending, an unsubscribed member opted out', async () => {
    const subscribed = 'test/fixtures/import/mailchimp-subscribed.csv';
    const unsubscribed = 'test/fixtures/import/mailchimp-unsubscribed.csv';
    expect((await runImport(subscribed, { dryRun: true, from: 'mailchimp', defaults, now })).lines).toEqual([
      'dry run: 3 customers (2 confirmed with proof, 1 pending double opt-in), 0 bad rows; nothing sent',
    ]);
    expect((await runImport(unsubscribed, { dryRun: true, from: 'mailchimp', defaults, now })).lines).toEqual([
      `${unsubscribed}:3: EUID: missing (and no LEID)`,
      'dry run: 1 customers (0 confirmed with proof, 0 pending double opt-in, 1 opted out), 1 bad rows; nothing sent',
    ]);
    const row = mapRow({ line: 2, fields: { 'Email Address': 'mc1@example.com', OPTIN_TIME: '2024-02-01 10:00:00', OPTIN_IP: '198.51.100.9', CONFIRM_TIME: '2024-02-01 10:03:00', CONFIRM_IP: '198.51.100.1', TIMEZONE: 'Europe/Vienna', LEID: '101', EUID: 'a1b2c3d4e5' } }, { from: 'mailchimp', defaults, now });
    expect(row.ok && row.detail).toMatchObject({ customerId: 'mailchimp-a1b2c3d4e5', timeZone: 'Europe/Vienna', consent: { at: '2024-02-01T10:00:00Z', confirmedAt: '2024-02-01T10:03:00Z', ip: '198.51.100.1', source: 'mailchimp' } });
  });

  it('reads a Pinpoint endpoint export: proof from endpoint attributes, OptOut ALL opted out, other channels skipped and counted', async () => {
    const pinpoint = 'test/fixtures/import/pinpoint-endpoints.json';
    expect((await runImport(pinpoint, { dryRun: true, from: 'pinpoint', now })).lines).toEqual([
      `${pinpoint}:5: email: Invalid email address`,
      'dry run: 3 customers (1 confirmed with proof, 1 pending double opt-in, 1 opted out), 1 bad rows, 1 skipped (not email); nothing sent',
    ]);
    const [first] = (await readFile(pinpoint, 'utf8')).split('\n');
    const row = mapRow({ line: 1, fields: JSON.parse(first!) as Record<string, unknown> }, { from: 'pinpoint', now });
    expect(row.ok && row.detail).toEqual({
      customerId: 'shop-501', email: 'pp1@example.com', firstName: 'Jana', lastName: 'Koch', locale: 'de-DE', timeZone: 'Europe/Berlin',
      consent: { marketing: true, at: '2025-06-01T10:00:00.000Z', source: 'shop-newsletter-form', ip: '203.0.113.50', status: 'confirmed', confirmedAt: '2025-06-01T10:05:00Z' },
    });
  });

  it('reads a gzipped Pinpoint export file as it comes from the export job', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'stammkunde-import-')), 'export-part-0');
    await writeFile(file, gzipSync(await readFile('test/fixtures/import/pinpoint-endpoints.json')));
    expect((await runImport(file, { dryRun: true, from: 'pinpoint', now })).lines.at(-1)).toBe(
      'dry run: 3 customers (1 confirmed with proof, 1 pending double opt-in, 1 opted out), 1 bad rows, 1 skipped (not email); nothing sent',
    );
  });

  it('rejects a row without locale and names the flag that gives one (a missing time zone falls back to the shop zone)', () => {
    expect(mapRow({ line: 4, fields: { 'Email Address': 'x@example.com', EUID: 'e1' } }, { from: 'mailchimp', now })).toEqual({
      ok: false, line: 4, reason: 'locale: missing (add the column, or --locale for every row without one)',
    });
  });

  it('rejects an unknown --from tool with one line', async () => {
    expect(await runImport('test/fixtures/import/customers.csv', { dryRun: true, from: 'sendgrid' as never })).toEqual({
      exitCode: 1, lines: ['--from: "sendgrid" is not one of stammkunde, klaviyo, pinpoint, mailchimp'],
    });
  });
});
