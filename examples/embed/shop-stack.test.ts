// Synthesizes the example shop stack offline (no AWS account; Lambda bundling skipped as in
// test/infra/synth.ts), with cdk-nag's AwsSolutions plugin the way app.ts registers it.
import { describe, expect, it } from 'vitest';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ShopStack } from './shop-stack';

const synth = () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ShopStack(app, 'ShopStack', { env: { account: '123456789012', region: 'eu-central-1' } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
};

describe('examples/embed: a shop stack with Stammkunde', () => {
  it('synthesizes with the AwsSolutions plugin registered and nothing to report', () => {
    const { app, stack } = synth();
    expect(() => app.synth()).not.toThrow();
    expect(new AwsSolutionsChecks().validateScope(stack).violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('holds the table, the shop bus, the eight functions (with the GDPR and report ones), the minute schedule and the SES identity', () => {
    const template = Template.fromStack(synth().stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.resourceCountIs('AWS::Lambda::Function', 8);
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 minute)' });
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'shop.example' });
    template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
  });

  it('lets the shop backend put events on the Stammkunde bus and the publisher write campaigns', () => {
    const policies = Object.values(Template.fromStack(synth().stack).findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Action: string | string[] }[] } } }[];
    const actionsOf = (role: string) =>
      policies.filter((p) => p.Properties.Roles.some((r) => r.Ref.startsWith(role))).flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s) => [s.Action].flat()));
    expect(actionsOf('ShopBackendRole')).toEqual(['events:PutEvents']);
    expect(actionsOf('CampaignPublisherRole')).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query', 'cloudformation:DescribeStacks']));
  });

  it('outputs the bus name and ARN and the table publish --stack reads', () => {
    const outputs = Object.keys(Template.fromStack(synth().stack).toJSON().Outputs as object);
    expect(outputs).toEqual(expect.arrayContaining([expect.stringMatching(/^StammkundeShopEventBusName/), expect.stringMatching(/^StammkundeShopEventBusArn/), expect.stringMatching(/^StammkundeTableName/)]));
  });
});
