// `sightline discover` as a person runs it: refusals, Ctrl-C keeping partial results, JSON file and upload with a
// token, credentials from the environment never printed. Targets are 127.43.0.0/16 only.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedVerdict, generateFleet, type SimDevice } from '../../tools/simulator/fleet';
import { DEFAULT_CREDENTIALS, startSimulator, type Simulator } from '../../tools/simulator/server';
import { SIM_SNMP_COMMUNITY } from '../../tools/simulator/services';
import type { ScanReport } from '../../src/discovery/types';

const root = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-discover-'));

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs the CLI; `onStderr` may act on progress (e.g. send Ctrl-C). */
function discover(args: string[], env: Record<string, string> = {}, onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/sightline.mjs', 'discover', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; onStderr?.(stderr, child); });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('sightline discover (CLI)', () => {
  let fleet: SimDevice[];
  let sim: Simulator;

  beforeAll(async () => {
    fleet = generateFleet({ devices: 15, base: '127.43.0.1', seed: 5, misbehaving: 0 });
    sim = await startSimulator(fleet, { credentials: DEFAULT_CREDENTIALS });
  }, 60_000);
  afterAll(async () => { await sim?.close(); fs.rmSync(tmp, { recursive: true, force: true }); });

  it('without --allow refuses every target, says why, and sends nothing', async () => {
    const before = sim.stats.connections;
    const r = await discover(['127.43.0.1', '127.43.0.0/28']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('127.43.0.1 is not in an allowed range; pass --allow CIDR');
    expect(r.stderr).toContain('127.43.0.0/28 is not in an allowed range');
    expect(sim.stats.connections).toBe(before);
  }, 120_000);

  it('with --allow refuses the targets outside it by name', async () => {
    const r = await discover(['127.43.0.0/28', '127.44.0.1', '--allow', '127.43.0.0/16']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/127\.44\.0\.1 is not in an allowed range \(127\.43\.0\.0\/16\)/);
    expect(r.stderr).not.toMatch(/127\.43\.0\.0\/28 is not/);
  }, 120_000);

  it('sends the SNMP community only inside --snmp-ranges, refuses ranges outside --allow, and never reports it', async () => {
    const outside = await discover(['127.43.0.0/28', '--allow', '127.43.0.0/16', '--snmp-community', 'x', '--snmp-ranges', '127.50.0.0/24']);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/--snmp-ranges: 127\.50\.0\.0\/24 is not in an allowed range/);
    const hanwha = fleet.find((d) => d.make === 'hanwha')!;
    const r = await discover(['127.43.0.0/28', '--allow', '127.43.0.0/16', '--snmp-ranges', `${hanwha.address}/32`, '--json', '-', '--quiet'],
      { SIGHTLINE_SNMP_COMMUNITY: SIM_SNMP_COMMUNITY });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as ScanReport;
    const asked = report.devices.filter((d) => d.probes.some((p) => /snmp/.test(p.probe)));
    expect(asked.map((d) => d.address)).toEqual([hanwha.address]);
    expect(asked[0]).toMatchObject({ snmpSysDescr: hanwha.model });
    expect(r.stdout + r.stderr).not.toContain(SIM_SNMP_COMMUNITY);
  }, 120_000);

  it('Ctrl-C stops the scan cleanly and keeps what was found in the JSON file', async () => {
    const file = path.join(tmp, 'partial.json');
    let sent = false;
    // A /16 at a modest rate takes minutes; the fleet sits at its start, so devices are found within seconds.
    const r = await discover(['127.43.0.0/16', '--allow', '127.43.0.0/16', '--rate', '3000', '--timeout', '3000', '--json', file], {}, (text, child) => {
      const m = [...text.matchAll(/(\d+) found/g)].pop();
      if (!sent && m && Number(m[1]) >= 3) { sent = true; child.kill('SIGINT'); }
    });
    expect(sent, r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('Stopping: keeping what was found so far');
    const report = JSON.parse(fs.readFileSync(file, 'utf8')) as ScanReport;
    expect(report.interrupted).toBe(true);
    expect(report.hostsScanned).toBeLessThan(65_536);
    expect(report.devices.length).toBeGreaterThanOrEqual(3);
    for (const d of report.devices) {
      const truth = fleet.find((f) => f.address === d.address);
      expect(truth, `${d.address} is a simulated device`).toBeTruthy();
      // Hosts whose identification had finished carry the verdict; any cut short say so in their probes.
      if (!d.probes.some((p) => /stopped/.test(p.error ?? ''))) expect(d.verdict.origin).toBe(expectedVerdict(truth!));
    }
  }, 180_000);

  it('uploads the report with the bearer token, reads credentials from the environment and never prints them', async () => {
    const received: { auth?: string; body?: ScanReport; path?: string } = {};
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        Object.assign(received, { auth: req.headers.authorization, body: JSON.parse(body), path: req.url });
        res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id: 'run-1' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const file = path.join(tmp, 'full.json');
    try {
      const r = await discover(['127.43.0.1-3', '--allow', '127.43.0.0/24', '--timeout', '3000', '--json', file,
        '--credentials', 'site-login', '--upload', `http://127.0.0.1:${port}/api/v1/discovery/runs`, '--token', 'tok-123'],
      { SIGHTLINE_DEVICE_USER: DEFAULT_CREDENTIALS.username, SIGHTLINE_DEVICE_PASSWORD: DEFAULT_CREDENTIALS.password });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('scan run run-1');
      expect(received.auth).toBe('Bearer tok-123');
      expect(received.path).toBe('/api/v1/discovery/runs');
      expect(received.body?.devices.map((d) => d.address)).toEqual(['127.43.0.1', '127.43.0.2', '127.43.0.3']);
      expect(received.body?.devices[0].onvif?.manufacturer).toBe(fleet[0].manufacturer); // read with the digest login
      const saved = fs.readFileSync(file, 'utf8');
      expect(JSON.parse(saved)).toEqual(received.body);
      for (const text of [r.stdout, r.stderr, saved]) expect(text).not.toContain(DEFAULT_CREDENTIALS.password);
    } finally {
      server.close();
    }
  }, 120_000);
});
