// The in-process event bus of the embedded runtime: PutEvents like EventBridge (envelope with id,
// time, account, region; per-entry errors), rules from the shared routes (functions/core/routes.ts,
// the same patterns the CDK stack deploys) and targets such as in-process queues.
import { hash, randomUUID } from 'node:crypto';
import type { Clock } from '#core/clock';
import { routes, type RouteName } from '#core/routes';
import { assertValidPattern, matchesPattern, type EventPattern } from './pattern';

/** Where event and message ids come from; inject a deterministic one for replays. */
export type IdSource = () => string;

export const randomIds: IdSource = () => randomUUID();

/** Deterministic UUID-shaped ids: the same namespace gives the same sequence in every run. */
export const sequentialIds = (namespace: string): IdSource => {
  // The namespace's digest once, then the count in the last 12 digits: unique within a namespace
  // (up to 2^48 ids), apart across namespaces, and no SHA-256 per id (several per mail in a replay).
  const hex = hash('sha256', namespace, 'hex');
  const head = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-`;
  let n = 0;
  return () => head + (n++).toString(16).padStart(12, '0');
};

/** An event as EventBridge delivers it to targets. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

/** One PutEvents entry, as in the SDK's PutEventsRequestEntry. */
export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  /** A JSON object, as a string. */
  Detail?: string;
  Time?: Date | string;
  Resources?: string[];
  EventBusName?: string;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

export type BusTarget = (event: BusEvent) => void | Promise<void>;

export interface BusRule {
  name: string;
  pattern: EventPattern;
  /** A label such as a route's target ('ingest'); `connect(label, ...)` attaches to it. */
  target?: string;
}

export interface BusOptions {
  /** The bus name events are put on (entries naming another bus fail, like a wrong ARN). */
  name?: string;
  clock: Clock;
  ids?: IdSource;
  account?: string;
  region?: string;
  rules?: readonly BusRule[];
  /** Called when a target throws; EventBridge retries targets, here the error is reported. */
  onTargetError?: (error: unknown, rule: string, event: BusEvent) => void;
}

/** PutEvents quotas: 10 entries per call, 256 KiB per entry. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_ENTRY_BYTES = 256 * 1024;

/** EventBridge's `time`: ISO 8601 in UTC to the second. */
const eventTime = (at: Date): string => `${at.toISOString().slice(0, 19)}Z`;

export const entryBytes = (entry: PutEventsEntry): number =>
  Buffer.byteLength(entry.Source ?? '') +
  Buffer.byteLength(entry.DetailType ?? '') +
  Buffer.byteLength(entry.Detail ?? '') +
  (entry.Time ? 14 : 0) +
  (entry.Resources ?? []).reduce((sum, r) => sum + Buffer.byteLength(r), 0);

interface RegisteredRule extends BusRule {
  targets: BusTarget[];
}

export class Bus {
  readonly name: string;
  private readonly clock: Clock;
  private readonly ids: IdSource;
  private readonly account: string;
  private readonly region: string;
  private readonly rules: RegisteredRule[] = [];
  private readonly onTargetError: NonNullable<BusOptions['onTargetError']>;

  constructor(options: BusOptions) {
    this.name = options.name ?? 'default';
    this.clock = options.clock;
    this.ids = options.ids ?? randomIds;
    this.account = options.account ?? '000000000000';
    this.region = options.region ?? 'local';
    this.onTargetError =
      options.onTargetError ??
      ((error, rule, event) => console.error(`bus ${this.name}: target of rule ${rule} failed for event ${event.id}: ${error instanceof Error ? error.message : String(error)}`));
    for (const rule of options.rules ?? []) this.addRule(rule);
  }

  /** Adds a rule; a malformed pattern throws, as PutRule would reject it. */
  addRule(rule: BusRule): this {
    if (this.rules.some((r) => r.name === rule.name)) throw new Error(`bus ${this.name}: rule ${rule.name} already exists`);
    assertValidPattern(rule.pattern, rule.name);
    this.rules.push({ ...rule, targets: [] });
    return this;
  }

  /** Attaches a target to the rule with this name. */
  addTarget(ruleName: string, target: BusTarget): this {
    const rule = this.rules.find((r) => r.name === ruleName);
    if (!rule) throw new Error(`bus ${this.name}: no rule named ${ruleName} (rules: ${this.ruleNames().join(', ') || 'none'})`);
    rule.targets.push(target);
    return this;
  }

  /** Attaches a target to every rule labelled with `label` (a route's target, e.g. 'ingest'). */
  connect(label: string, target: BusTarget): this {
    const matching = this.rules.filter((r) => r.target === label);
    if (matching.length === 0) throw new Error(`bus ${this.name}: no rule routes to ${label}`);
    for (const rule of matching) rule.targets.push(target);
    return this;
  }

  ruleNames(): string[] {
    return this.rules.map((r) => r.name);
  }

  /** The names of the rules whose pattern matches the event. */
  matchingRules(event: BusEvent): string[] {
    return this.rules.filter((r) => matchesPattern(r.pattern, event)).map((r) => r.name);
  }

  /**
   * PutEvents: stamps each valid entry into an envelope and routes it. Bad entries get an error
   * code and message in their slot; the others go on. More than 10 entries throws, as the API does.
   */
  async putEvents(entries: readonly PutEventsEntry[]): Promise<PutEventsResult> {
    if (entries.length === 0 || entries.length > PUT_EVENTS_MAX_ENTRIES) {
      throw new Error(`PutEvents takes 1 to ${PUT_EVENTS_MAX_ENTRIES} entries, got ${entries.length}`);
    }
    const results: PutEventsResultEntry[] = [];
    const accepted: BusEvent[] = [];
    for (const entry of entries) {
      const problem = this.entryProblem(entry);
      if (problem) {
        results.push(problem);
        continue;
      }
      const time = entry.Time === undefined ? this.clock.now() : new Date(entry.Time);
      const event: BusEvent = {
        version: '0',
        id: this.ids(),
        'detail-type': entry.DetailType as string,
        source: entry.Source as string,
        account: this.account,
        time: eventTime(time),
        region: this.region,
        resources: entry.Resources ?? [],
        detail: JSON.parse(entry.Detail as string) as unknown,
      };
      accepted.push(event);
      results.push({ EventId: event.id });
    }
    for (const event of accepted) await this.publish(event);
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  /**
   * Routes an already stamped envelope as is (its id and time are kept). Replays use this: the
   * ids in an events file must survive so ingest recognises a repeated event.
   */
  async publish(event: BusEvent): Promise<string[]> {
    const matched: string[] = [];
    for (const rule of this.rules) {
      if (!matchesPattern(rule.pattern, event)) continue;
      matched.push(rule.name);
      for (const target of rule.targets) {
        try {
          await target(event);
        } catch (error) {
          this.onTargetError(error, rule.name, event);
        }
      }
    }
    return matched;
  }

  private entryProblem(entry: PutEventsEntry): PutEventsResultEntry | undefined {
    const fail = (ErrorCode: string, ErrorMessage: string) => ({ ErrorCode, ErrorMessage });
    if (entry.EventBusName !== undefined && entry.EventBusName !== this.name && !entry.EventBusName.endsWith(`:event-bus/${this.name}`)) {
      return fail('NotAuthorizedForSourceException', `event bus ${entry.EventBusName} does not exist here (this is ${this.name})`);
    }
    if (!entry.Source) return fail('InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.');
    if (!entry.DetailType) return fail('InvalidArgument', 'Parameter DetailType is not valid. Reason: DetailType is a required argument.');
    if (entry.Detail === undefined) return fail('InvalidArgument', 'Parameter Detail is not valid. Reason: Detail is a required argument.');
    try {
      const detail = JSON.parse(entry.Detail) as unknown;
      if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) throw new Error('not an object');
    } catch {
      return fail('MalformedDetail', 'Detail is malformed.');
    }
    if (entry.Time !== undefined && !Number.isFinite(new Date(entry.Time).getTime())) {
      return fail('InvalidArgument', 'Parameter Time is not valid.');
    }
    if (entryBytes(entry) > PUT_EVENTS_MAX_ENTRY_BYTES) return fail('InvalidArgument', 'Total size of the entries in the request is over the limit.');
    return undefined;
  }
}

/** A bus with one rule per shared route that lives on it (rule name = route name, label = target). */
export const busFromRoutes = (busName: 'shop' | 'default', options: Omit<BusOptions, 'rules' | 'name'>): Bus =>
  new Bus({
    ...options,
    name: busName,
    rules: (Object.keys(routes) as RouteName[])
      .filter((name) => routes[name].bus === busName)
      .map((name) => ({ name, pattern: routes[name].pattern, target: routes[name].target })),
  });
