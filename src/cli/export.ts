import type { Command } from 'commander';

/** `sightline export …` (filled in by the work that owns it). */
export function registerExportCommand(_program: Command, _fail: (e: unknown) => never): void {
  // not yet
}
