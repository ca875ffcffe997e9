// The one DynamoDB table's shape, shared by the CDK stack and the embedded runtime so both
// create the same keys and indexes. Access patterns per entity are written down in store modules.
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
} as const;

/**
 * Profiles only (sparse: only profile items carry `profilepk` = "CUST#<id>"), for the audience's
 * parallel scan. Projects the `profile` map alone: segment rules read any profile field
 * (attributes are free-form), but never the idempotency window `applied` or the other GSI keys.
 */
export const PROFILE_INDEX = { indexName: 'profiles', partitionKey: 'profilepk', projection: ['profile'] } as const;

/** Global secondary indexes; only those an access pattern needs (DESIGN §4). */
export const TABLE_INDEXES = [
  /** email -> customer ("EMAIL#<lower-case email>"); due deliveries by hour ("DUEHOUR#<YYYY-MM-DDTHH>", tick's next non-empty bucket). */
  { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** birthday "BDAY#MM-DD" -> customers. */
  { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  /** due-time bucket "DUE#<YYYY-MM-DDTHH:MM>" -> deliveries. */
  { indexName: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  PROFILE_INDEX,
] as const satisfies readonly TableIndex[];

export interface TableIndex {
  indexName: string;
  partitionKey: string;
  sortKey?: string;
  /** Non-key attributes the index holds; absent: all attributes. */
  projection?: readonly string[];
}

export type IndexName = (typeof TABLE_INDEXES)[number]['indexName'];
