// `stammkunde import <customers.csv|customers.jsonl> [--dry-run] [--bus <name>] [--endpoint <url>]`:
// brings a subscriber list from another provider (Pinpoint, Klaviyo, a shop export) as
// CustomerRegistered events, through PutEvents like any shop backend (so ingest applies them once
// and the double opt-in runs for whoever is not proven confirmed). A row counts as confirmed only
// with its proof: consentStatus "confirmed" plus confirmedAt, consentSource and consentIp or
// proofRef (core/consent.ts); anything less arrives pending and gets the confirmation mail.
// Every bad row prints one line `file:line: field: message`; the others go on. --dry-run checks
// and counts without sending. `--from klaviyo|pinpoint|mailchimp` reads that tool's export instead
// (import-presets.ts); `--locale` / `--time-zone` fill rows whose export carries none.
//
// Columns (CSV header, case-insensitive; JSONL: the same keys): customerId, email, firstName,
// lastName, salutation, formality, locale, timeZone, birthday, referralCode, marketing
// (true/false/yes/no/1/0), consentAt, consentSource, consentIp, consentText, consentTextVersion,
// consentStatus (pending|confirmed), confirmedAt, proofRef.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { Option, type Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CustomerRegistered, formatIssues, SHOP_EVENT_SOURCE } from '#core/events';
import { isProvenConfirmation } from '#core/consent';
import { IMPORT_SOURCES, isImportSource, PRESETS, type ImportSource } from '#cli/import-presets';

export interface ImportRow {
  line: number;
  fields: Record<string, unknown>;
}

/** `skipped`: a row the export holds that is not a customer's email (a Pinpoint SMS endpoint): counted, not an error. */
export type MappedRow = { ok: true; line: number; detail: CustomerRegistered } | { ok: false; line: number; reason: string; skipped?: true };

export interface MapOptions {
  from?: ImportSource;
  /** Filled in when a row has none (exports from other tools often carry no locale). */
  defaults?: { locale?: string; timeZone?: string };
  /** The import time: a tool's row without a consent time is a request (or opt-out) of now. */
  now?: Date;
}

const COLUMNS = [
  'customerId', 'email', 'firstName', 'lastName', 'salutation', 'formality', 'locale', 'timeZone', 'birthday', 'referralCode',
  'marketing', 'consentAt', 'consentSource', 'consentIp', 'consentText', 'consentTextVersion', 'consentStatus', 'confirmedAt', 'proofRef',
] as const;
const byLowerName = new Map(COLUMNS.map((c) => [c.toLowerCase(), c]));

const TRUE = new Set(['true', 'yes', 'ja', '1', 'y']);
const FALSE = new Set(['false', 'no', 'nein', '0', 'n']);

