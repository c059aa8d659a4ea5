import type { Command } from 'commander';

/** `sightline import …` (filled in by the work that owns it). */
export function registerImportCommand(_program: Command, _fail: (e: unknown) => never): void {
  // not yet
}
