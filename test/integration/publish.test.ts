// `stammkunde publish` and friends with the real AWS SDK clients against dynalite; CloudFormation's
// DescribeStacks mocked (aws-sdk-client-mock) for --stack; the mid-occurrence case on the embedded
// runtime (same dynalite table, real handlers) with publish run from the CLI function in between.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createTable, startLocalAws, type LocalAws } from '#local/servers';
import { createRuntime } from '#local/runtime';
import { SimClock } from '#local/sim-clock';
import { runPublish } from '#cli/commands/publish';
import { runCampaigns } from '#cli/commands/campaigns';
import { runControl } from '#cli/commands/pause';
import { loadShopInfo } from '../../functions/compile/compile-template';
import { campaignVersionContract } from '../unit/campaign-versions-contract';
import { campaignsFolder } from '../unit/publish-fixtures';

let aws: LocalAws;
let client: DynamoDBDocumentClient;
let tables = 0;
beforeAll(async () => {
  aws = await startLocalAws('publish-it');
  client = createDocumentClient({ endpoint: aws.dynamoEndpoint });
}, 30_000);
afterAll(async () => {
  client.destroy();
  await aws.stop();
});

const freshTable = async (): Promise<string> => {
  const name = `publish-${++tables}`;
  await createTable(aws.dynamoEndpoint, name);
  return name;
};
const scan = async (tableName: string) => (await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }))).Items ?? [];
const at = new Date('2026-11-20T10:00:00Z');

campaignVersionContract('dynamo delivery store', async () => createDynamoDeliveryStore({ client, tableName: await freshTable() }));

describe('publish: against DynamoDB with the real client', () => {
  it('writes the folder once and nothing the second time', async () => {
    const table = await freshTable();
    const folder = await campaignsFolder();
    const first = await runPublish(folder.dir, { table }, { documentClient: client }, at);
    expect(first.exitCode).toBe(0);
    expect(first.written).toBe(2);
    expect(first.lines.join('\n')).toContain('+ campaign newsletter-monthly');
    const before = await scan(table);
    const second = await runPublish(folder.dir, { table }, { documentClient: client }, new Date('2026-11-21T10:00:00Z'));
    expect(second.written).toBe(0);
    expect(second.lines).toContain('nothing changed; nothing written');
    expect(await scan(table)).toEqual(before);
  });

  it('publishes again after an earlier publish stopped between the version and the catalog write', async () => {
    const table = await freshTable();
    const folder = await campaignsFolder();
    await runPublish(folder.dir, { table }, { documentClient: client }, at);
    // The crash: VERSION#2 landed, PUBLISHED and the catalog still say version 1.
    const [v1] = (await scan(table)).filter((item) => item.sk === 'VERSION#000001');
    await client.send(new PutCommand({ TableName: table, Item: { ...v1, sk: 'VERSION#000002', version: 2, contentHash: 'interrupted' } }));
    await folder.setSubject('Neu im Dezember');
    const outcome = await runPublish(folder.dir, { table }, { documentClient: client }, new Date('2026-11-21T10:00:00Z'));
    expect(outcome.exitCode).toBe(0);
    expect(outcome.written).toBe(1);
    const listed = await runCampaigns({ table }, { documentClient: client }, new Date('2026-11-21T10:00:00Z'));
    expect(listed.join('\n')).toMatch(/newsletter-monthly\s.*\b3\b/);
  });

  it('shows the diff on a dry run and writes nothing', async () => {
    const table = await freshTable();
    const folder = await campaignsFolder();
    const outcome = await runPublish(folder.dir, { table, dryRun: true }, { documentClient: client }, at);
    expect(outcome.lines.at(-1)).toBe('dry run: 2 to write; nothing written');
    expect(await scan(table)).toEqual([]);
  });

  it('rejects a folder with a bad file with validate\'s lines and writes nothing', async () => {
    const table = await freshTable();
    const folder = await campaignsFolder();
    await runPublish(folder.dir, { table }, { documentClient: client }, at);
    const before = await scan(table);
    await folder.setSubject('Neu');
    await writeFile(join(folder.dir, 'broken.json'), '{ "kind": "segment", "id": "x", ');
    const outcome = await runPublish(folder.dir, { table }, { documentClient: client }, at);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.lines[0]).toMatch(/broken\.json: \(root\): invalid JSON at line 1, column \d+/);
    expect(outcome.lines.at(-1)).toBe('nothing published');
    expect(await scan(table)).toEqual(before);
  });

  it('rolls a campaign back and lists, pauses and archives it', async () => {
    const table = await freshTable();
    const folder = await campaignsFolder();
    await runPublish(folder.dir, { table }, { documentClient: client }, at);
    await folder.setSubject('Zweite Fassung');
    await runPublish(folder.dir, { table }, { documentClient: client }, at);
    const rolled = await runPublish(undefined, { table, rollback: 'newsletter-monthly' }, { documentClient: client }, at);
    expect(rolled.lines[0]).toBe('rolled back newsletter-monthly: version 3 has the content of version 1 (was 2); running occurrences keep theirs');
    expect(await runControl('pause', 'newsletter-monthly', { table }, { documentClient: client })).toMatch(/^campaign newsletter-monthly paused/);
    const listed = await runCampaigns({ table }, { documentClient: client }, at);
    expect(listed[1]).toMatch(/^newsletter-monthly\s+newsletter\s+paused\s+3\s/);
    await runControl('archive', 'newsletter-monthly', { table }, { documentClient: client });
    expect((await runCampaigns({ table }, { documentClient: client }, at))[1]).toMatch(/archived\s+3\s.*-$/);
  });
});