/** One row (CSV or JSONL, in the columns of `options.from`) -> a CustomerRegistered detail, or the reason it is not one. */
export const mapRow = (row: ImportRow, options: MapOptions = {}): MappedRow => {
  const preset = PRESETS[options.from ?? 'stammkunde'](row.fields, options.now ?? new Date());
  if ('skip' in preset) return { ok: false, line: row.line, reason: preset.skip, skipped: true };
  if ('error' in preset) return { ok: false, line: row.line, reason: preset.error };
  const value: Record<string, string> = {};
  if (options.defaults?.locale) value.locale = options.defaults.locale;
  if (options.defaults?.timeZone) value.timeZone = options.defaults.timeZone;
  for (const [key, raw] of Object.entries(preset.fields)) {
    const column = byLowerName.get(key.trim().toLowerCase());
    if (column && raw !== undefined && raw !== null && String(raw).trim() !== '') value[column] = String(raw).trim();
  }
  const detail: Record<string, unknown> = {};
  for (const key of ['customerId', 'email', 'firstName', 'lastName', 'salutation', 'formality', 'locale', 'timeZone', 'birthday', 'referralCode'] as const) {
    if (value[key] !== undefined) detail[key] = value[key];
  }
  if (value.marketing !== undefined) {
    const flag = value.marketing.toLowerCase();
    if (!TRUE.has(flag) && !FALSE.has(flag)) return { ok: false, line: row.line, reason: `marketing: "${value.marketing}" is not true/false/yes/no/1/0` };
    const consent: Record<string, unknown> = { marketing: TRUE.has(flag), at: value.consentAt, source: value.consentSource ?? 'import' };
    if (value.consentIp) consent.ip = value.consentIp;
    if (value.consentText) consent.text = value.consentText;
    if (value.consentTextVersion) consent.textVersion = value.consentTextVersion;
    if (value.consentStatus) consent.status = value.consentStatus;
    if (value.confirmedAt) consent.confirmedAt = value.confirmedAt;
    if (value.proofRef) consent.proofRef = value.proofRef;
    detail.consent = consent;
  }
  const parsed = CustomerRegistered.safeParse(detail);
  if (!parsed.success) {
    // Other tools' exports often have no locale or time zone: say how to give one.
    let reason = formatIssues(parsed.error);
    for (const [key, flag] of [['locale', '--locale'], ['timeZone', '--time-zone']] as const) {
      if (value[key] === undefined) reason = reason.replace(`${key}: Invalid input: expected string, received undefined`, `${key}: missing (add the column, or ${flag} for every row without one)`);
    }
    return { ok: false, line: row.line, reason };
  }
  return { ok: true, line: row.line, detail: parsed.data };
};

/** The rows of a CSV (header line first) or JSONL file (always JSONL for Pinpoint's export), with their line numbers. */
export const readRows = (file: string, text: string, from: ImportSource = 'stammkunde'): { rows: ImportRow[]; bad: MappedRow[] } => {
  if (from === 'pinpoint' || /\.jsonl?(\.gz)?$/i.test(file)) {
    const rows: ImportRow[] = [];
    const bad: MappedRow[] = [];
    text.split('\n').forEach((source, i) => {
      if (source.trim() === '') return;
      try {
        const fields = JSON.parse(source) as unknown;
        if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new Error('not an object');
        rows.push({ line: i + 1, fields: fields as Record<string, unknown> });
      } catch (error) {
        bad.push({ ok: false, line: i + 1, reason: `(line): not a JSON object: ${(error as Error).message}` });
      }
    });
    return { rows, bad };
  }
  const records = parse(text, { columns: true, skip_empty_lines: true, bom: true, trim: true, relax_column_count: true, info: true }) as { record: Record<string, string>; info: { lines: number } }[];
  return { rows: records.map(({ record, info }) => ({ line: info.lines, fields: record })), bad: [] };
};

export interface ImportOptions extends MapOptions {
  dryRun: boolean;
  /** Bus name or ARN (the stack's ShopBusName output). */
  bus?: string;
  /** A PutEvents endpoint other than AWS, e.g. `stammkunde local`'s URL. */
  endpoint?: string;
}

export interface ImportOutcome {
  exitCode: 0 | 1;
  lines: string[];
}

