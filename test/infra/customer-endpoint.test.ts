import { describe, expect, it } from 'vitest';
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readStackConfig } from '../../infra/stacks/config';
import { logicalIdAt, synthStack } from './synth';

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

describe('infra: customer endpoint', () => {
  const s = synthStack();

  it('serves the track function through a Function URL without IAM auth and outputs its origin', () => {
    s.template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', InvokeMode: 'BUFFERED' });
    const outputs = Object.keys(s.template.findOutputs('*'));
    expect(outputs.some((o) => o.startsWith('CustomerEndpointUrl'))).toBe(true);
    expect(outputs.some((o) => o.startsWith('CustomerEndpointFunctionUrl'))).toBe(true);
  });

  it('caps the track function at 10 concurrent instances, so a scanner cannot run up the bill', () => {
    const id = logicalIdAt(s.stack, s.template, 'AWS::Lambda::Function', 'CustomerEndpoint/Track');
    expect(s.template.toJSON().Resources[id].Properties.ReservedConcurrentExecutions).toBe(10);
  });

  it('grants the track role item reads and writes on the table, PutEvents on the bus and the token keys secret, nothing more', () => {
    const policies = Object.values(s.template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes('CustomerEndpointTrackRole'),
    );
    const actions = policies.flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } } }).Properties.PolicyDocument.Statement.flatMap((st) => st.Action));
    expect([...new Set(actions)].sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'events:PutEvents', 'logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:GetSecretValue']);
  });

  it('puts CloudFront with the ACM certificate on the shop domain when configured, cdk-nag clean', () => {
    const custom = synthStack({ linkDomain: 'links.shop.example', linkCertificateArn: CERT });
    custom.template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ Aliases: ['links.shop.example'], ViewerCertificate: Match.objectLike({ AcmCertificateArn: CERT, MinimumProtocolVersion: 'TLSv1.2_2021' }) }),
    });
    const report = new AwsSolutionsChecks().validateScope(custom.stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('rejects a link domain without its certificate, naming the context key', () => {
    const app = new App({ context: {
      'stammkunde:senderAddress': 'news@shop.example', 'stammkunde:senderIdentity': 'shop.example', 'stammkunde:publicBaseUrl': 'https://links.shop.example',
      'stammkunde:shopInfo': { name: 'S', url: 'https://shop.example', imprint: 'I', address: 'A' }, 'stammkunde:linkDomain': 'links.shop.example',
    } });
    expect(() => readStackConfig(app)).toThrow('context "stammkunde:linkCertificateArn": linkDomain and linkCertificateArn go together');
  });
});
