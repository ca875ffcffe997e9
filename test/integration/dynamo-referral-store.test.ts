import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createTable, startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoReferralStore } from '#adapters/dynamo-referral-store';
import { referralStoreContract } from '../unit/referral-store-contract';

let aws: LocalAws;
let tables = 0;
const client = () => createDocumentClient({ endpoint: aws.dynamoEndpoint });

beforeAll(async () => {
  aws = await startLocalAws('referral-store-test');
});
afterAll(() => aws.stop());

referralStoreContract('dynamodb (dynalite)', async () => {
  const tableName = `referrals-${++tables}`;
  await createTable(aws.dynamoEndpoint, tableName);
  return createDynamoReferralStore({ client: client(), tableName });
});

describe('dynamodb referral store: item layout', () => {
  it('keeps the customer\'s own code in the customer\'s partition, where a GDPR erase finds it', async () => {
    const store = createDynamoReferralStore({ client: client(), tableName: aws.tableName });
    await store.setCodeOf('anna', 'ABCD2345');
    const { Item } = await client().send(new GetCommand({ TableName: aws.tableName, Key: { pk: 'CUST#anna', sk: 'REFERRALCODE' } }));
    expect(Item?.code).toBe('ABCD2345');
  });
});
