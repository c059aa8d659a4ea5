// `sightline identify`: JSON Lines in, one answer per line out, bad lines named by number while the rest still run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { DEVICE_FIELDS, MAX_LINE_BYTES, readLines, registerIdentifyCommand, runIdentify } from '../../src/cli/identify';
import { compileCatalogue } from '../../src/domain/provenance';
import type { Catalogue } from '../../src/catalog/types';

const root = path.resolve(__dirname, '../..');

// A one-company catalogue: enough to drive the command without the shipped one.
const tiny: Catalogue = {
  version: 'tiny-1', sources: [{ id: 's', title: 't', publisher: 'p', url: null, date: null }],
  companies: [
    { slug: 'hikvision', name: 'Hikvision', country: 'CN', flags: [{ list: 'prc-nil', status: 'subject', since: null, until: null, confidence: 0.9, source: 's' }] },
    { slug: 'axis', name: 'Axis', country: 'SE', flags: [{ list: 'prc-nil', status: 'not-subject', since: null, until: null, confidence: 0.9, source: 's' }] },
  ],
  brands: [{ name: 'Hikvision', aliases: [], company: 'hikvision', relation: 'own', confidence: 1, from: null, until: null, source: 's' }],
  ouiRegistrants: [],
  platforms: [{ id: 'hisilicon-dvr', name: 'HiSilicon DVR', nilSubject: true, note: 'PRC OEMs only', source: 's' }],
  rules: [
    { id: 'hik-realm', field: 'realm', pattern: '^Hikvision$', company: 'hikvision', weight: 0.8, indicates: 'Hikvision realm', source: 's', examples: { match: [], noMatch: [] } },
    { id: 'axis-body', field: 'httpBody', pattern: '/axis-cgi/', company: 'axis', weight: 0.75, indicates: 'Axis page', source: 's', examples: { match: [], noMatch: [] } },
    { id: 'hidvr', field: 'telnetBanner', pattern: '^HiDVR login', platform: 'hisilicon-dvr', weight: 0.7, indicates: 'HiSilicon DVR console', source: 's', examples: { match: [], noMatch: [] } },
  ],
};
const compiled = compileCatalogue(tiny, new Map([['4419B6', { company: 'hikvision', registrant: 'Hangzhou Hikvision Digital Technology Co.,Ltd.' }]]));

async function run(input: string | Buffer[], explain = false) {
  const out = new PassThrough(); const err = new PassThrough();
  let stdout = ''; let stderr = '';
  out.on('data', (d) => { stdout += d; }); err.on('data', (d) => { stderr += d; });
  const code = await runIdentify({ input: Readable.from(typeof input === 'string' ? [Buffer.from(input)] : input), out, err, explain, compiled, names: compiled.names });
  return { code, stdout, stderr };
}

