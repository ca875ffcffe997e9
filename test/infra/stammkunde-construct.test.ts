// The Stammkunde L3 construct: our stack is a thin wrapper that keeps the logical ids deployed
// stacks have (no replaced table), the outputs publish and the shop backend need, the grants, and
// one-line errors for props a synth can check.
import { describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Stammkunde } from '../../infra/constructs/stammkunde';
import { synthStack, TEST_CONFIG, TEST_ENV } from './synth';

const props = { sender: 'Shop <news@shop.example>', publicBaseUrl: TEST_CONFIG.publicBaseUrl, shopInfo: TEST_CONFIG.shopInfo };
const embedded = (extra: Partial<ConstructorParameters<typeof Stammkunde>[2]> = {}) => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Shop', { env: TEST_ENV });
  const stammkunde = new Stammkunde(stack, 'Stammkunde', { ...props, ...extra });
  return { app, stack, stammkunde };
};
const policyStatements = (template: Template, roleLogicalId: string) =>
  Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(roleLogicalId))
    .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } } }).Properties.PolicyDocument.Statement);

describe('infra: the Stammkunde construct', () => {
  it('keeps the logical ids the stack had before the construct (table, bus, token secret)', () => {
    const { template } = synthStack();
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toEqual(['DataTableFDBAD0F2']);
    expect(Object.keys(template.findResources('AWS::Events::EventBus'))).toEqual(['ShopBusA088BF71']);
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret'))).toEqual(['DeliveryTokenSecret762FE2B9']);
  });

  it('outputs the bus name and ARN, the table and the send queue', () => {
    const { template } = synthStack();
    expect(Object.keys(template.toJSON().Outputs as object).sort()).toEqual(['AlarmTopicArn', 'ConfigurationSetName', 'CustomerEndpointFunctionUrl', 'CustomerEndpointUrl', 'ExportBucketName', 'GdprFunctionName', 'ReportBucketName', 'SendQueueUrl', 'ShopEventBusArn', 'ShopEventBusName', 'TableName']);
    template.hasOutput('ShopEventBusArn', { Value: { 'Fn::GetAtt': ['ShopBusA088BF71', 'Arn'] } });
  });

  it('grants the shop backend events:PutEvents on its bus only', () => {
    const { stack, stammkunde } = embedded();
    const backend = new iam.Role(stack, 'ShopBackend', { assumedBy: new iam.AccountRootPrincipal() });
    stammkunde.grantPutEvents(backend);
    const template = Template.fromStack(stack);
    const statements = policyStatements(template, stack.getLogicalId(backend.node.defaultChild as iam.CfnRole));
    expect(statements).toEqual([expect.objectContaining({ Action: 'events:PutEvents', Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^StammkundeShopBus/), 'Arn'] } })]);
  });

  it('grants a CI role what publish needs and no Scan', () => {
    const { stack, stammkunde } = embedded();
    const ci = new iam.Role(stack, 'Ci', { assumedBy: new iam.AccountRootPrincipal() });
    stammkunde.grantPublish(ci);
    const actions = policyStatements(Template.fromStack(stack), stack.getLogicalId(ci.node.defaultChild as iam.CfnRole)).flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'sqs:SendMessage', 'cloudformation:DescribeStacks']));
    expect(actions).not.toContain('dynamodb:Scan');
  });

  it('creates the SES identity with Easy DKIM and outputs its three CNAME records when asked', () => {
    const { stack } = embedded({ createEmailIdentity: true });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'shop.example', DkimSigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' } });
    expect(Object.keys(template.toJSON().Outputs as object).filter((k) => k.includes('DkimRecord'))).toHaveLength(3);
    expect(new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('rejects an http publicBaseUrl in one line naming the prop and the value', () => {
    expect(() => embedded({ publicBaseUrl: 'http://mail.shop.example' })).toThrow(/^Stammkunde publicBaseUrl "http:\/\/mail\.shop\.example" must be https/);
    expect(() => embedded({ publicBaseUrl: 'mail.shop.example' })).toThrow(/must be https/);
  });

  it('sends as the identity of the sender domain by default', () => {
    const policies = JSON.stringify(Template.fromStack(embedded().stack).findResources('AWS::IAM::Policy'));
    expect(policies).toContain(':identity/shop.example"');
    expect(JSON.stringify(Template.fromStack(embedded({ senderIdentity: 'news@shop.example' }).stack).findResources('AWS::IAM::Policy'))).toContain(':identity/news@shop.example"');
  });
});
