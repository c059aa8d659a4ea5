import type { Command } from 'commander';

/** `sightline jobs …` (filled in by the work that owns it). */
export function registerJobsCommand(_program: Command, _fail: (e: unknown) => never): void {
  // not yet
}
