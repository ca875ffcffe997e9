// Examples from the Amazon EventBridge user guide, copied as given there:
// [patterns]  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
// [content]   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
// [arrays]    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
// [null]      https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
// [operators] https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
// Where a page gives only the pattern, the events next to it are ours and say so.
import { describe, expect, it } from 'vitest';
import { assertValidPattern, matchesPattern, validatePattern } from '#local/pattern';
import { routes } from '#core/routes';

// [patterns] "The following event shows a simple AWS event from Amazon EC2."
const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

// [patterns] / [null] "Consider the following Amazon EC2 Auto Scaling event."
const autoScalingEvent = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};

// [patterns] "Consider the following Amazon Macie Classic event, which is truncated."
const macieEvent = {
  version: '0',
  id: '3e355723-fca9-4de3-9fd7-154c289d6b59',
  'detail-type': 'Macie Alert',
  source: 'aws.macie',
  account: '123456789012',
  time: '2017-04-24T22:28:49Z',
  region: 'us-east-1',
  resources: [
    'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id/alert/alert_id',
    'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id',
  ],
  detail: {
    'notification-type': 'ALERT_CREATED',
    name: 'Scanning bucket policies',
    tags: ['Custom_Alert', 'Insider'],
    url: 'https://lb00.us-east-1.macie.aws.amazon.com/111122223333/posts/alert_id',
    'alert-arn': 'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id/alert/alert_',
    'risk-score': 80,
    trigger: {
      'rule-arn': 'arn:aws:macie:us-east-1:123456789012:trigger/trigger_id',
      'alert-type': 'basic',
      'created-at': '2017-01-02 19:54:00.644000',
      description: 'Alerting on failed enumeration of large number of bucket policies',
      risk: 8,
    },
    'created-at': '2017-04-18T00:21:12.059000',
  },
};

const withDetail = (detail: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ ...ec2Event, ...extra, detail });

describe('pattern: field and value matching ([patterns], [null], [arrays])', () => {
  it('matches the EC2 instance-termination pattern against the EC2 event', () => {
    const pattern = { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['terminated'] } };
    expect(matchesPattern(pattern, ec2Event)).toBe(true);
    expect(matchesPattern(pattern, withDetail({ state: 'running' }))).toBe(false);
  });

  it('matches a source listed among several values', () => {
    const pattern = { source: ['aws.ec2', 'aws.fargate'] };
    expect(matchesPattern(pattern, ec2Event)).toBe(true);
    expect(matchesPattern(pattern, { ...ec2Event, source: 'aws.fargate' })).toBe(true);
    expect(matchesPattern(pattern, { ...ec2Event, source: 'aws.s3' })).toBe(false);
  });

  it('matches a null field with [null] and an empty string with [""], never each other', () => {
    expect(matchesPattern({ source: ['aws.autoscaling'], 'detail-type': ['EC2 Instance Launch Successful'], detail: { responseElements: [null] } }, autoScalingEvent)).toBe(true);
    expect(matchesPattern({ detail: { eventVersion: [''] } }, autoScalingEvent)).toBe(true);
    expect(matchesPattern({ detail: { eventVersion: [null] } }, autoScalingEvent)).toBe(false);
    expect(matchesPattern({ detail: { responseElements: [''] } }, autoScalingEvent)).toBe(false);
  });

  it('matches numbers in nested objects (Macie risk score 80 and trigger risk 8)', () => {
    const pattern = { source: ['aws.macie'], 'detail-type': ['Macie Alert'], detail: { 'risk-score': [80], trigger: { risk: [8] } } };
    expect(matchesPattern(pattern, macieEvent)).toBe(true);
    expect(matchesPattern({ ...pattern, detail: { 'risk-score': [80], trigger: { risk: [9] } } }, macieEvent)).toBe(false);
  });

  it('does not confuse the string "80" with the number 80', () => {
    expect(matchesPattern({ detail: { 'risk-score': ['80'] } }, macieEvent)).toBe(false);
  });

  it('matches booleans exactly', () => {
    expect(matchesPattern({ detail: { flag: [true] } }, withDetail({ flag: true }))).toBe(true);
    expect(matchesPattern({ detail: { flag: [true] } }, withDetail({ flag: false }))).toBe(false);
    expect(matchesPattern({ detail: { flag: [true] } }, withDetail({ flag: 'true' }))).toBe(false);
  });

  it('matches an event array when its intersection with the pattern values is non-empty', () => {
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };
    const event = {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    };
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern(pattern, { resources: [event.resources[0]] })).toBe(false);
  });

  it('matches the Macie tags array by any element', () => {
    expect(matchesPattern({ detail: { tags: ['Insider'] } }, macieEvent)).toBe(true);
    expect(matchesPattern({ detail: { tags: ['Outsider'] } }, macieEvent)).toBe(false);
  });

  it('fails when the event lacks a field the pattern names', () => {
    expect(matchesPattern({ detail: { 'c-count': [5] } }, ec2Event)).toBe(false);
    expect(matchesPattern({ detail: { state: ['terminated'] } }, { source: 'aws.ec2' })).toBe(false);
  });

  it('fails when the pattern expects a leaf and the event has an object there', () => {
    expect(matchesPattern({ detail: ['terminated'] }, ec2Event)).toBe(false);
  });

  it('keeps the fields of one array element together (array of objects)', () => {
    const event = withDetail({ items: [{ sku: 'a', category: 'shoes' }, { sku: 'b', category: 'hats' }] });
    expect(matchesPattern({ detail: { items: { sku: ['a'], category: ['shoes'] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { items: { sku: ['a'], category: ['hats'] } } }, event)).toBe(false);
  });

  it('ignores event fields the pattern does not name', () => {
    expect(matchesPattern({ detail: { 'instance-id': ['i-1234567890abcdef0'] } }, ec2Event)).toBe(true);
  });
});

