// CDK assertions for issue 2's wiring: table, shop bus, rule, events queue + DLQ, ingest Lambda.
import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { TABLE_INDEXES, TABLE_KEYS, type TableIndex } from '#adapters/table';
import { routes } from '#core/routes';
import { shopDetailTypes } from '#core/events';
import { logicalIdAt, synthStack, type Synthesized } from './synth';

let s: Synthesized;
beforeAll(() => {
  s = synthStack();
});

const ref = (logicalId: string) => ({ Ref: logicalId });
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

describe('infra: table', () => {
  it('is on-demand with point-in-time recovery and the expiresAt TTL attribute', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
    });
  });

  it('has exactly the GSIs declared in functions/adapters/table.ts', () => {
    const [table] = Object.values(s.template.findResources('AWS::DynamoDB::Table'));
    const indexes = (table as { Properties: { GlobalSecondaryIndexes: { IndexName: string; KeySchema: { AttributeName: string }[] }[] } })
      .Properties.GlobalSecondaryIndexes;
    expect(indexes.map((gsi) => [gsi.IndexName, ...gsi.KeySchema.map((k) => k.AttributeName)])).toEqual(
      (TABLE_INDEXES as readonly TableIndex[]).map((gsi) => [gsi.indexName, gsi.partitionKey, ...(gsi.sortKey ? [gsi.sortKey] : [])]),
    );
  });

  it('projects the sparse profiles index to the profile map only, keyed by an attribute only profile items carry', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: 'profiles',
          KeySchema: [{ AttributeName: 'profilepk', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['profile'] },
        },
      ]),
    });
  });

  it('is retained with deletion protection by default, destroyed when protectData is false', () => {
    s.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
    synthStack({ protectData: false }).template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });
});

describe('infra: shop events into ingest', () => {
  it('routes exactly the shared shopEvents pattern from the stack bus to the events queue', () => {
    const bus = logicalIdAt(s.stack, s.template, 'AWS::Events::EventBus', 'ShopBus');
    const queue = logicalIdAt(s.stack, s.template, 'AWS::SQS::Queue', 'Ingest/Work/Queue');
    const dlq = logicalIdAt(s.stack, s.template, 'AWS::SQS::Queue', 'Ingest/Work/DeadLetters/Queue');
    s.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: ref(bus),
      EventPattern: { source: ['shop'], 'detail-type': [...shopDetailTypes] },
      Targets: [Match.objectLike({ Arn: arnOf(queue), DeadLetterConfig: { Arn: arnOf(dlq) } })],
    });
    expect(routes.shopEvents.pattern['detail-type']).toEqual(['CustomerRegistered', 'CustomerUpdated', 'OrderPlaced', 'OrderRefunded', 'NpsSubmitted']);
  });

  it('routes the endpoint\'s ConsentConfirmed and tick\'s CouponExpiring (source stammkunde) back to the events queue, no other own event', () => {
    const bus = logicalIdAt(s.stack, s.template, 'AWS::Events::EventBus', 'ShopBus');
    const queue = logicalIdAt(s.stack, s.template, 'AWS::SQS::Queue', 'Ingest/Work/Queue');
    s.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: ref(bus),
      EventPattern: { source: ['stammkunde'], 'detail-type': ['ConsentConfirmed', 'CouponExpiring'] },
      Targets: [Match.objectLike({ Arn: arnOf(queue) })],
    });
  });

  it('redrives the events queue to its DLQ after 5 receives, both encrypted', () => {
    const dlq = logicalIdAt(s.stack, s.template, 'AWS::SQS::Queue', 'Ingest/Work/DeadLetters/Queue');
    s.template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: arnOf(dlq), maxReceiveCount: 5 },
      SqsManagedSseEnabled: true,
    });
    expect(s.template.toJSON().Resources[dlq].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
  });

  it('denies non-TLS access to both queues', () => {
    for (const path of ['Ingest/Work/Queue', 'Ingest/Work/DeadLetters/Queue']) {
      const queue = logicalIdAt(s.stack, s.template, 'AWS::SQS::Queue', path);
      s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(queue)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('alarms when the ingest DLQ holds a message', () => {
    const dlq = logicalIdAt(s.stack, s.template, 'AWS::SQS::Queue', 'Ingest/Work/DeadLetters/Queue');
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('runs ingest on Node 24, arm64, with the table name and Powertools settings', () => {
    const table = logicalIdAt(s.stack, s.template, 'AWS::DynamoDB::Table', 'Data/Table');
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 30,
      Environment: {
        Variables: {
          TABLE_NAME: ref(table),
          POWERTOOLS_SERVICE_NAME: 'stammkunde-ingest',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          POWERTOOLS_METRICS_NAMESPACE: 'Stammkunde',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  it('gives the events queue a visibility timeout of 6 ingest timeouts', () => {
    const fn = logicalIdAt(s.stack, s.template, 'AWS::Lambda::Function', 'Ingest/Worker/Function');
    const queue = logicalIdAt(s.stack, s.template, 'AWS::SQS::Queue', 'Ingest/Work/Queue');
    const resources = s.template.toJSON().Resources;
    expect(resources[queue].Properties.VisibilityTimeout).toBe(6 * resources[fn].Properties.Timeout);
  });

  it('consumes the events queue in batches of 10 with partial batch failures', () => {
    const fn = logicalIdAt(s.stack, s.template, 'AWS::Lambda::Function', 'Ingest/Worker/Function');
    const queue = logicalIdAt(s.stack, s.template, 'AWS::SQS::Queue', 'Ingest/Work/Queue');
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(fn),
      EventSourceArn: arnOf(queue),
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('grants ingest only its log group, its queue, the table item calls its stores make and PutEvents on the shop bus', () => {
    const bus = logicalIdAt(s.stack, s.template, 'AWS::Events::EventBus', 'ShopBus');
    const role = logicalIdAt(s.stack, s.template, 'AWS::IAM::Role', 'Ingest/Worker/Role');
    const table = logicalIdAt(s.stack, s.template, 'AWS::DynamoDB::Table', 'Data/Table');
    const queue = logicalIdAt(s.stack, s.template, 'AWS::SQS::Queue', 'Ingest/Work/Queue');
    const logs = logicalIdAt(s.stack, s.template, 'AWS::Logs::LogGroup', 'Ingest/Worker/Logs');
    s.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [ref(role)],
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arnOf(logs) },
          {
            Effect: 'Allow',
            Action: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
            Resource: arnOf(queue),
          },
          {
            Effect: 'Allow',
            Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
            Resource: arnOf(table),
          },
          { Effect: 'Allow', Action: 'events:PutEvents', Resource: arnOf(bus) },
        ],
      },
    });
    // No managed policies (AWSLambdaBasicExecutionRole would allow writing to any log group).
    expect(s.template.toJSON().Resources[role].Properties.ManagedPolicyArns).toBeUndefined();
  });
});
