// Audience at scale: profiles scanned per second by one shard (the real audience worker with the
// example newsletter's segment), against dynalite with the real DynamoDB client and on the
// in-memory store; then the time to fan out a 10-million-profile audience at the stack's
// defaults, derived from the measured rate (the derivation is printed with the figures).
import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoStore } from '#adapters/dynamo-store';
import { createMemoryDeliveryStore } from '#adapters/memory-delivery-store';
import { createMemoryStore } from '#adapters/memory-store';
import { MemoryWorkQueue } from '#adapters/memory-work-queue';
import { startLocalAws } from '#local/servers';
import { audienceShardsFor, createAudienceWorker, DEFAULT_AUDIENCE_CONCURRENCY, DEFAULT_AUDIENCE_CONFIG, PROFILES_PER_SHARD } from '#core/delivery/audience';
import { occurrenceIdFor } from '#core/delivery/occurrence';
import { compilePublishedAudience, profilePortsFrom } from '#core/delivery/seams';
import type { AudienceShard, SendWork, SendWorkInput } from '#core/delivery/messages';
import type { CustomerStore } from '#core/store';
import { makeProfile, publishExampleNewsletter } from '../test/unit/delivery-fixtures';

const PROFILES = 20_000;
const TARGET = 10_000_000;
/** The audience function's timeout in the stack (infra/constructs/delivery-pipeline.ts). */
const AUDIENCE_TIMEOUT_S = 120;
const due = new Date('2026-12-01T08:00:30.000Z');

/** Scans all profiles as one shard with the real worker; returns profiles per second. */
const scanRate = async (customers: Pick<CustomerStore, 'scanProfiles' | 'getProfiles' | 'findByBirthday'>): Promise<{ rate: number; matched: number }> => {
  const store = createMemoryDeliveryStore();
  const published = await publishExampleNewsletter();
  await store.putCampaign(published);
  const occurrenceId = occurrenceIdFor(published.campaign.id, due);
  await store.createOccurrence({ occurrenceId, campaignId: published.campaign.id, scheduledAt: due.toISOString(), state: 'running', totalSegments: 1, createdAt: due.toISOString(), stats: {} });
  const sendQueue = new MemoryWorkQueue<SendWorkInput | SendWork>();
  const work = createAudienceWorker({
    store,
    scanner: profilePortsFrom(customers),
    sendQueue,
    audienceQueue: new MemoryWorkQueue<AudienceShard>(),
    compileAudience: compilePublishedAudience,
    config: DEFAULT_AUDIENCE_CONFIG,
  });
  const started = performance.now();
  const result = await work({ occurrenceId, campaignId: published.campaign.id, segment: 0, totalSegments: 1 });
  const seconds = (performance.now() - started) / 1000;
  if (result.scanned !== PROFILES) throw new Error(`scanned ${result.scanned} of ${PROFILES}`);
  return { rate: result.scanned / seconds, matched: result.matched };
};

export const run = async (): Promise<void> => {
  const profiles = Array.from({ length: PROFILES }, (_, i) => makeProfile(i));

  // dynalite: one profile through the store's own write path, the rest as copies of its item
  // (BatchWriteItem, 25 a call) so seeding stays quick; the scan reads the sparse profiles index.
  const aws = await startLocalAws('audience-bench');
  let dynamoRate: { rate: number; matched: number };
  try {
    const client = createDocumentClient({ endpoint: aws.dynamoEndpoint });
    const dynamo = createDynamoStore({ client, tableName: aws.tableName });
    await dynamo.applyAtomically(profiles[0]!.customerId, 'seed', () => ({ profile: profiles[0]!, ownEvents: [] }));
    const { Item: template } = await client.send(new GetCommand({ TableName: aws.tableName, Key: { pk: `CUST#${profiles[0]!.customerId}`, sk: 'PROFILE' } }));
    const items = profiles.slice(1).map((profile) => ({ ...template, pk: `CUST#${profile.customerId}`, profilepk: `CUST#${profile.customerId}`, gsi1pk: `EMAIL#${profile.email}`, gsi1sk: `CUST#${profile.customerId}`, profile }));
    for (let i = 0; i < items.length; i += 25 * 8) {
      await Promise.all(
        Array.from({ length: 8 }, (_, j) => items.slice(i + j * 25, i + (j + 1) * 25))
          .filter((part) => part.length > 0)
          .map((part) => client.send(new BatchWriteCommand({ RequestItems: { [aws.tableName]: part.map((Item) => ({ PutRequest: { Item } })) } }))),
      );
    }
    dynamoRate = await scanRate(dynamo);
  } finally {
    await aws.stop();
  }

  const memory = createMemoryStore();
  for (const profile of profiles) await memory.applyAtomically(profile.customerId, 'seed', () => ({ profile, ownEvents: [] }));
  const memoryRate = await scanRate(memory);

  console.log(`one shard, ${PROFILES.toLocaleString('en')} profiles, example newsletter segment (${dynamoRate.matched.toLocaleString('en')} match), page ${DEFAULT_AUDIENCE_CONFIG.pageSize}:`);
  console.log(`  dynalite (real DynamoDB client, sparse index): ${Math.round(dynamoRate.rate).toLocaleString('en')} profiles/s per shard`);
  console.log(`  in memory:                                     ${Math.round(memoryRate.rate).toLocaleString('en')} profiles/s per shard`);

  const shards = audienceShardsFor(TARGET);
  const parallel = Math.min(shards, DEFAULT_AUDIENCE_CONCURRENCY);
  const perShardS = PROFILES_PER_SHARD / dynamoRate.rate;
  const scanS = TARGET / (dynamoRate.rate * parallel);
  console.log(`10,000,000 profiles: ${shards} shards (ceil(10M / ${PROFILES_PER_SHARD.toLocaleString('en')} per shard)), ${parallel} scanning at once (audience concurrency ${DEFAULT_AUDIENCE_CONCURRENCY})`);
  console.log(`  one shard = ${PROFILES_PER_SHARD.toLocaleString('en')} / ${Math.round(dynamoRate.rate).toLocaleString('en')} per s = ${perShardS.toFixed(0)} s of scanning (function timeout ${AUDIENCE_TIMEOUT_S} s; longer shards continue from their cursor)`);
  console.log(`  scan-bound fan-out = 10M / (${Math.round(dynamoRate.rate).toLocaleString('en')} per s x ${parallel}) = ${(scanS / 60).toFixed(1)} min, if every profile matched and the send rate did not hold the audience back`);
  for (const rate of [14, 100]) {
    const sendS = TARGET / rate;
    console.log(`  at ${rate} mails/s back-pressure paces it to the send rate: max(scan ${(scanS / 3600).toFixed(2)} h, send 10M / ${rate} = ${(sendS / 3600).toFixed(1)} h) = ${(Math.max(scanS, sendS) / 86_400).toFixed(2)} days (queue retention 14 days)`);
  }
};
