import { describe, expect, it } from 'vitest';
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
