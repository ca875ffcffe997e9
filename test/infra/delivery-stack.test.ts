// CDK assertions for issue 4's wiring: Scheduler -> tick, audience and send queues + DLQs,
// the SES configuration set and its EventBridge destination, feedback, and the SES grants.
import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { SES_FEEDBACK_DETAIL_TYPES, SES_FEEDBACK_EVENT_TYPES } from '#core/routes';
import { logicalIdAt, synthStack, TEST_CONFIG, type Synthesized } from './synth';

let s: Synthesized;
beforeAll(() => {
  s = synthStack({ replyToAddress: 'help@shop.example', maxSendRate: 14 });
});

const ref = (logicalId: string) => ({ Ref: logicalId });
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const id = (type: string, path: string) => logicalIdAt(s.stack, s.template, type, path);
const resource = (logicalId: string) => s.template.toJSON().Resources[logicalId] as { Properties: Record<string, unknown> };
const policyOf = (rolePath: string) => {
  const role = id('AWS::IAM::Role', rolePath);
  const policies = Object.values(s.template.findResources('AWS::IAM::Policy', { Properties: { Roles: [ref(role)] } }));
  expect(policies).toHaveLength(1);
  return (policies[0] as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement;
};
const actionsOf = (statements: { Action: string | string[] }[]) => statements.flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]));

describe('infra: tick schedule', () => {
  it('invokes tick every minute with the scheduled time, retrying 5 times into a DLQ', () => {
    s.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: arnOf(id('AWS::Lambda::Function', 'Delivery/Tick/Function')),
        Input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
        DeadLetterConfig: { Arn: arnOf(id('AWS::SQS::Queue', 'Delivery/TickDeadLetters/Queue')) },
        RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 },
        RoleArn: arnOf(id('AWS::IAM::Role', 'Delivery/ScheduleRole')),
      },
    });
  });

  it('lets the schedule role invoke tick and write its DLQ, nothing else', () => {
    const statements = policyOf('Delivery/ScheduleRole');
    expect(actionsOf(statements).sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
  });
});

