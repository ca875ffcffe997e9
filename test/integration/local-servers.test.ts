import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetAccountCommand } from '@aws-sdk/client-sesv2';
import { startLocalAws, type LocalAws } from '#local/servers';
import { createSesClient } from '#adapters/aws-clients';

describe('local servers', () => {
  let aws: LocalAws;
  beforeAll(async () => {
    aws = await startLocalAws('servers-test');
  });
  afterAll(() => aws.stop());

  it('creates the table with its four GSIs on dynalite, ACTIVE', async () => {
    const client = new DynamoDBClient({ endpoint: aws.dynamoEndpoint, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'servers-test' }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(['gsi1', 'gsi2', 'gsi3', 'profiles']);
    expect(aws.dynamoEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers SES v2 calls on a free loopback port', async () => {
    const ses = createSesClient({ endpoint: aws.sesEndpoint });
    const account = await ses.send(new GetAccountCommand({}));
    expect(account.SendQuota?.MaxSendRate).toBeGreaterThan(0);
    expect(aws.sesEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
