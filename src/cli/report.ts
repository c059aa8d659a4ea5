import type { Command } from 'commander';

/** `sightline report …` (filled in by the work that owns it). */
export function registerReportCommand(_program: Command, _fail: (e: unknown) => never): void {
  // not yet
}