describe('identify command (in-process)', () => {
  it('answers each line in order and names bad lines by number, exit 1', async () => {
    const r = await run([
      JSON.stringify({ id: 'a', brand: 'Hikvision' }),
      '{not json',
      JSON.stringify({ id: 'b', mac: 12 }),
      '',
      JSON.stringify({ brand: 'Hikvision' }),
      JSON.stringify({ id: 'c', mac: '44:19:b6:00:00:01', extra: 'ignored' }),
    ].join('\n'));
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id ?? `line ${l.line}`)).toEqual(['a', 'line 2', 'line 3', 'line 5', 'c']);
    expect(lines[0]).toMatchObject({ id: 'a', origin: 'hikvision', nilSubject: true, confidence: 0.6, conflicts: [] });
    expect(Object.keys(lines[0])).toEqual(['id', 'origin', 'nilSubject', 'confidence', 'evidence', 'conflicts', 'catalogueVersion']);
    expect(lines[1].error).toMatch(/not valid JSON/);
    expect(lines[2].error).toMatch(/^mac: /);
    expect(lines[3].error).toMatch(/^id: /);
    expect(lines[4]).toMatchObject({ id: 'c', origin: 'hikvision' });
    expect(r.stderr).toMatch(/line 2: not valid JSON/);
    expect(r.stderr).toMatch(/line 3: mac/);
  });

  it('exits 0 when every line is good, with CRLF line ends and no final newline', async () => {
    const r = await run(`${JSON.stringify({ id: 'a' })}\r\n${JSON.stringify({ id: 'b', brand: 'Hikvision' })}`);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).origin)).toEqual([null, 'hikvision']);
  });

  it('prints explanations with --explain', async () => {
    const r = await run(`${JSON.stringify({ id: 'cam-1', mac: '44:19:B6:01:02:03' })}\n[1]\n`, true);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Device cam-1');
    expect(r.stdout).toContain('Subject to the PRC National Intelligence Law: yes');
    expect(r.stdout).toContain('Line 2: error: record: ');
  });

  it('refuses an over-long line without buffering it, and goes on', async () => {
    const big = `{"id":"x","httpBody":"${'A'.repeat(MAX_LINE_BYTES)}"}`;
    // split across many small chunks, as a pipe delivers it
    const chunks: Buffer[] = [];
    const all = Buffer.from(`${big}\n${JSON.stringify({ id: 'ok' })}\n`);
    for (let i = 0; i < all.length; i += 1000) chunks.push(all.subarray(i, i + 1000));
    const r = await run(chunks);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ line: 1, error: `line longer than ${MAX_LINE_BYTES} bytes` });
    expect(lines[1].id).toBe('ok');
  });

  it('accepts every evidence field, ignores unknown ones, and adds "platform" only when the evidence shows one', async () => {
    const all = {
      id: 'full', brand: 'Generic', realm: 'Hikvision', realms: ['a', 'b'], wwwAuthenticate: 'Digest realm="Hikvision"', ftpBanner: '220 x',
      telnetBanner: 'login:', sshBanner: 'SSH-2.0-x', loginBanner: 'x', snmpSysDescr: 'x', snmpSysObjectId: '1.3.6.1.4.1.1', x509Subject: 'CN=x',
      x509Issuer: 'CN=y', httpBody: '<html></html>', faviconMd5: 'd41d8cd98f00b204e9800998ecf8427e', faviconMmh3: -1234567, dhcpVendorClass: 'x',
      sipUserAgent: 'x', upnpServer: 'x', upnpManufacturer: 'x', upnpModelName: 'x', service: 'sadp', port: 37020, rawResponse: '\\x00\\x01',
      services: [{ service: 'dhip', port: 37810, rawResponse: '{}', extra: 1 }], somethingElse: { nested: true },
    };
    const r = await run([JSON.stringify(all), JSON.stringify({ id: 'text-hash', faviconMmh3: '-1234567' }), JSON.stringify({ id: 'dvr', telnetBanner: 'HiDVR login:' })].join('\n'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ id: 'full', origin: 'hikvision' });
    expect(lines[0].evidence.map((e: { kind: string }) => e.kind)).toEqual(['label', 'realm']);
    expect(Object.keys(lines[0])).toEqual(['id', 'origin', 'nilSubject', 'confidence', 'evidence', 'conflicts', 'catalogueVersion']);
    expect(lines[1]).toMatchObject({ id: 'text-hash', origin: null });
    expect(lines[2]).toMatchObject({ id: 'dvr', origin: null, nilSubject: true, platform: { id: 'hisilicon-dvr', name: 'HiSilicon DVR', nilSubject: true } });
    expect(Object.keys(lines[2])).toEqual(['id', 'origin', 'nilSubject', 'confidence', 'evidence', 'conflicts', 'catalogueVersion', 'platform']);
  });

  it('rejects a field of the wrong type, naming it', async () => {
    const r = await run([
      { id: 'a', faviconMmh3: true }, { id: 'b', port: '80' }, { id: 'c', services: [{ port: 99999 }] }, { id: 'd', realms: 'Login' },
      { id: 'e', snmpSysDescr: 42 }, { id: 'f', faviconMmh3: 1.5 }, { id: 'g', httpBody: 'x'.repeat(64 * 1024 + 1) },
    ].map((x) => JSON.stringify(x)).join('\n'));
    expect(r.code).toBe(1);
    const errors = r.stdout.trim().split('\n').map((l) => JSON.parse(l).error as string);
    expect(errors.map((e) => e.split(':')[0])).toEqual(['faviconMmh3', 'port', 'services.0.port', 'realms', 'snmpSysDescr', 'faviconMmh3', 'httpBody']);
  });

  it('reads a line carrying a 64 KiB page body (with JSON escapes and non-ASCII text)', async () => {
    const body = `<html><title>\u76d1\u63a7</title>${'<p class="x">\t"quoted"\n</p>'.repeat(2800)}`.slice(0, 64 * 1024 - 40) + '<script src="/axis-cgi/x.js"></script>';
    const line = JSON.stringify({ id: 'big', httpBody: body });
    expect(Buffer.byteLength(line)).toBeGreaterThan(64 * 1024);
    const r = await run(`${line}\n`);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ id: 'big', origin: 'axis' });
    expect(out.evidence[0].value).toContain('/axis-cgi/');
  });

  it('reads lines across chunk boundaries, including multi-byte characters split in two', async () => {
    const text = Buffer.from('{"id":"é1"}\n{"id":"ü2"}\n');
    const chunks = [text.subarray(0, 8), text.subarray(8, 15), text.subarray(15)];
    const got: (string | null)[] = [];
    for await (const batch of readLines(Readable.from(chunks))) for (const l of batch) got.push(l.text);
    expect(got).toEqual(['{"id":"é1"}', '{"id":"ü2"}']);
  });
});

