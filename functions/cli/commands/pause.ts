// `stammkunde pause|resume <campaignId | occurrenceId>` and `stammkunde archive <campaignId>`
// (--table | --stack): a campaign's hold (no new occurrences, its unfinished occurrences hold
// their mails), or one occurrence's sending (core/campaign-control.ts). Resuming an occurrence, or
// a campaign whose pause held occurrences, queues their held mails: it needs the send queue, from
// the stack outputs or --send-queue.
import type { Command } from 'commander';
import { archive, pause, resume } from '#core/campaign-control';
import { addTargetOptions, resolveTarget, type AwsClients, type TargetFlags } from '#cli/aws-target';
import { liftBreaker } from '#core/delivery/breaker';
import { createDynamoBreakerStore } from '#adapters/dynamo-feedback-store';

export type ControlAction = 'pause' | 'resume' | 'archive';

/** `resume --breaker`: a person lifts the reputation circuit breaker; tick then resumes what it paused. */
export const runLiftBreaker = async (flags: TargetFlags, clients: AwsClients = {}, now: Date = new Date()): Promise<string> => {
  const target = await resolveTarget(flags, clients);
  try {
    const lifted = await liftBreaker(createDynamoBreakerStore({ client: target.client, tableName: target.tableName }), now);
    return lifted
      ? 'reputation circuit breaker lifted: the next tick resumes the occurrences it paused (fix the list first: the same rates trip it again)'
      : 'reputation circuit breaker is not tripped; nothing to lift';
  } finally {
    target.close();
  }
};

export const runControl = async (action: ControlAction, id: string, flags: TargetFlags, clients: AwsClients = {}): Promise<string> => {
  const target = await resolveTarget(flags, clients);
  try {
    if (action === 'pause') return await pause(target.store, id);
    if (action === 'archive') return await archive(target.store, id);
    return await resume({ store: target.store, ...(target.sendQueue ? { sendQueue: target.sendQueue } : {}) }, id);
  } finally {
    target.close();
  }
};

const descriptions: Record<ControlAction, string> = {
  pause: 'pause a campaign (no new occurrences; its unfinished occurrences hold their mails) or one occurrence (<campaignId>:<suffix>: its remaining mails are held)',
  resume: 'resume a paused or archived campaign and the occurrences it held, or a paused occurrence (held mails are queued again)',
  archive: 'archive a campaign: no new occurrences, unfinished ones hold their mails; its occurrences and stats stay',
};

export const register = (program: Command): void => {
  for (const action of ['pause', 'resume', 'archive'] as const) {
    const command = addTargetOptions(
      program
        .command(action)
        .description(descriptions[action])
        .argument(action === 'archive' ? '<campaignId>' : action === 'resume' ? '[id]' : '<id>', action === 'archive' ? 'campaign id' : 'campaign id or occurrence id'),
    );
    if (action === 'resume') {
      command.option('--send-queue <url>', 'the send queue URL (read from the stack outputs with --stack)');
      command.option('--breaker', 'lift the reputation circuit breaker (see stammkunde status)');
    }
    command.action(async (id: string | undefined, flags: TargetFlags & { breaker?: boolean }) => {
      if (action === 'resume' && flags.breaker) {
        if (id !== undefined) throw new Error('give either an id or --breaker, not both');
        console.log(await runLiftBreaker(flags));
        return;
      }
      if (id === undefined) throw new Error(`${action} needs a campaign or occurrence id${action === 'resume' ? ' (or --breaker)' : ''}`);
      console.log(await runControl(action, id, flags));
    });
  }
};
