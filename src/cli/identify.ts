// `sightline identify [FILE] [--explain]`: who really made each device, for a JSON Lines file or standard input.
// One device per line in, one verdict per line out, in the same order; a bad line gives an error line and the rest
// still run. Streams, so a scan of a million devices needs no more memory than one line.
import fs from 'node:fs';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { z } from 'zod';
import { compileCatalogue, explain, identify, type CompiledCatalogue } from '../domain/provenance';

/**
 * Longest line read; a longer one is an error for that line, not a reason to buffer without end. A line may carry a
 * 64 KiB page body, which JSON escaping and UTF-8 can make several times longer, so the limit leaves room for that.
 */
export const MAX_LINE_BYTES = 512 * 1024;

/** Longest page body read, in characters (the contract sends the first 64 KiB of the root page). */
export const MAX_BODY_CHARS = 64 * 1024;
/** Longest service answer, in characters (the first bytes, written with escapes such as "\x00", so up to 4 each). */
export const MAX_RAW_CHARS = 16 * 1024;

const text = z.string().max(4096).nullable().optional();
const list = z.array(z.string().max(4096)).max(1000).nullable().optional();
const port = z.number().int().min(1).max(65535).nullable().optional();
const raw = z.string().max(MAX_RAW_CHARS).nullable().optional();

/** One device. Unknown fields are ignored (a scan may carry more), but the fields we read must have the right types. */
export const deviceLine = z.object({
  id: z.string().min(1).max(200),
  brand: text, model: text, firmware: text, serial: text, mac: text,
  httpServer: text, httpTitle: text, httpPaths: list, rtspServer: text,
  onvif: z.object({ manufacturer: text, model: text, firmwareVersion: text, serialNumber: text, hardwareId: text }).nullable().optional(),
  scopes: list,
  realm: text, realms: list, wwwAuthenticate: text, ftpBanner: text, telnetBanner: text, sshBanner: text, loginBanner: text,
  snmpSysDescr: text, snmpSysObjectId: text, x509Subject: text, x509Issuer: text,
  httpBody: z.string().max(MAX_BODY_CHARS).nullable().optional(),
  faviconMd5: text,
  // Shodan's favicon hash is a signed 32-bit number; some tools print it as text.
  faviconMmh3: z.union([z.number().int().min(-(2 ** 31)).max(2 ** 31 - 1), z.string().max(32)]).nullable().optional(),
  dhcpVendorClass: text, sipUserAgent: text, upnpServer: text, upnpManufacturer: text, upnpModelName: text,
  service: z.string().max(64).nullable().optional(), port, rawResponse: raw,
  services: z.array(z.object({ service: z.string().max(64).nullable().optional(), port, rawResponse: raw })).max(256).nullable().optional(),
});

/** The fields a line may carry, for the help text. */
export const DEVICE_FIELDS = Object.keys(deviceLine.shape);

/** A numbered line; `text` is null for a line longer than the limit (its bytes were skipped, never buffered). */
export interface Line { no: number; text: string | null }

/**
 * Lines of a byte stream, numbered from 1, handed over a chunk at a time (one await per chunk, not per line:
 * at a million lines the difference is seconds). CRLF is read as LF; a last line without a newline still counts.
 */
export async function* readLines(input: AsyncIterable<Buffer | string>, maxBytes = MAX_LINE_BYTES): AsyncGenerator<Line[]> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let no = 0;
  const finish = (last: Buffer | null): string | null => {
    if (tooLong) return null;
    const all = parts.length === 0 ? last! : Buffer.concat(last ? [...parts, last] : parts);
    const s = all.toString('utf8');
    return s.endsWith('\r') ? s.slice(0, -1) : s;
  };
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const batch: Line[] = [];
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      const end = nl < 0 ? buf.length : nl;
      const piece = buf.subarray(start, end);
      if (!tooLong) {
        if (size + piece.length > maxBytes) { tooLong = true; parts = []; size = 0; }
        else if (nl < 0) { if (piece.length) { parts.push(Buffer.from(piece)); size += piece.length; } } // copy: the stream may reuse its buffer
      }
      if (nl < 0) break;
      batch.push({ no: ++no, text: finish(tooLong ? null : piece) });
      parts = []; size = 0; tooLong = false;
      start = nl + 1;
    }
    if (batch.length) yield batch;
  }
  if (size > 0 || tooLong) yield [{ no: ++no, text: finish(null) }];
}