describe('infra: audience and send queues', () => {
  for (const worker of ['Audience', 'Send'] as const) {
    it(`gives the ${worker.toLowerCase()} queue a DLQ and a visibility timeout of 6 function timeouts`, () => {
      const fn = resource(id('AWS::Lambda::Function', `Delivery/${worker}/Worker/Function`));
      const queue = resource(id('AWS::SQS::Queue', `Delivery/${worker}/Work/Queue`));
      expect(queue.Properties).toMatchObject({
        VisibilityTimeout: 6 * (fn.Properties.Timeout as number),
        RedrivePolicy: { deadLetterTargetArn: arnOf(id('AWS::SQS::Queue', `Delivery/${worker}/Work/DeadLetters/Queue`)), maxReceiveCount: 5 },
        SqsManagedSseEnabled: true,
      });
    });

    it(`consumes the ${worker.toLowerCase()} queue with partial batch failures`, () => {
      s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: ref(id('AWS::Lambda::Function', `Delivery/${worker}/Worker/Function`)),
        EventSourceArn: arnOf(id('AWS::SQS::Queue', `Delivery/${worker}/Work/Queue`)),
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });
  }

  it('keeps every queue 14 days, the longest SQS allows, so no message of a large campaign expires', () => {
    const queues = Object.values(s.template.findResources('AWS::SQS::Queue')) as { Properties: { MessageRetentionPeriod?: number } }[];
    expect(queues.length).toBeGreaterThanOrEqual(6);
    for (const queue of queues) expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 86_400);
  });

  it('caps concurrent audience invocations and hands audience the rate its back-pressure paces to', () => {
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(id('AWS::Lambda::Function', 'Delivery/Audience/Worker/Function')),
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    const vars = (resource(id('AWS::Lambda::Function', 'Delivery/Audience/Worker/Function')).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars.MAX_SEND_RATE).toBe('14');
  });

  it('lets audience read the SES rate (GetAccount) only when no rate is configured', () => {
    const plain = synthStack();
    const policy = (rolePath: string) => {
      const role = logicalIdAt(plain.stack, plain.template, 'AWS::IAM::Role', rolePath);
      const [found] = Object.values(plain.template.findResources('AWS::IAM::Policy', { Properties: { Roles: [ref(role)] } }));
      return actionsOf((found as { Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } } }).Properties.PolicyDocument.Statement);
    };
    expect(policy('Delivery/Audience/Worker/Role')).toContain('ses:GetAccount');
    expect(actionsOf(policyOf('Delivery/Audience/Worker/Role'))).not.toContain('ses:GetAccount');
  });

  it('caps concurrent send invocations at the concurrency each send paces itself for, sized from the rate', () => {
    // At 14 mails/s: two 512 MB instances (a paced instance is billed while it waits).
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(id('AWS::Lambda::Function', 'Delivery/Send/Worker/Function')),
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    const send = resource(id('AWS::Lambda::Function', 'Delivery/Send/Worker/Function')).Properties as { MemorySize: number; Environment: { Variables: Record<string, unknown> } };
    expect(send.Environment.Variables.SEND_CONCURRENCY).toBe('2');
    expect(send.MemorySize).toBe(512);
  });

  it('hands send as many messages per invocation as fit the timeout at its share of the rate', () => {
    // 14 mails/s over 2 senders for 60 s less the 10 s margin: 350 recipients, 7 messages of 50.
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(id('AWS::Lambda::Function', 'Delivery/Send/Worker/Function')),
      BatchSize: 7,
    });
  });

  it('lets tick enqueue shards and deliveries, audience send work and its own continuations, send only itself', () => {
    const audienceQueue = arnOf(id('AWS::SQS::Queue', 'Delivery/Audience/Work/Queue'));
    const sendQueue = arnOf(id('AWS::SQS::Queue', 'Delivery/Send/Work/Queue'));
    const sendTargets = (rolePath: string) =>
      policyOf(rolePath)
        .filter((st) => actionsOf([st]).includes('sqs:SendMessage'))
        .map((st) => st.Resource);
    expect(sendTargets('Delivery/Tick/Role')).toEqual([audienceQueue, sendQueue]);
    expect(sendTargets('Delivery/Audience/Worker/Role')).toEqual([sendQueue, audienceQueue]);
    expect(sendTargets('Delivery/Send/Worker/Role')).toEqual([sendQueue]);
    expect(sendTargets('Feedback/Worker/Role')).toEqual([]);
  });
});