export const runImport = async (file: string, options: ImportOptions): Promise<ImportOutcome> => {
  const from = options.from ?? 'stammkunde';
  if (!isImportSource(from)) return { exitCode: 1, lines: [`--from: "${String(from)}" is not one of ${IMPORT_SOURCES.join(', ')}`] };
  let text: string;
  try {
    const bytes = await readFile(file);
    // Pinpoint's export jobs write gzipped files; read them as they come.
    text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch (error) {
    return { exitCode: 1, lines: [`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`] };
  }
  let read: ReturnType<typeof readRows>;
  try {
    read = readRows(file, text, from);
  } catch (error) {
    return { exitCode: 1, lines: [`${file}: not a CSV file: ${(error as Error).message}`] };
  }
  const mapped = [...read.bad, ...read.rows.map((row) => mapRow(row, options))].sort((a, b) => a.line - b.line);
  const skipped = mapped.filter((m) => !m.ok && m.skipped).length;
  const lines = mapped.filter((m): m is Extract<MappedRow, { ok: false }> => !m.ok && !m.skipped).map((m) => `${file}:${m.line}: ${m.reason}`);
  const good = mapped.filter((m): m is Extract<MappedRow, { ok: true }> => m.ok);
  const confirmed = good.filter((m) => m.detail.consent && isProvenConfirmation(m.detail.consent)).length;
  const pending = good.filter((m) => m.detail.consent?.marketing && !isProvenConfirmation(m.detail.consent)).length;
  const optedOut = good.filter((m) => m.detail.consent?.marketing === false).length;
  const summary =
    `${good.length} customers (${confirmed} confirmed with proof, ${pending} pending double opt-in${optedOut > 0 ? `, ${optedOut} opted out` : ''}), ${lines.length} bad rows` +
    (skipped > 0 ? `, ${skipped} skipped (not email)` : '');
  if (options.dryRun) return { exitCode: lines.length > 0 ? 1 : 0, lines: [...lines, `dry run: ${summary}; nothing sent`] };
  if (!options.bus && !options.endpoint) return { exitCode: 1, lines: [...lines, '--bus <name> (the stack output ShopBusName) or --endpoint <url> is required unless --dry-run'] };

  const client = new EventBridgeClient(options.endpoint ? { endpoint: options.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, region: 'eu-central-1' } : {});
  let failed = 0;
  try {
    for (let i = 0; i < good.length; i += 10) {
      const part = good.slice(i, i + 10);
      const result = await client.send(
        new PutEventsCommand({
          Entries: part.map((m) => ({ Source: SHOP_EVENT_SOURCE, DetailType: 'CustomerRegistered', Detail: JSON.stringify(m.detail), ...(options.bus ? { EventBusName: options.bus } : {}) })),
        }),
      );
      (result.Entries ?? []).forEach((entry, j) => {
        if (entry.ErrorCode) {
          failed++;
          lines.push(`${file}:${part[j]!.line}: PutEvents ${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}`);
        }
      });
    }
  } finally {
    client.destroy();
  }
  lines.push(`imported: ${summary}${failed ? `; ${failed} not accepted by PutEvents` : ''}`);
  return { exitCode: lines.length > 1 || failed > 0 ? 1 : 0, lines };
};

export const register = (program: Command): void => {
  program
    .command('import')
    .description('bring customers and their consent (with proof) from a CSV or JSONL export, as CustomerRegistered events')
    .argument('<file>', 'customers.csv or customers.jsonl, or the export of --from')
    .addOption(new Option('--from <tool>', 'whose export the file is').choices(IMPORT_SOURCES).default('stammkunde'))
    .option('--locale <tag>', 'locale for rows without one (e.g. de-DE)')
    .option('--time-zone <iana>', 'time zone for rows without one (e.g. Europe/Berlin)')
    .option('--dry-run', 'check and count the rows, send nothing', false)
    .option('--bus <name>', 'the shop event bus (stack output ShopBusName)')
    .option('--endpoint <url>', 'a PutEvents endpoint such as stammkunde local (http://127.0.0.1:3000)')
    .action(async (file: string, opts: { from: ImportSource; locale?: string; timeZone?: string; dryRun: boolean; bus?: string; endpoint?: string }) => {
      const outcome = await runImport(file, {
        dryRun: opts.dryRun,
        from: opts.from,
        defaults: { ...(opts.locale ? { locale: opts.locale } : {}), ...(opts.timeZone ? { timeZone: opts.timeZone } : {}) },
        ...(opts.bus ? { bus: opts.bus } : {}),
        ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      });
      for (const line of outcome.lines) console.log(line);
      process.exitCode = outcome.exitCode;
    });
};
