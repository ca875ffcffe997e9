// Segment rules: the schema marketers write. (Compiler: to be filled in by the formats work.)
import { z } from 'zod';

export type SegmentRule =
  | { all: SegmentRule[] }
  | { any: SegmentRule[] }
  | { not: SegmentRule }
  | { segment: string }
  | { field: string; op: string; value?: unknown };

export const SegmentRule: z.ZodType<SegmentRule> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(SegmentRule).min(1) }).strict(),
    z.object({ any: z.array(SegmentRule).min(1) }).strict(),
    z.object({ not: SegmentRule }).strict(),
    z.object({ segment: z.string() }).strict(),
    z.object({ field: z.string(), op: z.string(), value: z.unknown().optional() }).strict(),
  ]),
);
