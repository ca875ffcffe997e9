// cdk-nag (v3, a CDK policy-validation plugin) on the whole stack: no unacknowledged AwsSolutions
// errors or warnings, and every acknowledgement carries a real reason.
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { buildStack, synthStack, testApp, type Synthesized } from './synth';

let s: Synthesized;
beforeAll(() => {
  s = synthStack();
});

/** Every acknowledgement recorded with Validations.of(x).acknowledge(...) below `root`. */
const acknowledgements = (root: IConstruct): { path: string; id: string; reason: string }[] =>
  root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id, reason })),
      ),
  );

describe('infra: cdk-nag AwsSolutions', () => {
  it('finds no unacknowledged errors or warnings in the stack', () => {
    const report = new AwsSolutionsChecks().validateScope(s.stack);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('lets the app synthesize with the AwsSolutions plugin registered', () => {
    const app = testApp();
    buildStack(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // The plugin interrupts synthesis on any violation; this is the path `npx cdk synth` takes.
    expect(() => app.synth()).not.toThrow();
  });

  it('fails a queue without DLQ and TLS enforcement, so the check above can fail', () => {
    const stack = new Stack(new App(), 'Probe');
    new sqs.Queue(stack, 'Plain');
    const rules = new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });

  it('has no CDK error annotations on the stack', () => {
    expect(Annotations.fromStack(s.stack).findError('*', Match.anyValue())).toEqual([]);
  });

  it('acknowledges only the IAM5 findings IAM cannot narrow (schedule invoke, GetAccount for audience, send and tick, the export prefix), the two service DLQs, the token secret rotation, the export and report access-log buckets\' own logging and the report\'s prefix and schedule', () => {
    expect(acknowledgements(s.stack).map((ack) => `${ack.path} ${ack.id.replace(/^annotation::/i, '')}`).sort()).toEqual([
      // ses:GetAccount: audience reads the rate for its back-pressure when none is configured.
      'Stammkunde/Default/Delivery/Audience/Worker/Role AwsSolutions-IAM5[Resource::*]',
      expect.stringMatching(/^Stammkunde\/Default\/Delivery\/ScheduleRole AwsSolutions-IAM5\[Resource::<DeliveryTickFunction[0-9A-F]{8}\.Arn>:\*\]$/),
      'Stammkunde/Default/Delivery/Send/Worker/Role AwsSolutions-IAM5[Resource::*]',
      'Stammkunde/Default/Delivery/Tick/Role AwsSolutions-IAM5[Resource::*]',
      'Stammkunde/Default/Delivery/TickDeadLetters/Queue AwsSolutions-SQS3',
      'Stammkunde/Default/Delivery/TokenSecret AwsSolutions-SMG4',
      // The server access log bucket of the export bucket does not log itself.
      'Stammkunde/Default/Exports/AccessLogs AwsSolutions-S1',
      // exports/<customerId>/<requestId>.json: objects named per request, unknown at deploy time.
      expect.stringMatching(/^Stammkunde\/Default\/Gdpr\/Role AwsSolutions-IAM5\[Resource::<ExportsBucket[0-9A-F]{8}\.Arn>\/exports\/\*\]$/),
      'Stammkunde/Default/GdprDeadLetters/Queue AwsSolutions-SQS3',
      // The report bucket's access-log bucket, the report's Scheduler DLQ and invoke grant, the reports/ prefix.
      'Stammkunde/Default/Report/AccessLogs AwsSolutions-S1',
      'Stammkunde/Default/Report/DeadLetters/Queue AwsSolutions-SQS3',
      expect.stringMatching(/^Stammkunde\/Default\/Report\/Function\/Role AwsSolutions-IAM5\[Resource::<ReportBucket[0-9A-F]{8}\.Arn>\/reports\/\*\]$/),
      expect.stringMatching(/^Stammkunde\/Default\/Report\/ScheduleRole AwsSolutions-IAM5\[Resource::<ReportFunction[0-9A-F]{8}\.Arn>:\*\]$/),
    ]);
  });

  it('gives every acknowledgement a reason of at least a sentence', () => {
    const acks = acknowledgements(s.stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThanOrEqual(80);
    }
  });
});
