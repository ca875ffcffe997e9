// `stammkunde status (--table | --stack)`: the reputation circuit breaker (closed, tripped with its
// reason and cool-down, or testing) and the paused occurrences with who paused them and why.
// `stammkunde resume --breaker` lifts a tripped breaker (pause.ts).
import type { Command } from 'commander';
import { breakerMode, type BreakerState } from '#core/delivery/breaker';
import { createDynamoBreakerStore } from '#adapters/dynamo-feedback-store';
import { addTargetOptions, resolveTarget, type AwsClients, type TargetFlags } from '#cli/aws-target';

/** One line on the breaker, as `status` and `campaigns` show it. */
export const describeBreaker = (state: BreakerState | undefined, now: Date): string => {
  const mode = breakerMode(state, now);
  if (mode === 'closed') {
    const last = state?.liftedAt ? ` (lifted ${state.liftedAt.slice(0, 16).replace('T', ' ')} UTC by ${state.liftedBy ?? 'a person'})` : '';
    return `reputation circuit breaker: closed, marketing mail flows${last}`;
  }
  const since = state!.trippedAt!.slice(0, 16).replace('T', ' ');
  const until = state!.coolDownUntil!.slice(0, 16).replace('T', ' ');
  if (mode === 'tripped') return `reputation circuit breaker: TRIPPED since ${since} UTC: ${state!.reason}; marketing paused (transactional flows); test batch from ${until} UTC or \`stammkunde resume --breaker\``;
  const test = state!.test ?? { sends: 0, bounces: 0, complaints: 0 };
  return `reputation circuit breaker: TESTING since ${until} UTC (tripped ${since}: ${state!.reason}); ${state!.testAdmitted ?? 0} test recipients admitted, ${test.sends} outcomes (${test.bounces} bounces, ${test.complaints} complaints)`;
};

export const runStatus = async (flags: TargetFlags, clients: AwsClients = {}, now: Date = new Date()): Promise<string[]> => {
  const target = await resolveTarget(flags, clients);
  try {
    const breaker = await createDynamoBreakerStore({ client: target.client, tableName: target.tableName }).getBreaker();
    const paused = await target.store.listPausedOccurrences();
    const lines = [`table ${target.tableName}:`, describeBreaker(breaker, now)];
    if (paused.length === 0) lines.push('paused occurrences: none');
    else for (const p of paused) lines.push(`paused ${p.occurrenceId} (by ${p.cause}): ${p.reason}`);
    return lines;
  } finally {
    target.close();
  }
};

export const register = (program: Command): void => {
  addTargetOptions(program.command('status').description('the reputation circuit breaker and the paused occurrences')).action(async (flags: TargetFlags) => {
    for (const line of await runStatus(flags)) console.log(line);
  });
};
