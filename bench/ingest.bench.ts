// Ingest throughput on one core: shop events per second through applyEvent alone, and through
// the in-memory store (applyAtomically: applied-id dedup, item size check, cloning) as the handler drives it.
import { performance } from 'node:perf_hooks';
import { createMemoryStore } from '#adapters/memory-store';
import type { ShopEvent } from '#core/events';
import { applyEvent, customerIdOf } from '#core/ingest';
import { defaultLoyaltyConfig } from '#core/loyalty';
import type { Profile } from '#core/profile';

const CUSTOMERS = 2_000;
const ORDERS_PER_CUSTOMER = 20;

/** A deterministic stream: each customer registers, orders 20 times, refunds one order, answers NPS. */
const stream = (): ShopEvent[] => {
  const events: ShopEvent[] = [];
  const base = Date.UTC(2025, 0, 1);
  for (let c = 0; c < CUSTOMERS; c++) {
    const customerId = `cust-${c}`;
    const time = (minutes: number) => new Date(base + (c * 7 + minutes) * 60_000).toISOString();
    events.push({ id: `reg-${c}`, time: time(0), type: 'CustomerRegistered', detail: { customerId, email: `${customerId}@shop.example`, locale: 'de-DE', timeZone: 'Europe/Berlin', consent: { marketing: true, at: time(0), source: 'checkout' } } });
    for (let o = 0; o < ORDERS_PER_CUSTOMER; o++) {
      const at = time(1 + o * 10_000);
      events.push({ id: `ord-${c}-${o}`, time: at, type: 'OrderPlaced', detail: { orderId: `o-${c}-${o}`, customerId, placedAt: at, totalCents: 1_000 + ((c * 31 + o * 17) % 9_000), currency: 'EUR', items: [{ sku: `sku-${o % 7}`, name: 'item', category: `cat-${o % 5}`, quantity: 1, priceCents: 1_000 }] } });
    }
    const refundAt = time(2 + ORDERS_PER_CUSTOMER * 10_000);
    events.push({ id: `ref-${c}`, time: refundAt, type: 'OrderRefunded', detail: { orderId: `o-${c}-3`, customerId, refundedAt: refundAt, amountCents: 500 } });
    events.push({ id: `nps-${c}`, time: refundAt, type: 'NpsSubmitted', detail: { customerId, score: c % 11, submittedAt: refundAt } });
  }
  return events;
};

export async function run(): Promise<void> {
  const events = stream();

  const profiles = new Map<string, Profile>();
  let t0 = performance.now();
  for (const event of events) {
    const id = customerIdOf(event);
    profiles.set(id, applyEvent(profiles.get(id), event, defaultLoyaltyConfig).profile);
  }
  let seconds = (performance.now() - t0) / 1000;
  console.log(`applyEvent (pure):           ${events.length} events in ${seconds.toFixed(2)} s = ${Math.round(events.length / seconds).toLocaleString('en')} events/s`);

  const store = createMemoryStore();
  t0 = performance.now();
  for (const event of events) {
    await store.applyAtomically(customerIdOf(event), event.id, (current) => applyEvent(current, event, defaultLoyaltyConfig));
  }
  seconds = (performance.now() - t0) / 1000;
  console.log(`memory store applyAtomically: ${events.length} events in ${seconds.toFixed(2)} s = ${Math.round(events.length / seconds).toLocaleString('en')} events/s`);

  t0 = performance.now();
  for (const event of events) await store.applyAtomically(customerIdOf(event), event.id, (current) => applyEvent(current, event, defaultLoyaltyConfig));
  seconds = (performance.now() - t0) / 1000;
  console.log(`duplicate replay (no-ops):    ${events.length} events in ${seconds.toFixed(2)} s = ${Math.round(events.length / seconds).toLocaleString('en')} events/s`);

  const tiers = { bronze: 0, silver: 0, gold: 0 };
  for (const p of profiles.values()) tiers[p.tier]++;
  console.log(`tiers after the stream (${CUSTOMERS} customers): ${JSON.stringify(tiers)}`);
}
