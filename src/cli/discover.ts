import type { Command } from 'commander';

/** `sightline discover …` (filled in by the work that owns it). */
export function registerDiscoverCommand(_program: Command, _fail: (e: unknown) => never): void {
  // not yet
}
