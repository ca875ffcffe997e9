// Calls per sent mail, and what they cost on AWS. The example newsletter goes to N customers
// through the real handlers (tick, audience, send) on the embedded runtime with the local-aws
// backend (dynalite + aws-ses-v2-local); then every sent mail's SES "Send" and "Delivery" events
// go through the real feedback handler in SQS batches of FEEDBACK_BATCH_SIZE, as the feedback
// queue's event source delivers them (rule -> queue -> batching window). bench/lib/aws-calls.ts counts at the clients (DynamoDB middleware with
// ReturnConsumedCapacity=TOTAL, the in-process queues' send methods, handler invocations), so
// the figures stay true however the send path changes inside.
//
// `npm run bench cost` (N = 1,000) or COST_BENCH_CUSTOMERS=300 npm run bench cost.
import { sendSizing } from '#core/delivery/pacing';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent } from 'aws-lambda';
import { createRuntime, type SentMail } from '#local/runtime';
import { SimClock } from '#local/sim-clock';
import { createFeedbackHandler } from '../functions/feedback/handler';
import { FEEDBACK_BATCH_SIZE, suppressionsFrom } from '#core/delivery/feedback';
import { encodeLedgerTag } from '#core/delivery/send';
import { AwsCallCounter, type DynamoTally } from './lib/aws-calls';
import { exampleShop, makeProfile, publishExampleNewsletter, testSigningKey } from '../test/unit/delivery-fixtures';

/**
 * List prices, US East (N. Virginia) us-east-1, taken 2026-11-30 (README "Cost" has the table).
 * Free tiers are left out: they do not scale with mail.
 */
export const PRICES_USD = {
  region: 'us-east-1',
  takenOn: '2026-11-30',
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  lambdaRequest: 0.2 / 1e6,
  /** arm64, first 7.5 billion GB-s a month. */
  lambdaGbSecondArm: 0.0000133334,
  sqsRequest: 0.4 / 1e6,
  eventBridgeCustomEvent: 1 / 1e6,
  /** AWS service events (SES -> default bus), their rule matching and Lambda targets. */
  eventBridgeServiceEvent: 0,
  schedulerInvocation: 1 / 1e6,
  sesPerMail: 0.1 / 1000,
} as const;

/** Configured memory of each function (infra/constructs/delivery-pipeline.ts, stammkunde-function.ts). */
export const FUNCTION_MEMORY_MB: Record<string, number> = { tick: 512, audience: 1024, send: sendSizing(14).memoryMb, feedback: 512, ingest: 512 };

const due = new Date('2026-12-01T08:00:00.000Z'); // "0 9 1 * *" in Europe/Berlin

const fmt = (n: number, digits = 2) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

const sesEvent = (sent: SentMail, eventType: 'Send' | 'Delivery', index: number) => ({
  version: '0',
  id: `ses-${eventType}-${index}`,
  'detail-type': eventType === 'Send' ? 'Email Sent' : 'Email Delivered',
  source: 'aws.ses',
  account: '000000000000',
  time: sent.at.toISOString(),
  region: 'local',
  resources: [],
  detail: {
    eventType,
    mail: {
      messageId: sent.messageId,
      timestamp: sent.at.toISOString(),
      // SES publishes each message tag as a list of values; the ledger tag names the entry.
      tags: {
        ...Object.fromEntries(sent.mail.tags.map((t) => [t.name, [t.value]])),
        ledger: [encodeLedgerTag({ occurrenceId: sent.occurrenceId, customerId: sent.customerId })],
        'ses:configuration-set': ['stammkunde'],
      },
    },
  },
});

