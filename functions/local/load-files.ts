// Reads the marketer's files from disk for core/workspace.ts (which stays pure): files and
// folders (recursively: every *.json except *.schema.json, hidden folders and node_modules),
// plus the layout names found in <templates>/layouts/*.mjml.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { validateWorkspace } from '#core/workspace';
import type { Problem, SourceFile, WorkspaceResult } from '#core/workspace';

const isMarketerJson = (name: string): boolean => name.endsWith('.json') && !name.endsWith('.schema.json');

const walk = async (dir: string): Promise<string[]> => {
  const entries = await readdir(dir, { withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await walk(full)));
    else if (entry.isFile() && isMarketerJson(entry.name)) found.push(full);
  }
  return found;
};

const reason = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
};

/** The texts of every file under the given paths; unreadable paths become problems. */
export const readSourceFiles = async (paths: readonly string[]): Promise<{ files: SourceFile[]; problems: Problem[] }> => {
  const files: SourceFile[] = [];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const path of paths) {
    let names: string[];
    try {
      names = (await stat(path)).isDirectory() ? await walk(path) : [path];
    } catch (error) {
      problems.push({ file: path, path: '(root)', message: reason(error) });
      continue;
    }
    for (const file of names) {
      if (seen.has(file)) continue;
      seen.add(file);
      try {
        files.push({ file, text: await readFile(file, 'utf8') });
      } catch (error) {
        problems.push({ file, path: '(root)', message: reason(error) });
      }
    }
  }
  return { files, problems };
};

/** Layout names in <templatesDir>/layouts (undefined when that folder does not exist). */
export const readLayoutNames = async (templatesDir: string): Promise<string[] | undefined> => {
  try {
    const names = await readdir(join(templatesDir, 'layouts'));
    return names.filter((n) => n.endsWith('.mjml')).map((n) => n.slice(0, -'.mjml'.length)).sort();
  } catch {
    return undefined;
  }
};

export interface LoadOptions {
  /** Folder holding layouts/<name>.mjml; layouts are checked when it exists. @default 'templates' */
  templatesDir?: string;
}

/** Reads and validates a workspace: all problems (IO, syntax, schema, references) in one list. */
export const loadWorkspace = async (paths: readonly string[], options: LoadOptions = {}): Promise<WorkspaceResult> => {
  const { files, problems: ioProblems } = await readSourceFiles(paths);
  const layouts = await readLayoutNames(options.templatesDir ?? 'templates');
  const result = validateWorkspace(files, layouts === undefined ? {} : { layouts });
  return { workspace: result.workspace, problems: [...ioProblems, ...result.problems] };
};
