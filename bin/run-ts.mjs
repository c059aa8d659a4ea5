#!/usr/bin/env node
// Runs a TypeScript script (benchmarks, tools) through tsx: `node bin/run-ts.mjs bench/x.ts args…`
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
register();
const script = process.argv[2];
if (!script) { console.error('usage: run-ts.mjs SCRIPT [args…]'); process.exit(2); }
process.argv.splice(1, 1);
await import(pathToFileURL(path.resolve(script)).href);
