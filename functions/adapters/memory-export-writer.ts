// The in-memory twin of s3-export-writer.ts (unit tests, the memory runtime): objects in a map, a
// `memory://` link that carries its expiry.
import { DEFAULT_EXPORT_LINK_SECONDS, type ExportLocation, type ExportWriter } from '#core/gdpr';

export interface MemoryExportWriter extends ExportWriter {
  readonly objects: Map<string, string>;
}

export const createMemoryExportWriter = (options: { linkSeconds?: number; now?: () => Date } = {}): MemoryExportWriter => {
  const objects = new Map<string, string>();
  const linkSeconds = options.linkSeconds ?? DEFAULT_EXPORT_LINK_SECONDS;
  const now = options.now ?? (() => new Date());
  const link = (key: string): ExportLocation => {
    const expiresAt = new Date(now().getTime() + linkSeconds * 1000).toISOString();
    return { key, url: `memory://exports/${key}?expires=${encodeURIComponent(expiresAt)}`, expiresAt };
  };
  return {
    objects,
    async locate(key) {
      return objects.has(key) ? link(key) : undefined;
    },
    async write(key, body) {
      objects.set(key, body);
      return link(key);
    },
  };
};