export async function run(): Promise<void> {
  const customers = Number(process.env.COST_BENCH_CUSTOMERS ?? 1_000);
  const counter = new AwsCallCounter();
  counter.counting = false;
  const sent: SentMail[] = [];
  const clock = new SimClock(due);
  const shop = await exampleShop();
  const runtime = await createRuntime({
    clock,
    backend: 'local-aws',
    shop,
    from: 'Kaffee Morgenrot <news@shop.example>',
    unsubscribeBaseUrl: 'https://mail.shop.example',
    keyRing: { current: testSigningKey, accepted: [testSigningKey] },
    send: { configurationSet: 'stammkunde' },
    logLevel: 'ERROR',
    onSent: (mail) => sent.push(mail),
    instrument: {
      clients: ({ dynamo, ses }) => {
        counter.attachDynamo(dynamo);
        counter.attachClient('SES', ses);
      },
      handler: (name, handler) => counter.wrapHandler(name, handler),
    },
  });
  try {
    for (const queue of [runtime.queues.events, runtime.queues.audience, runtime.queues.send]) counter.attachQueue(queue);
    await runtime.publish({ campaigns: [await publishExampleNewsletter()], segments: [], rewardCatalogs: [] });
    // Seeding is not measured: the profiles are written through the store as ingest would.
    const profiles = Array.from({ length: customers }, (_, i) => makeProfile(i));
    for (let i = 0; i < profiles.length; i += 50) {
      await Promise.all(profiles.slice(i, i + 50).map((p) => runtime.customers.applyAtomically(p.customerId, 'seed', () => ({ profile: p, ownEvents: [] }))));
    }

    counter.counting = true;
    const started = performance.now();
    await runtime.tick();
    await runtime.settle();
    const feedback = counter.wrapHandler(
      'feedback',
      createFeedbackHandler({ store: runtime.delivery, suppressions: suppressionsFrom(runtime.customers), feedback: runtime.feedback }, { logger: new Logger({ serviceName: 'feedback', logLevel: 'ERROR' }) }),
    );
    // The rule puts each SES event on the feedback queue; the event source hands them over in batches.
    const events = sent.flatMap((mail, i) => [sesEvent(mail, 'Send', i), sesEvent(mail, 'Delivery', i)]);
    for (let i = 0; i < events.length; i += FEEDBACK_BATCH_SIZE) {
      const batch = events.slice(i, i + FEEDBACK_BATCH_SIZE);
      await feedback({ Records: batch.map((e) => ({ messageId: e.id, body: JSON.stringify(e) })) } as unknown as SQSEvent);
    }
    const wallSeconds = (performance.now() - started) / 1000;
    counter.counting = false;

    report(counter, { customers, mails: sent.length, unique: new Set(sent.map((s) => s.customerId)).size, sesEvents: events.length, wallSeconds });
  } finally {
    await runtime.stop();
  }
}

interface RunFacts {
  customers: number;
  mails: number;
  unique: number;
  sesEvents: number;
  wallSeconds: number;
}

