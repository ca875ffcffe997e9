import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { previewCampaign, register } from '#cli/commands/preview';
import { RewardCatalog, currentReward, rewardLabel } from '#core/rewards';
import { verifyToken } from '#core/tokens';

const newsletter = 'test/fixtures/render/newsletter.json';
const discount = 'test/fixtures/render/discount.json';
const customer = (name: string) => `test/fixtures/customers/${name}.json`;
const at = '2026-11-02T08:00:00Z';

/** Runs `stammkunde preview ...` through commander and returns what it printed. */
const runCli = async (args: string[]): Promise<string> => {
  const program = new Command().exitOverride();
  register(program);
  const chunks: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await program.parseAsync(['node', 'stammkunde', 'preview', ...args]);
  } finally {
    write.mockRestore();
  }
  return chunks.join('');
};

afterEach(() => vi.restoreAllMocks());

describe('preview: what a customer receives', () => {
  it('renders subject, preheader, html, text and headers for a German customer', async () => {
    const result = await previewCampaign(newsletter, { customer: customer('anna-mueller'), at });
    expect(result.subject).toBe('Anna, drei neue Röstungen für den November');
    expect(result.preheader).toContain('Äthiopien Yirgacheffe');
    expect(result.locale).toBe('de');
    expect(result.html).toContain('Sehr geehrte Frau Müller,');
    expect(result.text).toContain('Sehr geehrte Frau Müller,');
    expect(result.text).toContain('Sie haben aktuell 320 Punkte und sind silver-Mitglied');
    expect(result.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  });

  it('signs the List-Unsubscribe link with a token for this customer and topic', async () => {
    const result = await previewCampaign(newsletter, { customer: customer('anna-mueller'), at, linksBase: 'https://track.example/' });
    const match = /^<https:\/\/track\.example\/u\/([^>]+)>$/.exec(result.headers['List-Unsubscribe'] ?? '');
    expect(match).not.toBeNull();
    const verified = verifyToken(match![1]!, [{ id: 'preview', secret: 'stammkunde-preview-key-not-for-production-use' }], { now: new Date(at), purpose: 'unsubscribe' });
    expect(verified).toEqual({ ok: true, keyId: 'preview', payload: { purpose: 'unsubscribe', customerId: 'c-anna', topic: 'newsletter', campaignId: 'fixture-newsletter' } });
    expect(result.html).toContain(`href="https://track.example/u/${match![1]}"`);
  });

  it('renders the English content for an English customer', async () => {
    const result = await previewCampaign(newsletter, { customer: customer('john-smith'), at });
    expect(result.locale).toBe('en');
    expect(result.subject).toBe('John, three new roasts for November');
    expect(result.text).toContain('Dear John,');
  });

  it('escapes a hostile customer name in the HTML', async () => {
    const result = await previewCampaign(newsletter, { customer: customer('hostile'), at });
    expect(result.html).not.toMatch(/<script>|<img src=x/);
    expect(result.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('falls back to the default content and a German greeting for a nameless French customer', async () => {
    const result = await previewCampaign(newsletter, { customer: customer('nameless'), at });
    expect(result.locale).toBe('de');
    expect(result.text).toContain('Guten Tag,');
    expect(result.subject).toBe('Hallo, drei neue Röstungen für den November');
  });

  it('shows a clearly labelled preview coupon for discount campaigns', async () => {
    const result = await previewCampaign(discount, { customer: customer('anna-mueller'), at });
    expect(result.text).toContain('GOLD-PREVIEW');
    expect(result.text).toContain('Gültig bis 16. November 2026');
    expect(result.text).toContain('Liebe Anna,'); // the campaign overrides formality
  });

  it('shows the win-back coupon code once, with its value, minimum order and expiry', async () => {
    const result = await previewCampaign('campaigns/winback-discount.json', { customer: customer('anna-mueller'), at });
    // Once in the coupon box; the button's link carries it as a parameter (`?gutschein=`).
    expect(result.text.match(/(?<!=)WIEDER-PREVIEW/g)).toHaveLength(1);
    expect(result.text).toContain('15 %');
    expect(result.text).toMatch(/Mindestbestellwert: 25,00\s€/);
    expect(result.text).toContain('Gültig bis');
  });
});

describe('preview: command', () => {
  it('prints json with subject, preheader, headers, html and text', async () => {
    const out = await runCli([newsletter, '--customer', customer('anna-mueller'), '--at', at, '--format', 'json']);
    const json = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(['headers', 'html', 'locale', 'preheader', 'subject', 'text']);
    expect(json.subject).toBe('Anna, drei neue Röstungen für den November');
  });

  it('prints the text part with subject and preheader lines', async () => {
    const out = await runCli([newsletter, '--customer', customer('john-smith'), '--at', at, '--format', 'text']);
    expect(out.startsWith('Subject: John, three new roasts for November\nPreheader: New: Ethiopia Yirgacheffe')).toBe(true);
    expect(out).toContain('Dear John,');
  });

  it('prints the HTML by default', async () => {
    const out = await runCli([newsletter, '--customer', customer('anna-mueller'), '--at', at]);
    expect(out.startsWith('<!doctype html>')).toBe(true);
  });

  it('fails on an unknown format', async () => {
    await expect(runCli([newsletter, '--customer', customer('anna-mueller'), '--format', 'pdf'])).rejects.toThrow('--format: must be html, text or json, not "pdf"');
  });

  it('fails with the file and field path for an invalid customer file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'preview-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ customerId: 'c1', email: 'not-an-email', locale: 'de-DE', timeZone: 'Europe/Berlin' }));
    await expect(previewCampaign(newsletter, { customer: file, at })).rejects.toThrow(`${file}: email:`);
  });

  it('fails with the JSON syntax error of a broken campaign file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'preview-'));
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "id": ');
    await expect(previewCampaign(file, { customer: customer('anna-mueller'), at })).rejects.toThrow(`${file}: invalid JSON`);
  });

  it('fails naming the block path of a forbidden link scheme', async () => {
    const campaign = JSON.parse(readFileSync(newsletter, 'utf8')) as { template: { content: { de: { blocks: { text?: string }[] } } } };
    campaign.template.content.de.blocks[3]!.text = 'Klick <a href="javascript:alert(1)">hier</a>';
    const dir = mkdtempSync(join(tmpdir(), 'preview-'));
    const file = join(dir, 'evil.json');
    writeFileSync(file, JSON.stringify(campaign));
    await expect(previewCampaign(file, { customer: customer('anna-mueller'), at })).rejects.toThrow(
      `${file}: template.content.de.blocks[3].text: link scheme "javascript:" is not allowed`,
    );
  });
});

