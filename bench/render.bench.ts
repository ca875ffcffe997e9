// Render throughput of the example newsletter, personalized per recipient, on one core:
//   compiled path — MJML compiled once, pre-parsed Liquid rendered per recipient (what send does):
//                   subject + preheader + ~40 KB HTML + plain text
//   naive path    — Liquid over the MJML source, then MJML, per recipient (HTML only; the naive
//                   path is given pre-parsed Liquid and no plain-text step, so the ratio is conservative)
// Both run in the same process, one after the other, single-threaded (= per core).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import mjml2html from 'mjml';
import { Campaign } from '#core/campaign';
import { TemplateRenderer, buildRenderVariables, createLiquid } from '#core/render';
import type { RecipientProfile, RenderVariables } from '#core/render';
import { compileTemplate, loadShopInfo, templateMjml } from '../functions/compile/compile-template';

const campaignFile = fileURLToPath(new URL('../test/fixtures/render/newsletter.json', import.meta.url));

const firstNames = ['Anna', 'Jonas', 'Alex', 'Marie', 'Lukas', 'Sophie', 'Elias', 'Mia'];
const lastNames = ['Müller', 'Schmidt', 'Meyer', 'Schneider', 'Fischer', 'Weber', 'Wagner', 'Becker'];

const recipients = (count: number, variables: (p: RecipientProfile) => RenderVariables): RenderVariables[] =>
  Array.from({ length: count }, (_, i) =>
    variables({
      customerId: `c-${i}`,
      firstName: firstNames[i % firstNames.length],
      lastName: lastNames[(i * 3) % lastNames.length],
      salutation: (['ms', 'mr', 'mx', undefined] as const)[i % 4],
      formality: i % 3 === 0 ? 'informal' : 'formal',
      locale: 'de-DE',
      timeZone: 'Europe/Berlin',
      tier: (['bronze', 'silver', 'gold'] as const)[i % 3] ?? 'bronze',
      points: (i * 37) % 1000,
      attributes: {},
      orders: { count: i % 20 },
    }),
  );

export async function run(): Promise<void> {
  const campaign = Campaign.parse(JSON.parse(readFileSync(campaignFile, 'utf8')));
  const compiled = await compileTemplate(campaign, 'de');
  const shop = await loadShopInfo();
  const now = new Date('2026-11-02T08:00:00Z');
  const people = recipients(1000, (profile) =>
    buildRenderVariables({
      template: compiled,
      profile,
      shop,
      links: { unsubscribe: `https://t.example/u/${profile.customerId}.token`, preferences: `https://t.example/p/${profile.customerId}.token` },
      now,
    }),
  );

  // Compiled path.
  const renderer = new TemplateRenderer();
  let bytes = 0;
  for (let i = 0; i < 3000; i++) bytes = renderer.render(compiled, people[i % people.length]!).html.length; // warm-up
  // Five 1-second rounds; the machine may be shared, so print the best and the median.
  const rounds: number[] = [];
  let renders = 0;
  for (let round = 0; round < 5; round++) {
    let count = 0;
    const started = performance.now();
    while (performance.now() - started < 1000) {
      for (let i = 0; i < 100; i++) renderer.render(compiled, people[(count + i) % people.length]!);
      count += 100;
    }
    rounds.push(count / ((performance.now() - started) / 1000));
    renders += count;
  }
  rounds.sort((a, b) => a - b);
  const fastPerSecond = rounds[rounds.length - 1]!;
  const fastMedian = rounds[2]!;

  // Naive path: Liquid over the MJML source, then MJML, for every recipient.
  const liquid = createLiquid('html');
  const mjmlTemplate = liquid.parse(await templateMjml(campaign, 'de'));
  for (let i = 0; i < 3; i++) await mjml2html(liquid.renderSync(mjmlTemplate, people[i]! as unknown as Record<string, unknown>) as string); // warm-up
  let naive = 0;
  const naiveStarted = performance.now();
  while (performance.now() - naiveStarted < 3000) {
    const source = liquid.renderSync(mjmlTemplate, people[naive % people.length]! as unknown as Record<string, unknown>) as string;
    await mjml2html(source, { validationLevel: 'skip' });
    naive += 1;
  }
  const naivePerSecond = naive / ((performance.now() - naiveStarted) / 1000);

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`example newsletter: ${compiled.links.length} links, HTML ${(bytes / 1024).toFixed(1)} KB per mail (plus text, subject, preheader)`);
  console.log(`compiled path (pre-parsed Liquid): ${fmt(fastPerSecond)} renders/s per core best of 5 s, median ${fmt(fastMedian)} (goal >= 20,000) — ${fmt(renders)} renders`);
  console.log(`naive path (Liquid + MJML per recipient): ${naivePerSecond.toFixed(1)} renders/s per core — ${naive} renders in 3 s`);
  console.log(`ratio: ${fmt(fastPerSecond / naivePerSecond)}x best, ${fmt(fastMedian / naivePerSecond)}x median (goal >= 200x)`);
}

// Allow `tsx bench/render.bench.ts` on its own.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
