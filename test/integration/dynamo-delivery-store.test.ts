import { afterAll, beforeAll } from 'vitest';
import { createTable, startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { deliveryStoreContract } from '../unit/delivery-store-contract';

let aws: LocalAws;
let tables = 0;

beforeAll(async () => {
  aws = await startLocalAws('dynamo-delivery-store-test');
});
afterAll(() => aws.stop());

// A fresh table per contract test: pause markers and campaigns are listed table-wide.
deliveryStoreContract('dynamodb (dynalite)', async () => {
  const tableName = `delivery-contract-${++tables}`;
  await createTable(aws.dynamoEndpoint, tableName);
  return createDynamoDeliveryStore({ client: createDocumentClient({ endpoint: aws.dynamoEndpoint }), tableName });
});
