// StammkundeTable: the one DynamoDB table (DESIGN §4), its keys and GSIs taken from
// functions/adapters/table.ts so the stack and the embedded runtime build the same shape.
// Grants are per action and per index: a function gets exactly the calls its store makes.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE_INDEXES, TABLE_KEYS, type IndexName, type TableIndex } from '#adapters/table';

/** DynamoDB item-level calls a store may make. TransactWriteItems needs the actions of its parts. */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'Scan'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'ConditionCheckItem';

/** Lets `grantee` make the given item-level calls on `table` itself (not its indexes). */
export const grantTableActions = (table: dynamodb.ITable, grantee: iam.IGrantable, ...actions: TableAction[]): iam.Grant =>
  iam.Grant.addToPrincipal({ grantee, actions: actions.map((action) => `dynamodb:${action}`), resourceArns: [table.tableArn] });

/** Lets `grantee` query one global secondary index of `table`. */
export const grantTableIndexQuery = (table: dynamodb.ITable, grantee: iam.IGrantable, indexName: IndexName): iam.Grant =>
  iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [`${table.tableArn}/index/${indexName}`] });

/** Lets `grantee` scan one global secondary index of `table` (and nothing else of it). */
export const grantTableIndexScan = (table: dynamodb.ITable, grantee: iam.IGrantable, indexName: IndexName): iam.Grant =>
  iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:Scan'], resourceArns: [`${table.tableArn}/index/${indexName}`] });

/** Lets `grantee` read the table's description (item counts, refreshed about every 6 hours). */
export const grantTableDescribe = (table: dynamodb.ITable, grantee: iam.IGrantable): iam.Grant =>
  iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:DescribeTable'], resourceArns: [table.tableArn] });

export interface StammkundeTableProps {
  /**
   * What happens to the table (customer data) when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Refuse DeleteTable calls until switched off.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

export class StammkundeTable extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StammkundeTableProps = {}) {
    super(scope, id);

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    for (const index of TABLE_INDEXES as readonly TableIndex[]) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        ...(index.sortKey ? { sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING } } : {}),
        ...(index.projection
          ? { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...index.projection] }
          : { projectionType: dynamodb.ProjectionType.ALL }),
      });
    }
  }

  public get tableName(): string {
    return this.table.tableName;
  }

  /** Lets `grantee` make the given item-level calls on the table itself (not its indexes). */
  public grantItemActions(grantee: iam.IGrantable, ...actions: TableAction[]): iam.Grant {
    return grantTableActions(this.table, grantee, ...actions);
  }

  /** Lets `grantee` query one global secondary index. */
  public grantIndexQuery(grantee: iam.IGrantable, indexName: IndexName): iam.Grant {
    return grantTableIndexQuery(this.table, grantee, indexName);
  }
}