describe('sightline identify (the installed command)', () => {
  it('registers on a Commander program as identify [file] --explain', () => {
    const program = new Command('sightline');
    registerIdentifyCommand(program);
    const cmd = program.commands.find((c) => c.name() === 'identify')!;
    expect(cmd.registeredArguments.map((a) => [a.name(), a.required])).toEqual([['file', false]]);
    expect(cmd.options.map((o) => o.long)).toEqual(['--explain']);
  });

  it('lists every field it reads in its help', () => {
    const program = new Command('sightline').exitOverride();
    let help = '';
    program.configureOutput({ writeOut: (s) => { help += s; } });
    registerIdentifyCommand(program);
    expect(() => program.parse(['identify', '--help'], { from: 'user' })).toThrow();
    for (const f of DEVICE_FIELDS) expect(help, f).toMatch(new RegExp(`\\b${f}\\b`));
  });


  it('answers a file, one bad line named by number, exit status 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-identify-'));
    const file = path.join(dir, 'devices.jsonl');
    fs.writeFileSync(file, [
      JSON.stringify({ id: 'cam-1', brand: 'Honeywell', model: 'HC30W45R3', mac: '3C:EF:8C:12:34:56', firmware: '2.800.0000000.16.R' }),
      JSON.stringify({ id: 'cam-2', scopes: 'not a list' }),
      JSON.stringify({ id: 'cam-3', brand: 'Axis', model: 'M3106-L Mk II', mac: 'AC:CC:8E:01:02:03' }),
    ].join('\n'));
    const r = spawnSync(process.execPath, ['bin/sightline.mjs', 'identify', file], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'test' } });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ id: 'cam-1', origin: 'dahua', nilSubject: true });
    expect(lines[1]).toMatchObject({ line: 2 });
    expect(lines[1].error).toMatch(/scopes/);
    expect(lines[2]).toMatchObject({ id: 'cam-3', origin: 'axis', nilSubject: false });
    expect(r.stderr).toMatch(/line 2: scopes/);
  });

  it('reads standard input and explains with --explain', () => {
    const r = spawnSync(process.execPath, ['bin/sightline.mjs', 'identify', '--explain'], {
      cwd: root, encoding: 'utf8', input: `${JSON.stringify({ id: 'nvr-9', brand: 'Generic', mac: '44:19:B6:00:11:22', httpPaths: ['/ISAPI/System/deviceInfo'] })}\n`,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Device nvr-9');
    expect(r.stdout).toMatch(/Produced by: .*\(hikvision\)/);
  });

  it('exits 2 when the file cannot be read', () => {
    const r = spawnSync(process.execPath, ['bin/sightline.mjs', 'identify', '/nonexistent/devices.jsonl'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot read/);
  });
});