describe('pause and resume of one occurrence on DynamoDB', () => {
  it('pauses an occurrence by id and asks for the send queue to resume it', async () => {
    const table = await freshTable();
    const store = createDynamoDeliveryStore({ client, tableName: table });
    const occurrenceId = 'newsletter-monthly:2026-12-01T08:00Z';
    await store.createOccurrence({ occurrenceId, campaignId: 'newsletter-monthly', scheduledAt: '2026-12-01T08:00:00.000Z', state: 'running', totalSegments: 1, createdAt: '2026-12-01T08:00:05.000Z', campaignVersion: 2, stats: {} });
    expect(await runControl('pause', occurrenceId, { table }, { documentClient: client })).toMatch(/^occurrence newsletter-monthly:2026-12-01T08:00Z paused/);
    expect(await store.getOccurrence(occurrenceId)).toMatchObject({ state: 'paused', campaignVersion: 2, pausedReason: 'paused by marketer (stammkunde pause)' });
    await expect(runControl('resume', occurrenceId, { table }, { documentClient: client })).rejects.toThrow('resuming an occurrence needs the send queue: pass --stack, or --send-queue <url>');
  });

  it('pausing a campaign pauses its running occurrence on the table, and resuming the campaign asks for the send queue', async () => {
    const table = await freshTable();
    const store = createDynamoDeliveryStore({ client, tableName: table });
    await runPublish((await campaignsFolder()).dir, { table }, { documentClient: client }, at);
    const occurrenceId = 'newsletter-monthly:2026-12-01T08:00Z';
    await store.createOccurrence({ occurrenceId, campaignId: 'newsletter-monthly', scheduledAt: '2026-12-01T08:00:00.000Z', state: 'running', totalSegments: 1, createdAt: '2026-12-01T08:00:05.000Z', campaignVersion: 1, stats: {} });
    expect(await runControl('pause', 'newsletter-monthly', { table }, { documentClient: client })).toBe('campaign newsletter-monthly paused: no new occurrences, 1 unfinished occurrence holds its remaining mails until resume');
    expect(await store.getOccurrence(occurrenceId)).toMatchObject({ state: 'paused', pausedReason: 'campaign paused by marketer (stammkunde pause <campaignId>)' });
    expect((await store.listPausedOccurrences()).map((p) => p.cause)).toEqual(['person']);
    await expect(runControl('resume', 'newsletter-monthly', { table }, { documentClient: client })).rejects.toThrow('resuming them needs the send queue');
  });
});

