import type { Command } from 'commander';

/** `sightline simulate …` (filled in by the work that owns it). */
export function registerSimulateCommand(_program: Command, _fail: (e: unknown) => never): void {
  // not yet
}
