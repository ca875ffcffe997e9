// Rough edges a new user hit: `stammkunde replay ... | true` (the reader is gone before the
// summary is written), a big shop's replay running out of heap, and `cdk synth` with an http://
// base URL.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDemoShop, toJsonLines } from '#local/demo-shop';

const finish = (args: string[], env: Record<string, string> = {}, closeStdout = false) =>
  new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    if (closeStdout) child.stdout.destroy();
    else child.stdout.resume();
    child.on('close', (code) => resolve({ code, stderr }));
  });

describe('cli: rough edges', () => {
  it('exits quietly with 0 when the reader of stdout goes away (replay | head)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stammkunde-epipe-'));
    writeFileSync(join(dir, 'events.jsonl'), '');
    const { code, stderr } = await finish(
      ['bin/stammkunde.mjs', 'replay', '--campaigns', 'campaigns', '--events', join(dir, 'events.jsonl'), '--from', '2026-01-01', '--to', '2026-03-01', '--out', join(dir, 'out.jsonl')],
      {},
      true,
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  }, 120_000);

  it('replays without holding every mail\'s HTML (10,000 customers ran out of heap)', async () => {
    // 500 customers send about 9,400 mails, ~400 MB of HTML as strings: far over this heap limit,
    // while the outbox lines themselves sit outside the heap.
    const dir = mkdtempSync(join(tmpdir(), 'stammkunde-heap-'));
    const shop = generateDemoShop({ customers: 500 });
    writeFileSync(join(dir, 'events.jsonl'), toJsonLines(shop.events));
    const { code, stderr } = await finish(
      ['--max-old-space-size=192', 'bin/stammkunde.mjs', 'replay', '--campaigns', 'campaigns', '--events', join(dir, 'events.jsonl'), '--from', shop.from, '--to', shop.to, '--out', join(dir, 'out.jsonl')],
    );
    expect({ code, stderr: stderr.slice(0, 500) }).toEqual({ code: 0, stderr: '' });
  }, 180_000);

  it('fails cdk synth with an http base URL in one line: key, value, must be https', async () => {
    const context = {
      'stammkunde:senderAddress': 'news@shop.example',
      'stammkunde:senderIdentity': 'shop.example',
      'stammkunde:publicBaseUrl': 'http://mail.shop.example',
      'stammkunde:shopInfo': { name: 'Shop', url: 'https://shop.example', imprint: 'Shop GmbH', address: 'Str. 1, Berlin' },
    };
    const { code, stderr } = await finish(['--import', 'tsx', 'infra/bin/app.ts'], { CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'stammkunde-synth-')) });
    expect({ code, stderr }).toEqual({ code: 1, stderr: 'context "stammkunde:publicBaseUrl" "http://mail.shop.example": must be https (https://mail.shop.example)\n' });
  }, 120_000);
});
