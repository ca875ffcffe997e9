// A fake SES for tests and benchmarks: answers after a latency, throttles calls above a maximum
// rate (no 1-second window may hold more accepted calls), keeps a 24-hour quota, can be paused or
// made to fail, and injects network faults. Its errors go through the real SES classifier.
import type { AccountStatus, AccountStatusReader, MailFailureKind, MailResult, Mailer, OutgoingMail } from '#core/delivery/ports';
import { classifySesError } from './ses-mailer';

/** refused: the request never reached SES; lostAnswer: SES accepted, the answer was lost. */
export type SesFault = 'refused' | 'lostAnswer';

export interface FakeSesOptions {
  maxSendRate: number;
  latencyMs?: number;
  now?: () => number;
  /** How the latency is waited (a simulated clock's sleep in benchmarks). */
  sleep?: (ms: number) => Promise<void>;
  /** Mails accepted per rolling 24 hours; beyond it SES answers "Daily message quota exceeded". */
  max24HourSend?: number;
}

const DAY_MS = 86_400_000;

export class FakeSes implements Mailer, AccountStatusReader {
  readonly accepted: { mail: OutgoingMail; messageId: string; atMs: number }[] = [];
  throttled = 0;
  quotaRefused = 0;
  calls = 0;
  /** Set to make every call fail with this kind (e.g. 'paused'). */
  failWith: { kind: MailFailureKind; reason: string } | undefined;
  /** Called before the answer; throwing here simulates a sender dying mid-call. */
  beforeAnswer: ((mail: OutgoingMail) => void) | undefined;
  /** Decides a fault for the n-th call (1-based). */
  fault: ((call: number) => SesFault | undefined) | undefined;
  max24HourSend: number;
  private readonly window: number[] = [];
  private readonly now: () => number;

  constructor(private readonly options: FakeSesOptions) {
    this.now = options.now ?? (() => performance.now());
    this.max24HourSend = options.max24HourSend ?? Number.POSITIVE_INFINITY;
  }

  private sentLast24Hours(at: number): number {
    let n = 0;
    for (let i = this.accepted.length - 1; i >= 0 && this.accepted[i]!.atMs > at - DAY_MS; i--) n++;
    return n;
  }

  async send(mail: OutgoingMail): Promise<MailResult> {
    const call = ++this.calls;
    const at = this.now();
    const fault = this.fault?.(call);
    let result: MailResult;
    if (fault === 'refused') {
      result = { ok: false, ...classifySesError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) };
    } else if (this.failWith) {
      result = { ok: false, ...this.failWith };
    } else if (this.sentLast24Hours(at) >= this.max24HourSend) {
      this.quotaRefused++;
      result = { ok: false, ...classifySesError(Object.assign(new Error('Daily message quota exceeded.'), { name: 'TooManyRequestsException' })) };
    } else {
      while (this.window.length > 0 && (this.window[0] as number) <= at - 1000) this.window.shift();
      if (this.window.length >= this.options.maxSendRate) {
        this.throttled++;
        result = { ok: false, kind: 'throttled', reason: 'TooManyRequestsException: Maximum sending rate exceeded.' };
      } else {
        this.window.push(at);
        const messageId = `fake-${this.accepted.length + 1}`;
        this.accepted.push({ mail, messageId, atMs: at });
        result = { ok: true, messageId };
      }
    }
    if (this.options.latencyMs) {
      const wait = this.options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
      await wait(this.options.latencyMs);
    }
    this.beforeAnswer?.(mail);
    if (fault === 'lostAnswer' && result.ok) return { ok: false, ...classifySesError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })) };
    return result;
  }

  async accountStatus(): Promise<AccountStatus> {
    return {
      sendingEnabled: this.failWith?.kind !== 'paused',
      enforcementStatus: 'HEALTHY',
      max24HourSend: this.max24HourSend,
      sentLast24Hours: this.sentLast24Hours(this.now()),
      maxSendRate: this.options.maxSendRate,
    };
  }

  /** The most accepted calls any 1-second window held. */
  maxInAnySecond(): number {
    let max = 0;
    let start = 0;
    for (let end = 0; end < this.accepted.length; end++) {
      while ((this.accepted[end]!.atMs - this.accepted[start]!.atMs) >= 1000) start++;
      max = Math.max(max, end - start + 1);
    }
    return max;
  }
}
