// Where the AWS commands (publish, campaigns, pause, resume, archive) act: a table given by name,
// or a deployed stack whose outputs name it (and the send queue). Clients use the SDK's default
// credential chain (environment, profile, SSO, instance role); tests pass their own clients.
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '#adapters/aws-clients';
import { createCloudFormationClient, readStackOutputs } from '#adapters/cloudformation';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { SqsWorkQueue } from '#adapters/sqs-work-queue';
import type { DeliveryStore } from '#core/delivery-store';
import type { SendQueue } from '#core/delivery/ports';
import type { Command } from 'commander';

/** Stack output keys the construct writes (infra/constructs/stammkunde.ts). */
export const OUTPUT_KEYS = { table: 'TableName', sendQueue: 'SendQueueUrl' } as const;

export interface TargetFlags {
  table?: string;
  stack?: string;
  region?: string;
  sendQueue?: string;
}

export interface AwsClients {
  documentClient?: DynamoDBDocumentClient;
  cloudFormation?: CloudFormationClient;
  sqs?: SQSClient;
}

export interface Target {
  tableName: string;
  store: DeliveryStore;
  /** The table's client, for the stores beyond delivery (breaker, customers, GDPR). */
  client: DynamoDBDocumentClient;
  /** Set when --send-queue is given or the stack outputs name it. */
  sendQueue?: SendQueue;
  close(): void;
}

export const addTargetOptions = (command: Command): Command =>
  command
    .option('--table <name>', 'the Stammkunde DynamoDB table')
    .option('--stack <name>', 'a deployed Stammkunde stack: its outputs name the table')
    .option('--region <region>', 'AWS region (default: AWS_REGION or the profile)');

/** --region, else what the SDK's default chain finds (AWS_REGION, the profile's region). */
const resolveRegion = async (flag: string | undefined): Promise<string> => {
  if (flag) return flag;
  const probe = new DynamoDBClient({});
  try {
    return await probe.config.region();
  } catch {
    throw new Error('no AWS region: pass --region, set AWS_REGION, or set a region in your AWS profile');
  } finally {
    probe.destroy();
  }
};

export const resolveTarget = async (flags: TargetFlags, clients: AwsClients = {}): Promise<Target> => {
  if ((flags.table === undefined) === (flags.stack === undefined)) throw new Error('give exactly one of --table <name> or --stack <name>');
  // One region for all three clients, so the stack, its table and its queue are looked up together.
  const region = clients.documentClient && (flags.stack === undefined || clients.cloudFormation) ? flags.region : await resolveRegion(flags.region);
  let tableName = flags.table;
  let sendQueueUrl = flags.sendQueue;
  if (flags.stack !== undefined) {
    const cloudFormation = clients.cloudFormation ?? createCloudFormationClient(region);
    const outputs = await readStackOutputs(cloudFormation, flags.stack);
    if (!clients.cloudFormation) cloudFormation.destroy();
    tableName = outputs[OUTPUT_KEYS.table];
    if (!tableName) throw new Error(`stack "${flags.stack}" has no output ${OUTPUT_KEYS.table}; is it a Stammkunde stack? (outputs: ${Object.keys(outputs).join(', ') || 'none'})`);
    sendQueueUrl ??= outputs[OUTPUT_KEYS.sendQueue];
  }
  const documentClient = clients.documentClient ?? createDocumentClient(region ? { region } : {});
  const sqs = sendQueueUrl ? (clients.sqs ?? new SQSClient(region ? { region } : {})) : undefined;
  return {
    tableName: tableName!,
    store: createDynamoDeliveryStore({ client: documentClient, tableName: tableName! }),
    client: documentClient,
    ...(sqs && sendQueueUrl ? { sendQueue: new SqsWorkQueue(sqs, sendQueueUrl) } : {}),
    close() {
      if (!clients.documentClient) documentClient.destroy();
      if (sqs && !clients.sqs) sqs.destroy();
    },
  };
};
