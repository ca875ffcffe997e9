// Shared zod helpers for the delivery handlers' config.ts files: env numbers with defaults,
// and an error naming the variable.
import * as z from 'zod';
import { describeIssues } from './messages';
import { ShopInfo } from '#core/render';

export const envInt = (fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(fallback);
export const envNumber = (min: number) => z.coerce.number().min(min).optional();

/** SHOP_INFO: the shop's name, url, imprint and address as JSON (send's templates, track's pages). */
export const envShopInfo = () =>
  z.string().transform((text, ctx) => {
    try {
      return ShopInfo.parse(JSON.parse(text));
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `must be JSON {name, url, imprint, address, email?}: ${(error as Error).message.slice(0, 200)}` });
      return z.NEVER;
    }
  });

export const parseEnv = <S extends z.ZodType>(name: string, schema: S, env: Record<string, string | undefined>): z.infer<S> => {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new Error(`${name} config: ${describeIssues(parsed.error)}`);
  return parsed.data;
};