describe('infra: SES', () => {
  it('creates a configuration set that suppresses bounces and complaints', () => {
    s.template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      SendingOptions: { SendingEnabled: true },
    });
  });

  it('publishes the feedback events of the configuration set to the default bus', () => {
    s.template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: ref(id('AWS::SES::ConfigurationSet', 'Mail/ConfigurationSet')),
      EventDestination: {
        Enabled: true,
        EventBridgeDestination: { EventBusArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-central-1:123456789012:event-bus/default']] } },
        MatchingEventTypes: [...SES_FEEDBACK_EVENT_TYPES],
      },
    });
  });

  it('routes SES events of its own configuration set from the default bus to the feedback queue, failures to its DLQ', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'default',
      EventPattern: {
        source: ['aws.ses'],
        'detail-type': [...SES_FEEDBACK_DETAIL_TYPES],
        detail: { mail: { tags: { 'ses:configuration-set': [ref(id('AWS::SES::ConfigurationSet', 'Mail/ConfigurationSet'))] } } },
      },
      Targets: [
        Match.objectLike({
          Arn: arnOf(id('AWS::SQS::Queue', 'Feedback/Work/Queue')),
          DeadLetterConfig: { Arn: arnOf(id('AWS::SQS::Queue', 'Feedback/Work/DeadLetters/Queue')) },
        }),
      ],
    });
  });

  it('drains the feedback queue in batches of 100 within a 5 s window, reporting partial failures', () => {
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: ref(id('AWS::Lambda::Function', 'Feedback/Worker/Function')),
      EventSourceArn: arnOf(id('AWS::SQS::Queue', 'Feedback/Work/Queue')),
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('grants ses:SendEmail to send only, on the sender identity and the configuration set, and GetAccount to send and tick', () => {
    const configSet = ref(id('AWS::SES::ConfigurationSet', 'Mail/ConfigurationSet'));
    const sesStatements = policyOf('Delivery/Send/Worker/Role').filter((st) => actionsOf([st]).some((a) => a.startsWith('ses:')));
    expect(sesStatements).toEqual([
      {
        Effect: 'Allow',
        Action: 'ses:SendEmail',
        Resource: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ses:eu-central-1:123456789012:identity/${TEST_CONFIG.senderIdentity}`]] },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-central-1:123456789012:configuration-set/', configSet]] },
        ],
      },
      { Effect: 'Allow', Action: 'ses:GetAccount', Resource: '*' },
    ]);
    // tick reads the account (GetAccount) to resume occurrences the account paused; it sends nothing.
    expect(actionsOf(policyOf('Delivery/Tick/Role')).filter((a) => a.startsWith('ses:'))).toEqual(['ses:GetAccount']);
    for (const rolePath of ['Delivery/Audience/Worker/Role', 'Feedback/Worker/Role', 'Ingest/Worker/Role']) {
      expect(actionsOf(policyOf(rolePath)).filter((a) => a.startsWith('ses:')), rolePath).toEqual([]);
    }
  });
});

describe('infra: delivery configuration', () => {
  it('hands send the sender, reply-to, unsubscribe base URL, configuration set, shop info and rate override', () => {
    const fn = resource(id('AWS::Lambda::Function', 'Delivery/Send/Worker/Function'));
    const vars = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars).toMatchObject({
      TABLE_NAME: ref(id('AWS::DynamoDB::Table', 'Data/Table')),
      SEND_QUEUE_URL: ref(id('AWS::SQS::Queue', 'Delivery/Send/Work/Queue')),
      SENDER_ADDRESS: TEST_CONFIG.senderAddress,
      REPLY_TO: 'help@shop.example',
      UNSUBSCRIBE_BASE_URL: TEST_CONFIG.publicBaseUrl,
      CONFIGURATION_SET: ref(id('AWS::SES::ConfigurationSet', 'Mail/ConfigurationSet')),
      MAX_SEND_RATE: '14',
      POWERTOOLS_SERVICE_NAME: 'stammkunde-send',
    });
    expect(JSON.parse(vars.SHOP_INFO as string)).toEqual(TEST_CONFIG.shopInfo);
    // The lease outlives the invocation holding the claim (send's config requires > timeout).
    expect(Number(vars.LEASE_SECONDS)).toBeGreaterThan(fn.Properties.Timeout as number);
  });

  it('hands send only the token keys secret ARN, never a key, and generates the first key into the secret', () => {
    const secret = id('AWS::SecretsManager::Secret', 'Delivery/TokenSecret');
    const vars = (resource(id('AWS::Lambda::Function', 'Delivery/Send/Worker/Function')).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars.TOKEN_KEYS_SECRET).toEqual(ref(secret));
    expect(vars.TOKEN_SECRET).toBeUndefined();
    expect(vars.TOKEN_KEY_ID).toBeUndefined();
    expect(JSON.stringify(vars)).not.toContain('resolve:secretsmanager');
    s.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { SecretStringTemplate: '{"current":"k1"}', GenerateStringKey: 'k1', PasswordLength: 64, ExcludePunctuation: true },
    });
  });

  it('grants secretsmanager:GetSecretValue on the token keys secret to send only', () => {
    const secret = ref(id('AWS::SecretsManager::Secret', 'Delivery/TokenSecret'));
    const secretStatements = policyOf('Delivery/Send/Worker/Role').filter((st) => actionsOf([st]).some((a) => a.startsWith('secretsmanager:')));
    expect(secretStatements).toEqual([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secret }]);
    for (const rolePath of ['Delivery/Tick/Role', 'Delivery/Audience/Worker/Role', 'Feedback/Worker/Role', 'Ingest/Worker/Role']) {
      expect(actionsOf(policyOf(rolePath)).filter((a) => a.startsWith('secretsmanager:')), rolePath).toEqual([]);
    }
  });

  it('leaves the rate to SES and sets no Reply-To when neither is configured', () => {
    const plain = synthStack();
    const fnId = logicalIdAt(plain.stack, plain.template, 'AWS::Lambda::Function', 'Delivery/Send/Worker/Function');
    const vars = (plain.template.toJSON().Resources[fnId].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars.MAX_SEND_RATE).toBeUndefined();
    expect(vars.REPLY_TO).toBeUndefined();
  });

  it('grants each delivery function only the table calls its store makes, tick the due-time and coupon-expiry indexes, audience a scan of the profiles index only', () => {
    const table = arnOf(id('AWS::DynamoDB::Table', 'Data/Table'));
    const tableActions = (rolePath: string) =>
      policyOf(rolePath)
        .filter((st) => actionsOf([st]).some((a) => a.startsWith('dynamodb:')))
        .map((st) => ({ actions: actionsOf([st]), resource: st.Resource }));
    expect(tableActions('Delivery/Tick/Role')).toEqual([
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:Query'], resource: table },
      { actions: ['dynamodb:Query'], resource: { 'Fn::Join': ['', [table, '/index/gsi1']] } },
      { actions: ['dynamodb:Query'], resource: { 'Fn::Join': ['', [table, '/index/gsi3']] } },
      { actions: ['dynamodb:DescribeTable'], resource: table },
    ]);
    // Scan on the sparse profiles index, never on the table with its events, ledger and rejections.
    expect(tableActions('Delivery/Audience/Worker/Role')).toEqual([
      { actions: ['dynamodb:GetItem'], resource: table },
      { actions: ['dynamodb:Scan'], resource: { 'Fn::Join': ['', [table, '/index/profiles']] } },
    ]);
    expect(tableActions('Feedback/Worker/Role')).toEqual([{ actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], resource: table }]);
    expect(tableActions('Delivery/Send/Worker/Role')).toEqual([
      {
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
        resource: table,
      },
    ]);
  });

  it('hands send and tick the shop bus for CouponIssued and CouponExpiring, with PutEvents on that bus', () => {
    const bus = id('AWS::Events::EventBus', 'ShopBus');
    for (const fn of ['Delivery/Tick/Function', 'Delivery/Send/Worker/Function']) {
      expect((resource(id('AWS::Lambda::Function', fn)).Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({ EVENT_BUS_NAME: ref(bus) });
    }
    for (const role of ['Delivery/Tick/Role', 'Delivery/Send/Worker/Role']) {
      expect(policyOf(role).filter((st) => actionsOf([st]).includes('events:PutEvents')).map((st) => st.Resource)).toEqual([arnOf(bus)]);
    }
  });

  it('hands tick both queue URLs and audience the send queue URL', () => {
    const tickVars = (resource(id('AWS::Lambda::Function', 'Delivery/Tick/Function')).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(tickVars).toMatchObject({
      AUDIENCE_QUEUE_URL: ref(id('AWS::SQS::Queue', 'Delivery/Audience/Work/Queue')),
      SEND_QUEUE_URL: ref(id('AWS::SQS::Queue', 'Delivery/Send/Work/Queue')),
    });
    const audienceVars = (resource(id('AWS::Lambda::Function', 'Delivery/Audience/Worker/Function')).Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(audienceVars).toMatchObject({
      SEND_QUEUE_URL: ref(id('AWS::SQS::Queue', 'Delivery/Send/Work/Queue')),
      AUDIENCE_QUEUE_URL: ref(id('AWS::SQS::Queue', 'Delivery/Audience/Work/Queue')),
    });
  });

  it('runs every function on Node 24 and arm64', () => {
    const fns = Object.values(s.template.findResources('AWS::Lambda::Function')) as { Properties: { Runtime: string; Architectures: string[] } }[];
    expect(fns.map((fn) => [fn.Properties.Runtime, fn.Properties.Architectures])).toEqual(fns.map(() => ['nodejs24.x', ['arm64']]));
    expect(fns.length).toBe(8); // ingest, tick, audience, send, feedback, track, gdpr, report
  });
});