describe('preview: shipped example campaigns', () => {
  const dir = 'campaigns';
  const files = existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.json'))
        .map((f) => join(dir, f))
        .filter((f) => (JSON.parse(readFileSync(f, 'utf8')) as { template?: unknown }).template !== undefined)
    : [];

  it('finds example campaigns to preview', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('shows the reward the catalog currently offers in the referral example', async () => {
    const file = files.find((f) => (JSON.parse(readFileSync(f, 'utf8')) as { kind?: string }).kind === 'referral');
    expect(file).toBeDefined();
    const campaign = JSON.parse(readFileSync(file!, 'utf8')) as { rewards: string };
    const catalog = RewardCatalog.parse(JSON.parse(readFileSync(join(dir, 'rewards', `${campaign.rewards}.json`), 'utf8')));
    const reward = currentReward(catalog, Date.parse(at));
    expect(reward).toBeDefined();
    const result = await previewCampaign(file!, { customer: customer('john-smith'), at });
    expect(result.text.replace(/\s+/g, ' ')).toContain(rewardLabel(catalog, reward!, 'en-GB'));
    expect(result.text).not.toContain('PREVIEW reward');
    expect(result.text).toContain('/r/PREVIEW-c-john');
  });

  it.each(files)('previews %s for a German and an English customer', async (file) => {
    for (const who of ['anna-mueller', 'john-smith']) {
      const result = await previewCampaign(file, { customer: customer(who), at });
      expect(result.subject.length).toBeGreaterThan(0);
      expect(result.html).toContain('<!doctype html>');
      expect(result.text.length).toBeGreaterThan(20);
      for (const part of [result.subject, result.preheader, result.html, result.text]) expect(part).not.toMatch(/undefined|\[object Object\]/);
    }
  });
});
