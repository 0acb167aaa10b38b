import { readFile } from 'node:fs/promises';

/** The package version (build/src/cli/version.js → ../../../package.json); kept apart from app.ts so client commands stay light. */
export async function cliVersion(): Promise<string> {
  try {
    const text = await readFile(new URL('../../../package.json', import.meta.url), 'utf8');
    return String((JSON.parse(text) as { version?: unknown }).version ?? '0.0.0');
  } catch {
    return '0.0.0';
  }
}
