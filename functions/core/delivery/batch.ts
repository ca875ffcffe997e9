// SQS batch plumbing shared by the audience and send handlers: parse each record with zod, run
// the valid ones concurrently, and report only the failed ones (partial batch response), so one
// poison record never makes SQS retry its neighbours.
import type * as z from 'zod';
import { describeIssues } from './messages';

export interface QueueRecord {
  messageId: string;
  body: string;
}

export interface RecordFailure {
  messageId: string;
  reason: string;
}

export const processRecords = async <S extends z.ZodType>(
  records: readonly QueueRecord[],
  schema: S,
  handle: (message: z.infer<S>, record: QueueRecord) => Promise<unknown>,
): Promise<{ batchItemFailures: { itemIdentifier: string }[]; failures: RecordFailure[] }> => {
  const failures: RecordFailure[] = [];
  await Promise.all(
    records.map(async (record) => {
      let json: unknown;
      try {
        json = JSON.parse(record.body);
      } catch (error) {
        failures.push({ messageId: record.messageId, reason: `body: not JSON (${(error as Error).message})` });
        return;
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        failures.push({ messageId: record.messageId, reason: describeIssues(parsed.error) });
        return;
      }
      try {
        await handle(parsed.data, record);
      } catch (error) {
        failures.push({ messageId: record.messageId, reason: (error as Error).message });
      }
    }),
  );
  return { batchItemFailures: failures.map((f) => ({ itemIdentifier: f.messageId })), failures };
};
