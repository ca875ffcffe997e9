// Real local stand-ins for AWS, started in-process on 127.0.0.1 and free ports:
// dynalite (DynamoDB API) and aws-ses-v2-local (SES v2 API with a web UI at its root).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import sesModule from 'aws-ses-v2-local';
// aws-ses-v2-local is CommonJS with __esModule: Node's ESM loader (tsx, npm start) hands over
// module.exports, bundlers and vitest its `default`; take the function either way.
const startSes = ((sesModule as unknown as { default?: typeof sesModule }).default ?? sesModule) as typeof sesModule;
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { TABLE_INDEXES, TABLE_KEYS, type TableIndex } from '#adapters/table';

export interface LocalServer {
  endpoint: string;
  stop(): Promise<void>;
}

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
};

const close = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });

export const startDynalite = async (): Promise<LocalServer> => {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  const endpoint = await listen(server);
  return { endpoint, stop: () => close(server) };
};

/** What the local SES answers to GetAccount (aws-ses-v2-local reads it from AWS_SES_ACCOUNT). */
export const localSesAccount = (maxSendRate = 100) => ({
  DedicatedIpAutoWarmupEnabled: false,
  Details: {
    AdditionalContactEmailAddresses: [],
    ContactLanguage: 'EN',
    MailType: 'MARKETING',
    ReviewDetails: { CaseId: 'local', Status: 'GRANTED' },
    UseCaseDescription: 'Stammkunde embedded runtime',
    WebsiteURL: 'https://shop.example',
  },
  EnforcementStatus: 'HEALTHY',
  ProductionAccessEnabled: true,
  SendingEnabled: true,
  SendQuota: { Max24HourSend: 1_000_000, MaxSendRate: maxSendRate, SentLast24Hours: 0 },
  SuppressionAttributes: { SuppressedReasons: [] },
});

export const startSesLocal = async (): Promise<LocalServer> => {
  process.env.AWS_SES_ACCOUNT ??= JSON.stringify(localSesAccount());
  // aws-ses-v2-local listens itself; port 0 gives a free port.
  const server = await startSes({ host: '127.0.0.1', port: 0 });
  if (!server.listening) await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => close(server) };
};

/** Creates the single table with its GSIs and TTL, and waits until it is ACTIVE. */
export const createTable = async (endpoint: string, tableName: string): Promise<void> => {
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const attributes = new Set<string>([TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey]);
  const indexes: readonly TableIndex[] = TABLE_INDEXES;
  for (const index of indexes) {
    attributes.add(index.partitionKey);
    if (index.sortKey) attributes.add(index.sortKey);
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: indexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' as const }] : []),
        ],
        Projection: index.projection ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection] } : { ProjectionType: 'ALL' },
      })),
    }),
  );
  for (let attempt = 0; attempt < 200; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await client
    .send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TABLE_KEYS.ttlAttribute, Enabled: true },
      }),
    )
    .catch(() => undefined); // dynalite does not implement TTL; AWS does (the stack sets it).
  client.destroy();
};

export interface LocalAws {
  dynamoEndpoint: string;
  sesEndpoint: string;
  tableName: string;
  stop(): Promise<void>;
}

/** dynalite + SES local + the table: what tests and the embedded runtime start. */
export const startLocalAws = async (tableName = 'stammkunde'): Promise<LocalAws> => {
  const started = await Promise.allSettled([startDynalite(), startSesLocal()]);
  const [dynamoResult, sesResult] = started;
  if (dynamoResult.status === 'rejected' || sesResult.status === 'rejected') {
    // Stop whichever did start, so a failed start exits instead of hanging on an open port.
    await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    const reason = dynamoResult.status === 'rejected' ? dynamoResult.reason : (sesResult as PromiseRejectedResult).reason;
    throw new Error(`could not start the local AWS servers: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
  const dynamo = dynamoResult.value;
  const ses = sesResult.value;
  try {
    await createTable(dynamo.endpoint, tableName);
  } catch (error) {
    await Promise.all([dynamo.stop(), ses.stop()]);
    throw error;
  }
  return {
    dynamoEndpoint: dynamo.endpoint,
    sesEndpoint: ses.endpoint,
    tableName,
    stop: async () => {
      await Promise.all([dynamo.stop(), ses.stop()]);
    },
  };
};