function describeIssues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.length ? i.path.join('.') : 'record'}: ${i.message}`).join('; ');
}

export interface IdentifyRun {
  input: AsyncIterable<Buffer | string>;
  out: Writable;
  err: Writable;
  explain?: boolean;
  compiled: CompiledCatalogue;
  names?: Map<string, string>;
}

/** Runs the command over a stream; returns the exit code (0 all lines answered, 1 some line was bad). */
export async function runIdentify(r: IdentifyRun): Promise<number> {
  let failed = 0;
  let pending: string[] = [];
  let pendingSize = 0;
  const flush = async () => {
    if (!pending.length) return;
    const chunk = pending.join('');
    pending = []; pendingSize = 0;
    if (!r.out.write(chunk)) await once(r.out, 'drain'); // respect back-pressure from a slow reader
  };
  const emit = (s: string) => { pending.push(s); pendingSize += s.length; };
  const bad = (no: number, error: string) => {
    failed++;
    r.err.write(`line ${no}: ${error}\n`);
    emit(r.explain ? `Line ${no}: error: ${error}\n\n` : `${JSON.stringify({ line: no, error })}\n`);
  };

  for await (const batch of readLines(r.input)) {
    for (const { no, text } of batch) {
      if (text === null) { bad(no, `line longer than ${MAX_LINE_BYTES} bytes`); continue; }
      if (!text.trim()) continue; // blank lines separate nothing and answer nothing
      let raw: unknown;
      try { raw = JSON.parse(text); } catch (e) { bad(no, `not valid JSON: ${(e as Error).message}`); continue; }
      const parsed = deviceLine.safeParse(raw);
      if (!parsed.success) { bad(no, describeIssues(parsed.error)); continue; }
      const v = identify(r.compiled, parsed.data);
      if (r.explain) { emit(`${explain(v, r.names)}\n\n`); continue; }
      const line: Record<string, unknown> = { id: v.id, origin: v.origin, nilSubject: v.nilSubject, confidence: v.confidence, evidence: v.evidence, conflicts: v.conflicts, catalogueVersion: v.catalogueVersion };
      if (v.platform) line.platform = v.platform; // only when the evidence shows one: older readers see the same lines
      emit(`${JSON.stringify(line)}\n`);
    }
    if (pendingSize > 64 * 1024) await flush();
  }
  await flush();
  return failed ? 1 : 0;
}

export function registerIdentifyCommand(program: Command) {
  program.command('identify')
    .description('identify who really produced each device in a JSON Lines file (or standard input): one verdict per line')
    .argument('[file]', 'JSON Lines, one device per line, with an "id" and any of the fields listed below')
    .option('--explain', 'print a readable explanation of each verdict instead of JSON')
    .addHelpText('after', `
Fields of a device line (all optional but "id"; strings unless said; unknown fields are ignored):
  label and register: brand, model, firmware, serial, mac
  web and RTSP:       httpServer, httpTitle, httpPaths (list), httpBody (first 64 KiB of the root page),
                      realm, realms (list), wwwAuthenticate (the raw header), rtspServer,
                      faviconMd5 (hex), faviconMmh3 (Shodan's favicon hash, number or text)
  ONVIF:              onvif {manufacturer, model, firmwareVersion, serialNumber, hardwareId}, scopes (list)
  other services:     ftpBanner, telnetBanner, sshBanner, loginBanner, snmpSysDescr, snmpSysObjectId,
                      x509Subject, x509Issuer, dhcpVendorClass, sipUserAgent,
                      upnpServer, upnpManufacturer, upnpModelName,
                      service + port (number) + rawResponse (first bytes answered, escaped as "\\x00"),
                      services (list of {service, port, rawResponse})
Each answer line: {id, origin, nilSubject, confidence, evidence, conflicts, catalogueVersion}, plus
"platform" {id, name, note, nilSubject} when the evidence shows a platform many makers build on.
Lines may be up to ${MAX_LINE_BYTES / 1024} KiB.

Exit status: 0 when every line was answered, 1 when some line was bad (its error line names it), 2 when the input cannot be read.`)
    .action(async (file: string | undefined, o: { explain?: boolean }) => {
      // Loaded here, not at import: the catalogue is validated and compiled only when the command runs. Compiled
      // with the registry's registrant look-up, so an unmapped MAC prefix is explained by naming who holds it.
      const [{ loadCatalogue }, { buildOuiIndex, registrantOf }] = await Promise.all([import('../catalog/load'), import('../catalog/oui')]);
      const catalogue = loadCatalogue();
      const compiled = compileCatalogue(catalogue, buildOuiIndex(catalogue), { registrantOf });
      if (!file && process.stdin.isTTY) process.stderr.write('Reading devices from standard input, one JSON object per line (Ctrl-D to end).\n');
      const input = file ? fs.createReadStream(file) : process.stdin;
      try {
        process.exitCode = await runIdentify({ input, out: process.stdout, err: process.stderr, explain: !!o.explain, compiled, names: compiled.names });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') return; // the reader went away (| head): stop quietly
        process.stderr.write(`Error: cannot read ${file ?? 'standard input'}: ${(e as Error).message}\n`);
        process.exitCode = 2;
      }
    });
}