const report = (counter: AwsCallCounter, facts: RunFacts): void => {
  const { mails } = facts;
  if (mails === 0) {
    console.log('no mail was sent: nothing to price');
    return;
  }
  const per = (n: number) => n / mails;
  console.log(
    `example newsletter to ${facts.customers} customers on dynalite + aws-ses-v2-local: ${mails} mails (${facts.unique} unique), ` +
      `${facts.sesEvents} SES events through feedback, wall ${fmt(facts.wallSeconds, 1)} s (shared machine)`,
  );

  // ---- DynamoDB ----------------------------------------------------------------------------
  const total = [...counter.dynamoBy(() => 'all').values()][0]!;
  console.log(
    `\nDynamoDB per mail: ${fmt(per(total.calls))} calls, ${fmt(per(total.readUnits), 3)} read units, ${fmt(per(total.writeUnits), 3)} write units ` +
      `(${fmt(per(total.conditionFailed), 3)} refused conditional writes, billed 1 WRU each)`,
  );
  const table = (title: string, rows: Map<string, DynamoTally>) => {
    console.log(`\n${title}`);
    console.log(`  ${pad('', 100)} ${pad('calls/mail', 11)} ${pad('RRU/mail', 9)} ${pad('WRU/mail', 9)} refused/mail`);
    for (const [key, t] of [...rows].sort((a, b) => b[1].calls - a[1].calls)) {
      console.log(`  ${pad(key, 100)} ${pad(fmt(per(t.calls), 3), 11)} ${pad(fmt(per(t.readUnits), 3), 9)} ${pad(fmt(per(t.writeUnits), 3), 9)} ${fmt(per(t.conditionFailed), 3)}`);
    }
  };
  table('by command', counter.dynamoBy((r) => r.command));
  table('by handler and command', counter.dynamoBy((r) => `${r.handler} ${r.command}`));
  table('by handler, store method <- caller', counter.dynamoBy((r) => `${r.handler} ${r.caller}`));

  // ---- SQS ---------------------------------------------------------------------------------
  // Sends are counted at the queue; a Lambda event source receives each batch with one
  // ReceiveMessage and deletes it with one DeleteMessageBatch: two requests per invocation.
  // Empty long-poll receives of idle pollers are a fixed monthly cost, not per mail.
  const sends = [...counter.sqs.values()].reduce((a, b) => a + b, 0);
  const queueInvocations = ['audience', 'send', 'feedback'].reduce((n, name) => n + (counter.lambda.get(name)?.invocations ?? 0), 0);
  const sqsRequests = sends + 2 * queueInvocations;
  console.log(`\nSQS per mail: ${fmt(per(sqsRequests), 4)} requests = sends ${fmt(per(sends), 4)} + receive/delete 2 x ${fmt(per(queueInvocations), 4)} invocations`);
  for (const [key, n] of counter.sqs) console.log(`  ${key.replace('\t', ' ')}: ${n} requests, ${counter.sqsMessages.get(key.split('\t')[0]!) ?? 0} messages on that queue`);

  // ---- Lambda ------------------------------------------------------------------------------
  console.log('\nLambda (measured wall time on this machine; dynalite runs in the same process, so it is an upper bound on CPU):');
  let lambdaUsd = 0;
  let lambdaRequests = 0;
  let gbSeconds = 0;
  for (const [name, t] of counter.lambda) {
    const memoryGb = (FUNCTION_MEMORY_MB[name] ?? 512) / 1024;
    const gbs = (t.totalMs / 1000) * memoryGb;
    lambdaRequests += t.invocations;
    gbSeconds += gbs;
    console.log(
      `  ${pad(name, 9)} ${t.invocations} invocations (${fmt(per(t.invocations), 4)}/mail), ${fmt(t.totalMs / t.invocations, 1)} ms mean, ${fmt(t.maxMs, 0)} ms max, ` +
        `${FUNCTION_MEMORY_MB[name] ?? 512} MB: ${fmt(per(gbs) * 1e6, 0)} GB-s per million mails`,
    );
  }
  lambdaUsd = lambdaRequests * PRICES_USD.lambdaRequest + gbSeconds * PRICES_USD.lambdaGbSecondArm;
  const ses = [...counter.other].map(([k, n]) => `${k.replace('\t', ' ')} ${n}`).join(', ');
  console.log(`  SES calls: ${ses} (SendEmail per mail: ${fmt(per(counter.other.get('SES\tSendEmailCommand') ?? 0), 3)})`);

  // ---- Feedback per 1,000 mails (issue 13: was 2,000 invocations and 2,000 WRU, 1,000 of them refused) ----
  const fb = counter.dynamoBy((r) => r.handler).get('feedback');
  const fbInvocations = counter.lambda.get('feedback')?.invocations ?? 0;
  console.log(
    `\nFeedback per 1,000 mails: ${fmt(1000 * per(fbInvocations), 1)} invocations, ${fmt(1000 * per(fb?.calls ?? 0), 0)} DynamoDB calls, ` +
      `${fmt(1000 * per(fb?.writeUnits ?? 0), 0)} WRU (${fmt(1000 * per(fb?.conditionFailed ?? 0), 0)} refused), ${fmt(1000 * per(fb?.readUnits ?? 0), 0)} RRU ` +
      `(before the queue: 2,000 invocations, 2,000 WRU of which 1,000 refused)`,
  );

  // ---- EventBridge ---------------------------------------------------------------------------
  console.log(
    `\nEventBridge per mail: ${fmt(per(facts.sesEvents), 2)} SES events on the default bus (AWS service events: free, and so are their rule and Lambda target); ` +
      `0 custom events; Scheduler: 1 tick a minute = 43,800 a month whatever the volume (inside the 14M free invocations)`,
  );

  // ---- Price --------------------------------------------------------------------------------
  const million = 1e6 / mails;
  const dynamoUsd = total.readUnits * PRICES_USD.dynamoReadUnit + total.writeUnits * PRICES_USD.dynamoWriteUnit;
  const sqsUsd = sqsRequests * PRICES_USD.sqsRequest;
  const ebUsd = facts.sesEvents * PRICES_USD.eventBridgeServiceEvent;
  const engine = (dynamoUsd + sqsUsd + lambdaUsd + ebUsd) * million;
  console.log(`\nCost per 1 million mails (${PRICES_USD.region} list prices of ${PRICES_USD.takenOn}, no free tier):`);
  console.log(`  DynamoDB on-demand  $${fmt(dynamoUsd * million)}  (reads $${fmt(total.readUnits * PRICES_USD.dynamoReadUnit * million)}, writes $${fmt(total.writeUnits * PRICES_USD.dynamoWriteUnit * million)})`);
  console.log(`  SQS                 $${fmt(sqsUsd * million)}`);
  console.log(`  Lambda arm64        $${fmt(lambdaUsd * million)}  (requests $${fmt(lambdaRequests * PRICES_USD.lambdaRequest * million)}, duration $${fmt(gbSeconds * PRICES_USD.lambdaGbSecondArm * million)}) unpaced`);
  console.log(`  EventBridge         $${fmt(ebUsd * million)}`);
  console.log(`  engine total        $${fmt(engine)} per million mails = ${fmt((100 * engine) / (PRICES_USD.sesPerMail * 1e6), 1)}% of SES's $${fmt(PRICES_USD.sesPerMail * 1e6, 0)} (goal < $5, 5%)`);

  // The local wall time above includes dynalite's own CPU (same process, shared machine). On AWS
  // an unpaced send waits on network round trips, SEND_POOL recipients at a time: per mail
  // (its sequential DynamoDB calls x DYNAMO_MS + SES_MS) / SEND_POOL. Assumed latencies, stated.
  const DYNAMO_MS = 8;
  const SES_MS = 80;
  const SEND_POOL = 32;
  const sendCallsPerMail = per(counter.dynamoBy((r) => r.handler).get('send')?.calls ?? 0);
  const modelMsPerMail = (sendCallsPerMail * DYNAMO_MS + SES_MS) / SEND_POOL;
  const measuredSendUsd = ((counter.lambda.get('send')?.totalMs ?? 0) / 1000) * (FUNCTION_MEMORY_MB.send! / 1024) * PRICES_USD.lambdaGbSecondArm * million;
  const modelSendUsd = (modelMsPerMail / 1000) * (FUNCTION_MEMORY_MB.send! / 1024) * PRICES_USD.lambdaGbSecondArm * 1e6;
  console.log(
    `  modelled send on AWS (DynamoDB ${DYNAMO_MS} ms, SES ${SES_MS} ms a call, pool ${SEND_POOL}): ${fmt(modelMsPerMail, 1)} ms per mail, ` +
      `send duration $${fmt(modelSendUsd)} instead of $${fmt(measuredSendUsd)}; engine total $${fmt(engine - measuredSendUsd + modelSendUsd)}`,
  );

  // A paced send invocation waits for its tokens: each of the concurrent instances is busy
  // for the whole campaign, so send bills concurrency / rate seconds per mail at its memory.
  const modelled = engine - measuredSendUsd + modelSendUsd;
  console.log('\nPaced send (the stack sizes send from the rate, core/delivery/pacing.ts sendSizing; each instance waits concurrency/rate s per mail), on the modelled total:');
  for (const rate of [14, 100, 1_000]) {
    const { concurrency, memoryMb } = sendSizing(rate);
    const pacedUsd = Math.max(modelSendUsd, (concurrency / rate) * (memoryMb / 1024) * PRICES_USD.lambdaGbSecondArm * 1e6);
    console.log(`  at ${pad(`${rate} mails/s`, 13)} ${concurrency} x ${memoryMb} MB: send duration $${fmt(pacedUsd)} per million; engine total $${fmt(modelled - modelSendUsd + pacedUsd)}`);
  }
};
