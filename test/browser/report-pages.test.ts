// The retention report and the demo dashboard in a real headless Chromium, with JavaScript off:
// the KPI cards, the three SVG charts and the funnel table render from the file alone, no request
// leaves the page, and the dashboard shows KPIs, campaigns, then the mails with local send times.
// Screenshots land in out/browser/ (CI artifacts, gitignored).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { runDemo } from '#cli/commands/demo';

const OUT = 'out/browser';
let dir: string;
let browser: Browser;
let context: BrowserContext;
const requests: string[] = [];

beforeAll(async () => {
  await mkdir(OUT, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'stammkunde-report-browser-'));
  await runDemo({ customers: 150, seed: 7, outDir: dir });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1200, height: 900 } });
  context.on('request', (request) => requests.push(request.url()));
}, 180_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const open = async (file: string): Promise<Page> => {
  const page = await context.newPage();
  requests.length = 0;
  await page.goto(pathToFileURL(resolve(dir, file)).href);
  return page;
};

describe('browser: retention report', () => {
  for (const [file, lang, words] of [['report.html', 'de', ['Wiederkaufrate', 'Abwanderungsrate', 'Kampagnen-Trichter']], ['report.en.html', 'en', ['Repeat-purchase rate', 'Churn rate', 'Campaign funnels']]] as const) {
    it(`renders ${file} without JavaScript: cards with changes, three charts with lines, the funnel table (${lang})`, async () => {
      const page = await open(file);
      expect(await page.getAttribute('html', 'lang')).toBe(lang);
      for (const word of words) expect(await page.getByText(word, { exact: false }).count()).toBeGreaterThan(0);
      expect(await page.locator('.card').count()).toBe(6);
      expect(await page.locator('.card .delta').first().textContent()).toMatch(/[▲▼■]/);
      const charts = page.locator('figure.chart svg');
      expect(await charts.count()).toBe(3);
      for (let i = 0; i < 3; i++) {
        const box = await charts.nth(i).boundingBox();
        expect(box!.width).toBeGreaterThan(250);
        expect(box!.height).toBeGreaterThan(80);
      }
      // The repeat-purchase chart has a drawn line with a point per month.
      expect(await page.locator('figure.chart').first().locator('circle.dot').count()).toBe(12);
      expect(await page.locator('table').first().locator('tbody tr').count()).toBeGreaterThan(3);
      expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
      await page.screenshot({ path: `${OUT}/report-${lang}.png`, fullPage: true });
      await page.close();
    });
  }
});

describe('browser: demo dashboard', () => {
  it('shows the KPI cards, the campaigns with their counts, then the mails with local send times', async () => {
    const page = await open('index.html');
    expect(await page.locator('.card').count()).toBe(6);
    const headings = await page.locator('h2').allTextContents();
    expect(headings.indexOf('Campaigns')).toBeGreaterThan(0);
    expect(headings.indexOf('Mails')).toBeGreaterThan(headings.indexOf('Campaigns'));
    const funnel = page.locator('table').first();
    expect(await funnel.locator('tbody tr', { hasText: 'newsletter-monthly' }).first().locator('td').first().textContent()).toMatch(/^\d[\d,]*$/);
    const mails = page.locator('table').last();
    expect(await mails.locator('th').first().textContent()).toBe("sent (recipient's local time)");
    // A local time with its zone (e.g. "2025-02-01 09:00 GMT+1" for Berlin), the UTC time in the title.
    const first = mails.locator('tbody tr').first().locator('td').first();
    expect(await first.textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} \S+/);
    expect(await first.getAttribute('title')).toMatch(/UTC$/);
    expect(await page.locator('a[href="report.html"]').count()).toBe(1);
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    await page.screenshot({ path: `${OUT}/dashboard.png`, fullPage: false });
    await page.close();
  });
});
