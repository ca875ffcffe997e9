// A fake SES for tests and benchmarks: answers after a latency, throttles calls above a maximum
// rate (no 1-second window may hold more accepted calls), and can be paused or made to fail.
import type { MailFailureKind, MailResult, Mailer, OutgoingMail } from '#core/delivery/ports';

export interface FakeSesOptions {
  maxSendRate: number;
  latencyMs?: number;
  now?: () => number;
}

export class FakeSes implements Mailer {
  readonly accepted: { mail: OutgoingMail; messageId: string; atMs: number }[] = [];
  throttled = 0;
  calls = 0;
  /** Set to make every call fail with this kind (e.g. 'paused'). */
  failWith: { kind: MailFailureKind; reason: string } | undefined;
  /** Called before the answer; throwing here simulates a sender dying mid-call. */
  beforeAnswer: ((mail: OutgoingMail) => void) | undefined;
  private readonly window: number[] = [];
  private readonly now: () => number;

  constructor(private readonly options: FakeSesOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  async send(mail: OutgoingMail): Promise<MailResult> {
    this.calls++;
    const at = this.now();
    let result: MailResult;
    if (this.failWith) {
      result = { ok: false, ...this.failWith };
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
    if (this.options.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));
    this.beforeAnswer?.(mail);
    return result;
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
