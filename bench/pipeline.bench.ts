// Delivery pipeline on in-memory adapters: (1) mails per second per core from tick to the SES
// call for the example newsletter, unpaced; (2) the paced rate against a fake SES with a maximum
// rate and 100 ms latency: share of the maximum reached, the busiest second, throttles, losses.
import { OutboxMailer } from '#adapters/outbox-mailer';
import { FakeSes } from '#adapters/fake-ses';
import { createPipeline, exampleShop, makeProfile, publishExampleNewsletter } from '../test/unit/delivery-fixtures';

const due = new Date('2026-12-01T08:00:30.000Z');

export async function run(): Promise<void> {
  const published = await publishExampleNewsletter();
  const shop = await exampleShop();

  const recipients = 20_000;
  const profiles = Array.from({ length: recipients }, (_, i) => makeProfile(i));
  const outbox = new OutboxMailer();
  const fast = await createPipeline({ profiles, mailer: outbox, published, shop, now: due, totalSegments: 8 });
  const started = performance.now();
  await fast.tick();
  await fast.drain();
  const seconds = (performance.now() - started) / 1000;
  console.log(`tick -> SES call, example newsletter, ${outbox.sent.length} mails (one process): ${Math.round(outbox.sent.length / seconds)} mails/s per core (goal >= 5,000)`);

  const maxRate = 200;
  const paced = Array.from({ length: 1_200 }, (_, i) => makeProfile(i));
  const ses = new FakeSes({ maxSendRate: maxRate, latencyMs: 100 });
  const pacedRun = await createPipeline({ profiles: paced, mailer: ses, published, shop, now: due, ratePerSecond: maxRate, totalSegments: 4 });
  await pacedRun.tick();
  const t0 = performance.now();
  await pacedRun.drain();
  const elapsed = (performance.now() - t0) / 1000;
  const unique = new Set(ses.accepted.map((a) => a.mail.to)).size;
  const first = ses.accepted[0]?.atMs ?? 0;
  const last = ses.accepted.at(-1)?.atMs ?? 0;
  // Whole seconds from the first accepted call: the rate SES would see over them.
  const span = Math.max(1, Math.floor((last - first) / 1000));
  const rate = ses.accepted.filter((a) => a.atMs < first + span * 1000).length / span;
  console.log(
    `paced against fake SES (max ${maxRate}/s, 100 ms latency): ${rate.toFixed(1)} mails/s = ${((100 * rate) / maxRate).toFixed(1)}% of max (goal >= 95%), ` +
      `busiest second ${ses.maxInAnySecond()} (never above ${maxRate}), throttled ${ses.throttled}, accepted ${ses.accepted.length}/${paced.length} unique ${unique}, lost ${paced.length - unique}, wall ${elapsed.toFixed(1)} s`,
  );
}
