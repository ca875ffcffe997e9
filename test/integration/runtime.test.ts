// The embedded runtime: `stammkunde local` in-process (real clock, dynalite, local SES, the HTTP
// endpoint for shop events), and the simulated-clock wiring's dead-letter queue for a poison event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadShopInfo } from '../../functions/compile/compile-template';
import { startLocal, type LocalInstance } from '#cli/commands/local';
import { createRuntime, type Runtime } from '#local/runtime';
import { startLocalAws, type LocalAws } from '#local/servers';
import { SimClock } from '#local/sim-clock';

const registered = (id: string, customerId: string) => ({
  id,
  source: 'shop',
  'detail-type': 'CustomerRegistered',
  time: '2026-11-23T10:00:00Z',
  detail: { customerId, email: `${customerId}@example.com`, locale: 'de-DE', timeZone: 'Europe/Berlin', consent: { marketing: true, at: '2026-11-23T10:00:00Z', source: 'checkout' } },
});

describe('stammkunde local', () => {
  let local: LocalInstance;
  const logged: string[] = [];
  beforeAll(async () => {
    local = await startLocal({ campaigns: 'campaigns', port: 0, log: (line) => logged.push(line) });
  }, 60_000);
  afterAll(async () => {
    await local?.stop();
  });

  it('publishes every example campaign, referral included, and skips none', () => {
    expect(local.published).toEqual(['birthday', 'christmas-advent', 'coupon-expiring-reminder', 'easter', 'gold-tier', 'newsletter-monthly', 'order-thank-you-nps', 'referral-friends', 'spring-roast-ab', 'welcome-first-order', 'winback-120-days', 'winback-discount']);
    expect(local.skipped).toEqual([]);
  });

  it('serves the SES web UI of aws-ses-v2-local at its root', async () => {
    const response = await fetch(`${local.sesUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
  });

  it('turns a posted shop event into a profile through bus, events queue and ingest', async () => {
    const posted = await fetch(`${local.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(registered('evt-local-1', 'c-local-1')) });
    expect(await posted.json()).toEqual({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-local-1' }] });
    await local.runtime.settle();
    const profile = (await (await fetch(`${local.url}/profiles/c-local-1`)).json()) as { customerId: string; consent: { status: string } };
    expect(profile).toMatchObject({ customerId: 'c-local-1', consent: { status: 'pending' } });
  });

  it('fails an invalid entry in its slot and still takes the valid ones of the array', async () => {
    const bad = { ...registered('evt-local-bad', 'c-local-2'), detail: { customerId: 'c-local-2' } };
    const response = await fetch(`${local.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([bad, registered('evt-local-3', 'c-local-3')]) });
    const body = (await response.json()) as { FailedEntryCount: number; Entries: { ErrorMessage?: string; EventId?: string }[] };
    expect(body.FailedEntryCount).toBe(1);
    expect(body.Entries[0]!.ErrorMessage).toContain('detail.email');
    expect(body.Entries[1]).toEqual({ EventId: 'evt-local-3' });
    await local.runtime.settle();
    expect((await fetch(`${local.url}/profiles/c-local-3`)).status).toBe(200);
    expect((await fetch(`${local.url}/profiles/c-local-2`)).status).toBe(404);
  });

  it('answers 400 to a body that is not JSON', async () => {
    const response = await fetch(`${local.url}/events`, { method: 'POST', body: 'nope' });
    expect(response.status).toBe(400);
  });
});

describe('runtime: simulated clock on dynalite', () => {
  let aws: LocalAws;
  let runtime: Runtime;
  beforeAll(async () => {
    aws = await startLocalAws('stammkunde-runtime-test');
    runtime = await createRuntime({
      clock: new SimClock('2026-01-01T00:00:00Z'),
      backend: 'local-aws',
      aws,
      shop: await loadShopInfo(),
      from: 'news@shop.example',
      unsubscribeBaseUrl: 'https://shop.example',
      keyRing: { current: { id: 't', secret: 'runtime-test-secret-runtime-test-secret' }, accepted: [{ id: 't', secret: 'runtime-test-secret-runtime-test-secret' }] },
      logLevel: 'SILENT',
    });
  }, 30_000);
  afterAll(async () => {
    await runtime?.stop();
    await aws?.stop();
  });

  it('moves an event ingest keeps rejecting to the events DLQ after three receives', async () => {
    const poison = { version: '0' as const, account: '0', region: 'local', resources: [], ...registered('evt-poison', 'c-p'), detail: { customerId: 'c-p' } };
    const good = { version: '0' as const, account: '0', region: 'local', resources: [], ...registered('evt-good', 'c-g') };
    await runtime.bus.publish(poison);
    await runtime.bus.publish(good);
    await runtime.settle();
    expect(runtime.queues.eventsDlq.peek().map((m) => (JSON.parse(m.body) as { id: string }).id)).toEqual(['evt-poison']);
    expect(runtime.queues.events.size).toBe(0);
    expect((await runtime.customers.getProfile('c-g'))?.customerId).toBe('c-g');
    // Three visibility timeouts of 30 s passed on the simulated clock, none in wall time.
    expect(runtime.clock.now().getTime()).toBeGreaterThanOrEqual(Date.parse('2026-01-01T00:01:00Z'));
  });

  it('confirms a pending consent once, like the double opt-in click', async () => {
    const event = { version: '0' as const, account: '0', region: 'local', resources: [], ...registered('evt-c', 'c-c') };
    await runtime.bus.publish(event);
    await runtime.settle();
    expect(await runtime.confirmConsent('c-c')).toBe(true);
    expect(await runtime.confirmConsent('c-c')).toBe(false);
    expect((await runtime.customers.getProfile('c-c'))?.consent.status).toBe('confirmed');
  });
});
