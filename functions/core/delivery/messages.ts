// The queue messages of the delivery path: tick -> audience (one per shard) and
// audience/tick -> send (many recipients per message). Parsed with zod at each handler.
import * as z from 'zod';

/** Customer ids per send message: SQS allows 256 KB, 50 ids keep messages small and work even. */
export const RECIPIENTS_PER_MESSAGE = 50;

export const AudienceShard = z
  .object({
    occurrenceId: z.string().min(3).max(300),
    campaignId: z.string().min(1).max(63),
    segment: z.number().int().min(0),
    totalSegments: z.number().int().min(1).max(1_000_000),
    /** Where the previous invocation stopped scanning this shard (opaque to core). */
    cursor: z.string().max(10_000).optional(),
    /** Seasonal birthdays: the local date ("YYYY-MM-DD") to read from the birthday index instead of scanning. */
    birthdayDate: z.iso.date().optional(),
    /** Seasonal: the tick's time; a mail found already due is put after it (core/delivery/seasonal.ts). */
    notBefore: z.iso.datetime().optional(),
  })
  .refine((m) => m.segment < m.totalSegments, { message: 'segment must be below totalSegments', path: ['segment'] });
export type AudienceShard = z.infer<typeof AudienceShard>;

export const SendWork = z.object({
  occurrenceId: z.string().min(3).max(300),
  campaignId: z.string().min(1).max(63),
  customerIds: z.array(z.string().min(1).max(200)).min(1).max(100),
  /** How many times this work was re-queued (throttling, foreign claims); bounds the hops. */
  hop: z.number().int().min(0).default(0),
});
export type SendWork = z.infer<typeof SendWork>;
export type SendWorkInput = z.input<typeof SendWork>;

/** `path: message` lines for a zod error, so a poison record names its bad field. */
export const describeIssues = (error: z.ZodError): string =>
  error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`).join('; ');

export const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};
