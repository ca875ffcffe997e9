// The stack's alarms notify one encrypted SNS topic; an e-mail subscription comes from context.
import { describe, expect, it } from 'vitest';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { CONTEXT_KEYS, readStackConfig } from '../../infra/stacks/config';
import { logicalIdAt, synthStack } from './synth';

describe('infra: alarms', () => {
  const s = synthStack({ alarmEmail: 'ops@shop.example' });
  const topic = logicalIdAt(s.stack, s.template, 'AWS::SNS::Topic', 'AlarmTopic');

  it('gives every alarm the alarm topic as its action (the DLQ alarms and the breaker alarm)', () => {
    const alarms = Object.values(s.template.findResources('AWS::CloudWatch::Alarm')) as { Properties: { AlarmActions?: unknown[] } }[];
    expect(alarms.length).toBeGreaterThanOrEqual(6);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
  });

  it('encrypts the topic with a rotated customer managed key CloudWatch may use', () => {
    const key = logicalIdAt(s.stack, s.template, 'AWS::KMS::Key', 'AlarmTopicKey');
    s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
    s.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]) },
    });
  });

  it('subscribes the alarm e-mail address, and none without one', () => {
    s.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@shop.example', TopicArn: { Ref: topic } });
    expect(Object.keys(synthStack().template.findResources('AWS::SNS::Subscription'))).toHaveLength(0);
  });

  it('raises the breaker alarm on the feedback function\'s ReputationBreakerTripped metric', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Stammkunde',
      MetricName: 'ReputationBreakerTripped',
      Dimensions: [{ Name: 'service', Value: 'feedback' }],
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('raises the coupon pool alarm on the send function\'s CouponPoolExhausted metric', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Stammkunde',
      MetricName: 'CouponPoolExhausted',
      Dimensions: [{ Name: 'service', Value: 'send' }],
      Threshold: 1,
      AlarmActions: [{ Ref: topic }],
    });
  });

  it('routes the shop\'s GDPR requests on the shop bus to the gdpr function, which may read, query, anonymise and delete by key, and query the coupon index', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['shop'], 'detail-type': ['CustomerExportRequested', 'CustomerErasureRequested'] },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdAt(s.stack, s.template, 'AWS::Lambda::Function', 'Gdpr/Function'), 'Arn'] } })],
    });
    const role = logicalIdAt(s.stack, s.template, 'AWS::IAM::Role', 'Gdpr/Role');
    const policies = Object.values(s.template.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Action: string | string[] }[] } } }[];
    const actions = policies.filter((p) => p.Properties.Roles.some((r) => r.Ref === role)).flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((st) => st.Action)).filter((a) => a.startsWith('dynamodb:'));
    // UpdateItem/DeleteItem and the gsi1 Query: erase anonymises coupons found through each campaign's coupon index.
    expect(actions).toEqual(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query']);
  });

  it('writes GDPR exports to a private, encrypted, TLS-only, unversioned bucket that expires them after 7 days and logs access, with PutObject/GetObject on exports/ only', () => {
    const bucketId = logicalIdAt(s.stack, s.template, 'AWS::S3::Bucket', 'Exports/Bucket');
    const logsId = logicalIdAt(s.stack, s.template, 'AWS::S3::Bucket', 'Exports/AccessLogs');
    const bucket = s.template.toJSON().Resources[bucketId].Properties;
    expect(bucket).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ Prefix: 'exports/', ExpirationInDays: 7, Status: 'Enabled' })] },
      LoggingConfiguration: { DestinationBucketName: { Ref: logsId } },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(bucket.VersioningConfiguration).toBeUndefined();
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    const fn = s.template.toJSON().Resources[logicalIdAt(s.stack, s.template, 'AWS::Lambda::Function', 'Gdpr/Function')].Properties;
    expect(fn.Environment.Variables).toMatchObject({ EXPORT_BUCKET: { Ref: bucketId }, EXPORT_LINK_SECONDS: '900' });
    const role = logicalIdAt(s.stack, s.template, 'AWS::IAM::Role', 'Gdpr/Role');
    const policies = Object.values(s.template.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }[];
    const s3Statements = policies.filter((p) => p.Properties.Roles.some((r) => r.Ref === role)).flatMap((p) => p.Properties.PolicyDocument.Statement).filter((st) => [st.Action].flat().some((a) => a.startsWith('s3:')));
    expect(s3Statements).toEqual([expect.objectContaining({ Action: ['s3:PutObject', 's3:GetObject'], Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/exports/*']] } })]);
  });

  it('passes the breaker limits to feedback, send and tick, and fails the synth on a limit at SES\'s threshold', () => {
    const withLimits = synthStack({ breaker: { maxBounceRate: 0.03 } });
    const envs = Object.values(withLimits.template.findResources('AWS::Lambda::Function')) as { Properties: { Environment?: { Variables?: Record<string, string> } } }[];
    const configured = envs.filter((f) => f.Properties.Environment?.Variables?.BREAKER_CONFIG);
    expect(configured).toHaveLength(3);
    expect(JSON.parse(configured[0]!.Properties.Environment!.Variables!.BREAKER_CONFIG!)).toMatchObject({ maxBounceRate: 0.03, minSends: 500 });
    expect(() => synthStack({ breaker: { maxComplaintRate: 0.001 } })).toThrow(/breaker maxComplaintRate 0.001: must be above 0 and below SES's 0.001/);
  });

  it('reads stammkunde:alarmEmail from context and rejects a malformed one naming the key', () => {
    const valid = {
      [CONTEXT_KEYS.senderAddress]: 'news@shop.example',
      [CONTEXT_KEYS.senderIdentity]: 'shop.example',
      [CONTEXT_KEYS.publicBaseUrl]: 'https://mail.shop.example',
      [CONTEXT_KEYS.shopInfo]: { name: 'Shop', url: 'https://shop.example', imprint: 'Shop GmbH', address: 'Str. 1, Berlin' },
    };
    expect(readStackConfig(new App({ context: { ...valid, 'stammkunde:alarmEmail': 'ops@shop.example' } })).alarmEmail).toBe('ops@shop.example');
    expect(() => readStackConfig(new App({ context: { ...valid, 'stammkunde:alarmEmail': 'ops' } }))).toThrow(/context "stammkunde:alarmEmail" "ops"/);
  });
});