describe('pattern: content filters ([content], [operators])', () => {
  it('matches by prefix of "time" (2017-10-02)', () => {
    const pattern = { time: [{ prefix: '2017-10-02' }] };
    expect(matchesPattern(pattern, { ...ec2Event, time: '2017-10-02T18:43:48Z' })).toBe(true);
    expect(matchesPattern(pattern, ec2Event)).toBe(false);
  });

  it('matches a prefix ignoring case ("EventB" matches "eventbridge" and "EVENTBRIDGE")', () => {
    const pattern = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
    expect(matchesPattern(pattern, withDetail({ service: 'eventbridge' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ service: 'EVENTBRIDGE' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ service: 'lambda' }))).toBe(false);
  });

  it('never prefix-matches a number', () => {
    expect(matchesPattern({ detail: { n: [{ prefix: '12' }] } }, withDetail({ n: 123 }))).toBe(false);
  });

  it('matches a suffix (.png) and a suffix ignoring case (.PNG)', () => {
    expect(matchesPattern({ FileName: [{ suffix: '.png' }] }, { FileName: 'photo.png' })).toBe(true);
    expect(matchesPattern({ FileName: [{ suffix: '.png' }] }, { FileName: 'photo.PNG' })).toBe(false);
    expect(matchesPattern({ detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, withDetail({ FileName: 'photo.PNG' }))).toBe(true);
  });

  it('matches equals-ignore-case ("alice" matches "Alice")', () => {
    expect(matchesPattern({ Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'Alice' })).toBe(true);
    expect(matchesPattern({ Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'Alicia' })).toBe(false);
  });

  it('matches anything-but a string ("initializing")', () => {
    const pattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };
    expect(matchesPattern(pattern, ec2Event)).toBe(true);
    expect(matchesPattern(pattern, withDetail({ state: 'initializing' }))).toBe(false);
  });

  it('matches anything-but a number (123)', () => {
    const pattern = { detail: { 'x-limit': [{ 'anything-but': 123 }] } };
    expect(matchesPattern(pattern, withDetail({ 'x-limit': 124 }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ 'x-limit': 123 }))).toBe(false);
  });

  it('matches anything-but a list of strings ("stopped", "overloaded")', () => {
    const pattern = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
    expect(matchesPattern(pattern, withDetail({ state: 'running' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ state: 'overloaded' }))).toBe(false);
  });

  it('matches anything-but a list of numbers (100, 200, 300)', () => {
    const pattern = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
    expect(matchesPattern(pattern, withDetail({ 'x-limit': 150 }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ 'x-limit': 200 }))).toBe(false);
  });

  it('matches anything-but a prefix ("init")', () => {
    const pattern = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
    expect(matchesPattern(pattern, withDetail({ state: 'running' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ state: 'initializing' }))).toBe(false);
  });

  it('matches anything-but a suffix and anything-but ignoring case ([operators])', () => {
    expect(matchesPattern({ FileName: [{ 'anything-but': { suffix: '.png' } }] }, { FileName: 'a.jpg' })).toBe(true);
    expect(matchesPattern({ FileName: [{ 'anything-but': { suffix: '.png' } }] }, { FileName: 'a.png' })).toBe(false);
    expect(matchesPattern({ state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] }, { state: 'INITIALIZING' })).toBe(false);
    expect(matchesPattern({ state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] }, { state: 'running' })).toBe(true);
  });

  it('does not match anything-but when the field is missing', () => {
    expect(matchesPattern({ detail: { state: [{ 'anything-but': 'initializing' }] } }, withDetail({}))).toBe(false);
  });

  it('matches anything-but against an event array when any element is not excluded', () => {
    const pattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };
    expect(matchesPattern(pattern, withDetail({ state: ['initializing', 'running'] }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ state: ['initializing'] }))).toBe(false);
  });

  it('matches the numeric example only when every field is in range (c-count, d-count, x-limit)', () => {
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    // Events are ours; the page gives the pattern.
    expect(matchesPattern(pattern, withDetail({ 'c-count': 5, 'd-count': 9.5, 'x-limit': 301.8 }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ 'c-count': 0, 'd-count': 9, 'x-limit': 301.8 }))).toBe(false);
    expect(matchesPattern(pattern, withDetail({ 'c-count': 5, 'd-count': 10, 'x-limit': 301.8 }))).toBe(false);
    expect(matchesPattern(pattern, withDetail({ 'c-count': 5, 'd-count': 9, 'x-limit': 301 }))).toBe(false);
    expect(matchesPattern(pattern, withDetail({ 'c-count': '5', 'd-count': 9, 'x-limit': 301.8 }))).toBe(false);
  });

  it('matches the price range "more than 10, less than or equal to 20" ([operators])', () => {
    const pattern = { Price: [{ numeric: ['>', 10, '<=', 20] }] };
    expect(matchesPattern(pattern, { Price: 20 })).toBe(true);
    expect(matchesPattern(pattern, { Price: 10 })).toBe(false);
    expect(matchesPattern({ Price: [{ numeric: ['>=', 10] }] }, { Price: 10 })).toBe(true);
  });

  it('matches exists: true on the EC2 "pending" event and not on the event without detail.state', () => {
    const pattern = { detail: { state: [{ exists: true }] } };
    const pending = {
      version: '0',
      id: '7bf73129-1428-4cd3-a780-95db273d1602',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '123456789012',
      time: '2015-11-11T21:29:54Z',
      region: 'us-east-1',
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
      detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
    };
    const withoutState = {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
      detail: { 'c-count': { c1: 100 } },
    };
    expect(matchesPattern(pattern, pending)).toBe(true);
    expect(matchesPattern(pattern, withoutState)).toBe(false);
  });

  it('matches exists: false when the field is absent, and when it is not a leaf (c-count object)', () => {
    const pattern = { detail: { 'c-count': [{ exists: false }] } };
    const base = {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
    };
    expect(matchesPattern(pattern, { ...base, detail: { state: ['initializing', 'running'] } })).toBe(true);
    expect(matchesPattern(pattern, { ...base, detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } } })).toBe(true);
    expect(matchesPattern(pattern, { ...base, detail: { 'c-count': 3 } })).toBe(false);
  });

  it('counts a null value as present for exists', () => {
    expect(matchesPattern({ detail: { responseElements: [{ exists: true }] } }, autoScalingEvent)).toBe(true);
    expect(matchesPattern({ detail: { responseElements: [{ exists: false }] } }, autoScalingEvent)).toBe(false);
  });

  it('matches the complex example (prefix, anything-but and numeric together)', () => {
    const pattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
      },
    };
    const event = { time: '2017-10-02T18:43:48Z', detail: { state: 'running', 'c-count': 1, 'd-count': 2, 'x-limit': 150 } };
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern(pattern, { ...event, detail: { ...event.detail, 'x-limit': 300 } })).toBe(false);
    expect(matchesPattern(pattern, { ...event, time: '2017-10-03T00:00:00Z' })).toBe(false);
  });

  it('matches wildcards ("dir/*.png"; an escaped star is literal)', () => {
    expect(matchesPattern({ FileName: [{ wildcard: 'dir/*.png' }] }, { FileName: 'dir/a/b.png' })).toBe(true);
    expect(matchesPattern({ FileName: [{ wildcard: 'dir/*.png' }] }, { FileName: 'other/b.png' })).toBe(false);
    expect(matchesPattern({ n: [{ wildcard: 'a\\*b' }] }, { n: 'a*b' })).toBe(true);
    expect(matchesPattern({ n: [{ wildcard: 'a\\*b' }] }, { n: 'axxb' })).toBe(false);
    expect(matchesPattern({ FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, { FilePath: 'src/lib/x.ts' })).toBe(false);
    expect(matchesPattern({ FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, { FilePath: 'src/app/x.ts' })).toBe(true);
  });

  it('matches IPv4 addresses in a CIDR block (10.0.0.0/24)', () => {
    const pattern = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };
    expect(matchesPattern(pattern, withDetail({ sourceIPAddress: '10.0.0.255' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ sourceIPAddress: '10.0.1.0' }))).toBe(false);
  });
});

