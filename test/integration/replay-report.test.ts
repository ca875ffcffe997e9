// `stammkunde replay ... --report <file>`: the retention report of the replayed period, as JSON or
// HTML by the file's extension, written beside the outbox; a report file of another kind fails
// in one line before anything runs.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDemoShop, toJsonLines } from '#local/demo-shop';
import type { Report } from '#core/report';

const run = (args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['bin/stammkunde.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

describe('cli: replay --report', () => {
  it('writes the replayed year\'s report as JSON and as HTML', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stammkunde-replay-report-'));
    const shop = generateDemoShop({ customers: 60, seed: 3 });
    writeFileSync(join(dir, 'events.jsonl'), toJsonLines(shop.events));
    const base = ['replay', '--campaigns', 'campaigns', '--events', join(dir, 'events.jsonl'), '--from', shop.from.slice(0, 10), '--to', shop.to.slice(0, 10), '--out', join(dir, 'outbox.jsonl')];
    const json = await run([...base, '--report', join(dir, 'report.json')]);
    expect(json.stderr).toBe('');
    expect(json.stdout).toContain(`report: ${join(dir, 'report.json')}`);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
    expect(report.months.map((m) => m.month)).toEqual(['2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12']);
    const orders = shop.events.filter((e) => e['detail-type'] === 'OrderPlaced').length;
    expect(report.months.reduce((a, m) => a + m.orders, 0)).toBeLessThanOrEqual(orders);
    expect(report.months[11]!.customers).toBeGreaterThan(0);
    expect(report.campaigns.find((c) => c.campaignId === 'newsletter-monthly')?.occurrences).toHaveLength(12);
    const html = await run([...base, '--report', join(dir, 'report.html'), '--report-lang', 'de']);
    expect(html.code).toBe(0);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('<html lang="de">');
  }, 180_000);

  it('fails in one line for a report file that is neither .json nor .html', async () => {
    const { code, stderr } = await run(['replay', '--campaigns', 'campaigns', '--events', 'nothing.jsonl', '--from', '2026-01-01', '--to', '2026-02-01', '--out', '/tmp/x.jsonl', '--report', '/tmp/report.txt']);
    expect({ code, stderr }).toEqual({ code: 1, stderr: 'stammkunde: --report "/tmp/report.txt" must end in .json or .html\n' });
  }, 60_000);
});
