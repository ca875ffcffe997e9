// The EventBridge routes, as data: which events go to which function. The CDK stack turns each
// route into a rule (infra/stacks/stammkunde-stack.ts) and the embedded runtime's in-process bus
// matches with the very same patterns, so local and AWS routing cannot drift apart.
//
// Stable contract: route names and targets are referenced by the stack, the local bus and tests.
// Patterns use only the EventBridge subset both sides understand: exact-value arrays on
// `source`, `detail-type` and nested `detail` fields (an event matches when, for every key of the
// pattern, its value at that path is one of the listed values).
import { SHOP_EVENT_SOURCE, shopDetailTypes } from './events';

/** The Source of our own events on the shop bus (adapters/event-bus.ts puts them). */
export const OWN_EVENT_SOURCE = 'stammkunde';
/** Own events routed back to ingest to start triggered campaigns: those made outside ingest (customer endpoint, tick). */
export const ROUTED_OWN_EVENTS = ['ConsentConfirmed', 'CouponExpiring'] as const;

/** An EventBridge event pattern restricted to exact-value matching. */
export interface EventPattern {
  readonly source: readonly string[];
  readonly 'detail-type': readonly string[];
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** The functions that events are routed to (one folder per function under functions/). */
export type RouteTarget = 'ingest' | 'feedback';

export interface Route {
  /** The bus the rule lives on: the stack's own bus, or the account's default bus. */
  readonly bus: 'shop' | 'default';
  readonly pattern: EventPattern;
  readonly target: RouteTarget;
}

/** SES v2 email events the feedback function acts on (EventBridge detail-types of source `aws.ses`). */
export const SES_FEEDBACK_DETAIL_TYPES = [
  // Sent settles ledger entries left 'uncertain' by a crash between SES accepting and recording.
  'Email Sent',
  'Email Bounced',
  'Email Complaint Received',
  'Email Delivered',
  'Email Rejected',
  'Email Delivery Delayed',
] as const;

/**
 * The configuration set's event-destination types that produce SES_FEEDBACK_DETAIL_TYPES, in the
 * same order (CloudFormation's MatchingEventTypes spelling, as aws-cdk-lib's EmailSendingEvent).
 */
export const SES_FEEDBACK_EVENT_TYPES = ['send', 'bounce', 'complaint', 'delivery', 'reject', 'deliveryDelay'] as const;

export const routes = {
  /** The shop's events (DESIGN §3) on the Stammkunde bus -> events queue -> ingest. */
  shopEvents: {
    bus: 'shop',
    pattern: { source: [SHOP_EVENT_SOURCE], 'detail-type': [...shopDetailTypes] },
    target: 'ingest',
  },
  /**
   * Our own events that start triggered campaigns but are made outside ingest (the customer
   * endpoint's double opt-in click), back into ingest (core/triggers.ts). Own events ingest makes
   * itself are evaluated where they are made; they match here only if named below.
   */
  ownTriggerEvents: {
    bus: 'shop',
    pattern: { source: [OWN_EVENT_SOURCE], 'detail-type': [...ROUTED_OWN_EVENTS] },
    target: 'ingest',
  },
  /**
   * SES sending events on the default bus -> feedback (invoked by the rule). SES can only publish to
   * the default bus, which every configuration set of the account shares, so the stack narrows
   * this pattern to its own configuration set with `sesFeedbackPattern`.
   */
  sesFeedback: {
    bus: 'default',
    pattern: { source: ['aws.ses'], 'detail-type': [...SES_FEEDBACK_DETAIL_TYPES] },
    target: 'feedback',
  },
} as const satisfies Record<string, Route>;

export type RouteName = keyof typeof routes;

/** The SES feedback pattern limited to mails sent with one configuration set. */
export const sesFeedbackPattern = (configurationSetName: string): EventPattern => ({
  ...routes.sesFeedback.pattern,
  detail: { mail: { tags: { 'ses:configuration-set': [configurationSetName] } } },
});