describe('pattern: $or', () => {
  it('matches when any numeric alternative holds ([content] $or example)', () => {
    const pattern = {
      detail: {
        $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }, { 'x-limit': [{ numeric: ['=', 3.018e2] }] }],
      },
    };
    expect(matchesPattern(pattern, withDetail({ 'd-count': 3 }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ 'x-limit': 301.8 }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ 'c-count': 6, 'd-count': 10 }))).toBe(false);
  });

  it('ANDs $or with its sibling fields (source aws.cloudwatch with metricName or namespace)', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
    };
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', metricName: 'ReadLatency' })).toBe(true);
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', namespace: 'AWS/ES' })).toBe(true);
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', metricName: 'DiskIO', namespace: 'AWS/RDS' })).toBe(false);
    expect(matchesPattern(pattern, { source: 'aws.ec2', metricName: 'ReadLatency' })).toBe(false);
  });

  it('matches EC2 state running or terminated with $or (AWS User Notifications sample)', () => {
    const pattern = { detail: { $or: [{ state: ['running'] }, { state: ['terminated'] }] } };
    expect(matchesPattern(pattern, ec2Event)).toBe(true);
    expect(matchesPattern(pattern, withDetail({ state: 'stopped' }))).toBe(false);
  });
});

describe('pattern: the shared routes', () => {
  const envelope = (detailType: string, source = 'shop') => ({ ...ec2Event, source, 'detail-type': detailType, detail: { customerId: 'c1' } });

  it('routes every shop detail-type from source "shop" and nothing from other sources', () => {
    for (const type of ['CustomerRegistered', 'CustomerUpdated', 'OrderPlaced', 'OrderRefunded', 'NpsSubmitted']) {
      expect(matchesPattern(routes.shopEvents.pattern, envelope(type))).toBe(true);
    }
    expect(matchesPattern(routes.shopEvents.pattern, envelope('OrderPlaced', 'other'))).toBe(false);
    expect(matchesPattern(routes.shopEvents.pattern, envelope('ShipmentSent'))).toBe(false);
  });

  it('accepts every route pattern as valid', () => {
    for (const route of Object.values(routes)) expect(validatePattern(route.pattern)).toEqual([]);
  });
});

