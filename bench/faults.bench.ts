// Lost mail under faults: the send handler as Lambda runs it (60 s deadline, sandbox frozen at
// the timeout, SQS redelivery) on a simulated clock against the fake SES at 14 and 100 mails/s,
// with injected SES faults (connection refused: never sent; lost answer: sent, answer lost),
// DynamoDB writes whose response is lost (the SDK retry meets its own condition) or that time out
// after landing, and the daily
// quota spent halfway (the occurrence pauses; tick resumes it when the quota has room again).
// Prints sent, lost, duplicates, uncertain and the busiest second. Goal: 0 lost, 0 duplicates,
// never above the rate. A lost SES answer is `uncertain` until SES's "Send" event proves it
// sent (feedback.ts); the fake SES's events are applied at the end, as the feedback path would.
import { handleSesEvent } from '#core/delivery/feedback';
import { createMemoryFeedbackStore } from '#adapters/memory-feedback-store';
import { createSimSend, faultyWrites, type WriteFault } from '../test/unit/delivery-sim';
import { exampleShop, makeProfile, publishExampleNewsletter } from '../test/unit/delivery-fixtures';

const due = new Date('2026-12-01T08:00:30.000Z');

/** Every 7th conditional write loses its response; every 11th times out after landing. */
const faults = (write: number): WriteFault => (write % 11 === 0 ? 'throwAfter' : write % 7 === 0 ? 'loseResponse' : undefined);

export async function run(): Promise<void> {
  const published = await publishExampleNewsletter();
  const shop = await exampleShop();
  for (const rate of [14, 100]) {
    const recipients = rate === 14 ? 1_500 : 4_000;
    const profiles = Array.from({ length: recipients }, (_, i) => makeProfile(2 * i + 1));
    const started = performance.now();
    const sim = await createSimSend({
      profiles,
      published,
      shop,
      start: due,
      ratePerSecond: rate,
      timeoutMs: 60_000,
      batchSize: 10,
      sesLatencyMs: 120,
      max24HourSend: Math.floor(recipients / 2),
      wrapStore: (store) => faultyWrites(store, faults),
    });
    sim.ses.fault = (call) => (call % 97 === 0 ? 'refused' : call % 211 === 0 ? 'lostAnswer' : undefined);
    await sim.enqueue(profiles.map((p) => p.customerId));
    await sim.run(20_000);
    const before = sim.report();
    // SES "Send" events for every accepted mail (what the configuration set publishes).
    const feedback = { store: sim.store, suppressions: { suppress: async () => undefined }, feedback: createMemoryFeedbackStore() };
    for (const accepted of sim.ses.accepted) {
      const ledger = accepted.mail.tags.find((t) => t.name === 'ledger')!.value;
      await handleSesEvent(feedback, { eventType: 'Send', mail: { messageId: accepted.messageId, tags: { ledger: [ledger] } } }, new Date(accepted.atMs));
    }
    const after = sim.report();
    console.log(
      `${rate} mails/s, ${recipients} recipients, 60 s deadline, quota ${Math.floor(recipients / 2)}/24 h: sent ${after.sent}, lost ${after.lost}, duplicates ${after.duplicates}, ` +
        `uncertain ${before.uncertain} -> ${after.uncertain} after SES Send events, busiest second ${after.maxPerSecond} (rate ${rate}), ` +
        `invocations ${after.invocations}, timeouts ${after.timeouts}, redeliveries ${after.redeliveries}, SES refused ${sim.ses.quotaRefused} for quota, ` +
        `simulated ${(after.simulatedSeconds / 3600).toFixed(1)} h in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
}
