// The weekly retention report on AWS: a Scheduler cron in the report's zone invokes the report
// function, which may only read the table (GetItem, Query) and put objects under reports/ of a
// private, encrypted, TLS-only bucket; ingest keeps its month counters in the same zone and W.
import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { logicalIdAt, synthStack, type Synthesized } from './synth';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Stammkunde } from '../../infra/constructs/stammkunde';

let s: Synthesized;
beforeAll(() => {
  s = synthStack();
});

const functionEnv = (pathPart: string): Record<string, unknown> => {
  const id = logicalIdAt(s.stack, s.template, 'AWS::Lambda::Function', pathPart);
  return (s.template.toJSON().Resources[id].Properties.Environment.Variables ?? {}) as Record<string, unknown>;
};

describe('infra: weekly retention report', () => {
  it('runs the report function every Monday 06:00 in the report\'s zone with the scheduled time', () => {
    const reportFn = logicalIdAt(s.stack, s.template, 'AWS::Lambda::Function', 'Report/Function');
    s.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 ? * MON *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [reportFn, 'Arn'] }, Input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }), RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 3 }) }),
    });
  });

  it('keeps reports in a private, encrypted, TLS-only bucket with access logs, and outputs its name', () => {
    const bucket = logicalIdAt(s.stack, s.template, 'AWS::S3::Bucket', 'Report/Bucket');
    const props = s.template.toJSON().Resources[bucket].Properties;
    expect(props.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(props.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(props.LoggingConfiguration.LogFilePrefix).toBe('reports/');
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    expect(s.template.findOutputs('ReportBucketName')).not.toEqual({});
  });

  it('lets the report function read the table by key and Query only, and put objects under reports/', () => {
    const role = logicalIdAt(s.stack, s.template, 'AWS::IAM::Role', 'Report/Function/Role');
    const policies = Object.values(s.template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles).includes(role));
    const actions = policies.flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((st: { Action: string | string[] }) => [st.Action].flat()));
    expect(actions.sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'logs:CreateLogStream', 'logs:PutLogEvents', 's3:PutObject']);
    expect(JSON.stringify(policies)).toContain('/reports/*');
  });

  it('tells ingest and the report the same zone and window', () => {
    expect(functionEnv('Ingest/')).toMatchObject({ REPORT_TIME_ZONE: 'Europe/Berlin', REPORT_ACTIVE_DAYS: '365' });
    expect(functionEnv('Report/Function')).toMatchObject({ REPORT_TIME_ZONE: 'Europe/Berlin', REPORT_ACTIVE_DAYS: '365', REPORT_LANG: 'de' });
    expect(functionEnv('Report/Function')).not.toHaveProperty('REPORT_MAIL_TO');
  });

  it('mails the summary to a configured marketer only when asked, with SendEmail on the sender identity', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Probe', { env: { account: '123456789012', region: 'eu-central-1' } });
    new Stammkunde(stack, 'Sk', {
      sender: 'news@shop.example',
      publicBaseUrl: 'https://mail.shop.example',
      shopInfo: { name: 'Shop', url: 'https://shop.example', imprint: 'Shop GmbH', address: 'Str. 1' },
      report: { timeZone: 'America/New_York', activeDays: 180, language: 'en', mailTo: 'marketing@shop.example' },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ REPORT_MAIL_TO: 'marketing@shop.example', SENDER_ADDRESS: 'news@shop.example', REPORT_TIME_ZONE: 'America/New_York', REPORT_ACTIVE_DAYS: '180', REPORT_LANG: 'en' }) } });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpressionTimezone: 'America/New_York' });
    template.hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'ses:SendEmail' })]) }, Roles: Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('SkReportFunctionRole') })]) });
  });
});