describe('pattern: validation', () => {
  it('accepts every documented example pattern', () => {
    const examples = [
      { time: [{ prefix: '2017-10-02' }] },
      { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
      { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
      { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
      { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } },
      { detail: { 'c-count': [{ exists: false }] } },
      { detail: { responseElements: [null], eventVersion: [''] } },
      { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] },
      { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
      { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    ];
    for (const example of examples) expect(validatePattern(example)).toEqual([]);
  });

  it('rejects a pattern that is not an object', () => {
    expect(validatePattern(['aws.ec2'])).toEqual(['(root): an event pattern must be a JSON object']);
    expect(validatePattern(null)).toHaveLength(1);
  });

  it('rejects a bare value where a list is expected, naming the field path', () => {
    expect(validatePattern({ detail: { state: 'terminated' } })).toEqual(['detail.state: must be a list of values or a nested pattern object, got "terminated"']);
  });

  it('rejects an empty value list and an empty pattern', () => {
    expect(validatePattern({ source: [] })).toEqual(['source: list of values must not be empty']);
    expect(validatePattern({})).toEqual(['(root): pattern object must not be empty']);
  });

  it('rejects an unknown operator', () => {
    expect(validatePattern({ source: [{ startsWith: 'a' }] })).toEqual(['source[0]: unknown operator "startsWith"']);
  });

  it('rejects a filter object with two operators', () => {
    expect(validatePattern({ source: [{ prefix: 'a', suffix: 'b' }] })).toEqual(['source[0]: a filter object has exactly one operator, found 2']);
  });

  it('rejects malformed numeric filters', () => {
    expect(validatePattern({ n: [{ numeric: ['>', 'five'] }] })).toEqual(['n[0].numeric[1]: numeric bound must be a number']);
    expect(validatePattern({ n: [{ numeric: ['<', 5, '>', 1] }] })).toEqual(['n[0].numeric: a numeric range is a lower bound (">" or ">=") then an upper bound ("<" or "<=")']);
    expect(validatePattern({ n: [{ numeric: ['>', 5, '<', 1] }] })).toEqual(['n[0].numeric: numeric range is empty (lower 5 is not below upper 1)']);
    expect(validatePattern({ n: [{ numeric: ['~', 5] }] })).toEqual(['n[0].numeric[0]: unknown numeric operator "~"']);
    expect(validatePattern({ n: [{ numeric: ['>', 1e10] }] })).toHaveLength(1);
  });

  it('rejects anything-but lists that mix strings and numbers, and a list of prefixes', () => {
    expect(validatePattern({ s: [{ 'anything-but': ['a', 1] }] })).toEqual(['s[0].anything-but: anything-but list must be non-empty and all strings or all numbers']);
    expect(validatePattern({ s: [{ 'anything-but': { prefix: ['a', 'b'] } }] })).toEqual(['s[0].anything-but.prefix: anything-but prefix takes a single string']);
  });

  it('rejects exists with a non-boolean, wildcards with "**", a bad CIDR, and a one-armed $or', () => {
    expect(validatePattern({ s: [{ exists: 'yes' }] })).toEqual(['s[0].exists: must be true or false']);
    expect(validatePattern({ s: [{ wildcard: 'a**b' }] })).toEqual(['s[0].wildcard: wildcard must not contain consecutive "*"']);
    expect(validatePattern({ s: [{ cidr: '10.0.0.300/8' }] })).toHaveLength(1);
    expect(validatePattern({ $or: [{ a: ['x'] }] })).toEqual(['$or: $or takes a list of at least two patterns']);
  });

  it('assertValidPattern throws with every problem listed', () => {
    expect(() => assertValidPattern({ a: 'x', b: [] }, 'rule-1')).toThrow(
      'invalid event pattern rule-1: a: must be a list of values or a nested pattern object, got "x"; b: list of values must not be empty',
    );
  });
});