describe('publish --stack', () => {
  const cloudFormation = mockClient(CloudFormationClient);
  afterEach(() => cloudFormation.reset());

  it('takes the table name from the stack outputs', async () => {
    const table = await freshTable();
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'Shop', CreationTime: at, StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'TableName', OutputValue: table }, { OutputKey: 'ShopEventBusName', OutputValue: 'bus' }] }],
    });
    const folder = await campaignsFolder();
    const outcome = await runPublish(folder.dir, { stack: 'Shop', region: 'eu-central-1' }, { documentClient: client, cloudFormation: new CloudFormationClient({ region: 'eu-central-1' }) }, at);
    expect(outcome.lines[0]).toBe(`table ${table}:`);
    expect(cloudFormation.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input)).toEqual([{ StackName: 'Shop' }]);
    expect((await scan(table)).length).toBeGreaterThan(0);
  });

  it('fails naming the stack when it has no TableName output', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Other', CreationTime: at, StackStatus: 'CREATE_COMPLETE', Outputs: [] }] });
    const folder = await campaignsFolder();
    await expect(runPublish(folder.dir, { stack: 'Other' }, { documentClient: client, cloudFormation: new CloudFormationClient({ region: 'eu-central-1' }) }, at)).rejects.toThrow(
      'stack "Other" has no output TableName; is it a Stammkunde stack? (outputs: none)',
    );
  });

  it('rejects --table together with --stack', async () => {
    const folder = await campaignsFolder();
    await expect(runPublish(folder.dir, { table: 't', stack: 's' }, { documentClient: client }, at)).rejects.toThrow('give exactly one of --table <name> or --stack <name>');
  });
});

describe('publish: a change mid-occurrence', () => {
  it('leaves the running occurrence on its version and sends the change from the next one', async () => {
    const folder = await campaignsFolder();
    const clock = new SimClock(new Date('2026-11-30T12:00:00Z'));
    const subjects: { occurrenceId: string; subject: string }[] = [];
    const shop = await loadShopInfo();
    const runtime = await createRuntime({
      clock,
      backend: 'local-aws',
      aws,
      idNamespace: 'publish-it',
      shop,
      from: 'news@shop.example',
      unsubscribeBaseUrl: 'https://shop.example/stammkunde',
      keyRing: { current: { id: 'k', secret: 'publish-it-secret-publish-it-secret-0123' }, accepted: [{ id: 'k', secret: 'publish-it-secret-publish-it-secret-0123' }] },
      onSent: (sent) => subjects.push({ occurrenceId: sent.occurrenceId, subject: sent.mail.subject }),
    });
    try {
      const first = await runPublish(folder.dir, { table: aws.tableName }, { documentClient: client }, clock.now());
      expect(first.written).toBe(2);
      await runtime.bus.publish({
        version: '0', id: 'reg-1', source: 'shop', 'detail-type': 'CustomerRegistered', account: '0', time: '2026-11-30T12:00:00Z', region: 'local', resources: [],
        detail: { customerId: 'c-1', email: 'anna@example.com', firstName: 'Anna', locale: 'de-DE', timeZone: 'Europe/Berlin', consent: { marketing: true, at: '2026-11-30T12:00:00Z', source: 'checkout' } },
      });
      await runtime.settle();
      await runtime.confirmConsent('c-1');

      await clock.advanceTo(Date.parse('2026-12-01T08:00:00Z'));
      const { created } = await runtime.tick();
      expect(created).toEqual(['newsletter-monthly:2026-12-01T08:00Z']);
      // The occurrence is fanned out; before its mails go, the marketer publishes a new subject.
      await folder.setSubject('Geänderter Betreff');
      const second = await runPublish(folder.dir, { table: aws.tableName }, { documentClient: client }, clock.now());
      expect(second.lines.join('\n')).toContain('~ campaign newsletter-monthly');
      await runtime.settle();
      expect(subjects).toEqual([{ occurrenceId: 'newsletter-monthly:2026-12-01T08:00Z', subject: 'Anna: drei Röstungen für den Monat' }]);

      await clock.advanceTo(Date.parse('2027-01-01T08:00:00Z'));
      await runtime.tick();
      await runtime.settle();
      expect(subjects.at(-1)).toEqual({ occurrenceId: 'newsletter-monthly:2027-01-01T08:00Z', subject: 'Geänderter Betreff' });
    } finally {
      await runtime.stop();
    }
  }, 60_000);
});
