// Discovery: `sightline discover` against nmap on the same TCP sweep, in the same run.
//
//   node bin/run-ts.mjs bench/discovery.ts [--devices 2000] [--rate 100000] [--concurrency 2048] [--timeout 2000] [--runs 1] [--busy 1]
//
// --busy 1 keeps one core busy with another process (a spinning loop) for the whole run: a machine that is doing
// something else too.
//
// A simulated fleet (`sightline simulate`, its own process) of N live devices scattered at random over the 65,536
// addresses of 127.2.0.0/16; then, alternately, `sightline discover 127.2.0.0/16` (TCP sweep of the port list, then
// identification of every host found: HTTP(S), RTSP, ONVIF, WS-Discovery, provenance) and
// `nmap -n -Pn -sT -p <ports> --min-rate <rate> 127.2.0.0/16` (the same connect sweep, no identification).
// Both run as child processes and are timed from spawn to exit. Every live device must be found by both and
// identified by discover as its configured maker. Then the sweep alone, like for like: both tools over an empty
// /16 (127.3.0.0/16) with the same port list. Only 127.0.0.0/8 is ever dialled.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { ScanReport } from '../src/discovery/types';
import { DEFAULT_PORTS } from '../src/discovery/tcp';

const args = Object.fromEntries(process.argv.slice(2).reduce<[string, string][]>((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const DEVICES = Number(args.devices ?? 2000);
const RATE = Number(args.rate ?? 100_000);
const CONCURRENCY = Number(args.concurrency ?? 2048);
const TIMEOUT = Number(args.timeout ?? 2000);
const RUNS = Number(args.runs ?? 1);
const WORKERS = args.workers ? ['--workers', String(Number(args.workers))] : [];
const MISBEHAVING = Number(args.misbehaving ?? 0.02);
const BUSY = Number(args.busy ?? 0);
const NET = '127.2.0.0/16';
const EMPTY_NET = '127.3.0.0/16';
const NMAP = '/usr/bin/nmap';
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = path.join(root, 'bench/out');
fs.mkdirSync(out, { recursive: true });

// Sockets: the simulator needs one per listener (~4 per device), the scanner up to --concurrency at once.
const hardLimit = Number(fs.readFileSync('/proc/self/limits', 'utf8').match(/Max open files\s+\d+\s+(\d+)/)?.[1] ?? 1024);
const NOFILE = Math.min(65_535, hardLimit);
const fileMax = fs.readFileSync('/proc/sys/fs/file-max', 'utf8').trim();
console.error(`fs.file-max ${fileMax}; open-files hard limit ${hardLimit}; children run with ulimit -n ${NOFILE}`);

/** Spawns a command under `ulimit -n` (bash, so the limit applies to the child alone). */
function spawnLimited(cmd: string[], opts: { stdout?: 'pipe' | 'ignore' } = {}): ChildProcess {
  const quoted = cmd.map((c) => `'${c.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawn('bash', ['-c', `ulimit -n ${NOFILE} && exec ${quoted}`], { cwd: root, stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'] });
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Runs a command to completion: wall time, and CPU time (the command's, and the simulator's meanwhile). */
async function timed(cmd: string[], simPid: number): Promise<{ ms: number; cpu: number; simCpu: number; code: number | null; stderr: string; load: string }> {
  // The machine is shared: the 1-minute load average as the command starts goes beside its figures.
  const load = os.loadavg()[0].toFixed(1);
  const sim0 = cpuSeconds(simPid);
  const t0 = performance.now();
  const child = spawnLimited(['/usr/bin/time', '-f', 'cpu %U %S', ...cmd], { stdout: 'ignore' });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
  return { ms: performance.now() - t0, cpu: m ? Number(m[1]) + Number(m[2]) : NaN, simCpu: cpuSeconds(simPid) - sim0, code, stderr, load };
}

interface Truth { address: string; make: string; expectedOrigin: string | null; behaviour: string }

async function main() {
  const listFile = path.join(out, 'discovery-fleet.json');
  const simStart = performance.now();
  const sim = spawnLimited(['node', 'bin/sightline.mjs', 'simulate', '--devices', String(DEVICES), '--base', '127.2.0.0', '--spread', '65536',
    '--seed', '1', '--misbehaving', String(MISBEHAVING), '--list', listFile]);
  let simErr = '';
  sim.stderr!.on('data', (d) => { simErr += d; });
  await new Promise<void>((resolve, reject) => {
    let text = '';
    sim.stdout!.on('data', (d) => { text += d; if (text.includes('\nready')) resolve(); });
    sim.on('close', (code) => reject(new Error(`simulator exited (${code}): ${simErr.slice(-2000)}`)));
  });
  const truth = JSON.parse(fs.readFileSync(listFile, 'utf8')) as Truth[];
  console.error(`simulator: ${truth.length} devices serving after ${((performance.now() - simStart) / 1000).toFixed(1)} s`);

  const ports = DEFAULT_PORTS.join(',');
  const rows: string[] = [];
  // Another process that takes a whole core for as long as the runs last.
  const spinners = Array.from({ length: BUSY }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  try {
    for (let run = 1; run <= RUNS; run++) {
      const json = path.join(out, `discovery-report-${run}.json`);
      const d = await timed(['node', 'bin/sightline.mjs', 'discover', NET, '--allow', NET, '--rate', String(RATE), '--concurrency', String(CONCURRENCY),
        '--timeout', String(TIMEOUT), '--json', json, '--quiet', ...WORKERS], sim.pid!);
      if (d.code !== 0) throw new Error(`discover failed (${d.code}): ${d.stderr.slice(-2000)}`);
      const report = JSON.parse(fs.readFileSync(json, 'utf8')) as ScanReport;
      const scanMs = Date.parse(report.finishedAt) - Date.parse(report.startedAt);

      const grep = path.join(out, `discovery-nmap-${run}.gnmap`);
      const n = await timed([NMAP, '-n', '-Pn', '-sT', '-p', ports, '--min-rate', String(RATE), NET, '-oG', grep], sim.pid!);
      if (n.code !== 0) throw new Error(`nmap failed (${n.code}): ${n.stderr.slice(-2000)}`);
      const nmapOpen = new Map<string, number[]>();
      for (const line of fs.readFileSync(grep, 'utf8').split('\n')) {
        const m = /^Host: (\S+) .*Ports: (.*)$/.exec(line);
        if (!m) continue;
        const open = [...m[2].matchAll(/(\d+)\/open\//g)].map((x) => Number(x[1])).sort((a, b) => a - b);
        if (open.length) nmapOpen.set(m[1], open);
      }

      // Checks: every live device found (by both), identified (by discover) as configured; nothing else reported.
      const found = new Map(report.devices.map((x) => [x.address, x]));
      const missing = truth.filter((t) => !found.has(t.address));
      const wrong = truth.filter((t) => found.has(t.address) && found.get(t.address)!.verdict.origin !== t.expectedOrigin);
      const extra = report.devices.filter((x) => !truth.some((t) => t.address === x.address));
      const portMismatch = truth.filter((t) => found.has(t.address) && nmapOpen.has(t.address) && found.get(t.address)!.ports.join() !== nmapOpen.get(t.address)!.join());
      const nmapMissing = truth.filter((t) => !nmapOpen.has(t.address));
      console.error(`run ${run}: discover ${(d.ms / 1000).toFixed(1)} s (scan ${(scanMs / 1000).toFixed(1)} s), nmap ${(n.ms / 1000).toFixed(1)} s; `
        + `missing ${missing.length}, misidentified ${wrong.length}, extra ${extra.length}, port mismatches vs nmap ${portMismatch.length}, nmap missing ${nmapMissing.length}`);
      for (const w of wrong.slice(0, 10)) console.error(`  misidentified ${w.address} ${w.make}/${w.behaviour}: ${found.get(w.address)!.verdict.origin}`);
      const hosts = report.hostsScanned;
      const sweepS = report.timings ? `, sweep ${(report.timings.sweepMs / 1000).toFixed(1)} s` : '';
      rows.push(`| ${run} | sightline discover (sweep + identification) | ${(d.ms / 1000).toFixed(1)} s (scan ${(scanMs / 1000).toFixed(1)} s${sweepS}) | ${Math.round(hosts / (d.ms / 1000)).toLocaleString('en-GB')} | `
        + `${d.cpu.toFixed(1)} s + simulator ${d.simCpu.toFixed(1)} s | ${truth.length - missing.length}/${truth.length} | ${truth.length - missing.length - wrong.length}/${truth.length} | ${d.load} |`);
      rows.push(`| ${run} | nmap -sT (sweep only) | ${(n.ms / 1000).toFixed(1)} s | ${Math.round(65_536 / (n.ms / 1000)).toLocaleString('en-GB')} | ${n.cpu.toFixed(1)} s + simulator ${n.simCpu.toFixed(1)} s | ${truth.length - nmapMissing.length}/${truth.length} | — | ${n.load} |`);
      rows.push(`| ${run} | ratio nmap ÷ discover (wall) | ${(n.ms / d.ms).toFixed(2)}× | | | | | |`);

      // The sweep alone, like for like: the same port list over an empty /16 (every connect refused at once), so
      // neither tool has anything to identify and the simulator has nothing to answer.
      const emptyJson = path.join(out, `discovery-empty-${run}.json`);
      const de = await timed(['node', 'bin/sightline.mjs', 'discover', EMPTY_NET, '--allow', EMPTY_NET, '--rate', String(RATE), '--concurrency', String(CONCURRENCY),
        '--timeout', String(TIMEOUT), '--json', emptyJson, '--quiet', ...WORKERS], sim.pid!);
      if (de.code !== 0) throw new Error(`discover (empty range) failed (${de.code}): ${de.stderr.slice(-2000)}`);
      const ne = await timed([NMAP, '-n', '-Pn', '-sT', '-p', ports, '--min-rate', String(RATE), EMPTY_NET, '-oG', '/dev/null'], sim.pid!);
      if (ne.code !== 0) throw new Error(`nmap (empty range) failed (${ne.code}): ${ne.stderr.slice(-2000)}`);
      const emptyFound = (JSON.parse(fs.readFileSync(emptyJson, 'utf8')) as ScanReport).devices.length;
      console.error(`run ${run}: sweep only (${EMPTY_NET}): discover ${(de.ms / 1000).toFixed(1)} s, nmap ${(ne.ms / 1000).toFixed(1)} s`);
      rows.push(`| ${run} | sightline discover, sweep only (${EMPTY_NET}, nothing listening) | ${(de.ms / 1000).toFixed(1)} s | ${Math.round(65_536 / (de.ms / 1000)).toLocaleString('en-GB')} | ${de.cpu.toFixed(1)} s | ${emptyFound} (none expected) | — | ${de.load} |`);
      rows.push(`| ${run} | nmap -sT, sweep only (${EMPTY_NET}) | ${(ne.ms / 1000).toFixed(1)} s | ${Math.round(65_536 / (ne.ms / 1000)).toLocaleString('en-GB')} | ${ne.cpu.toFixed(1)} s | — | — | ${ne.load} |`);
      rows.push(`| ${run} | ratio nmap ÷ discover, sweep only (wall) | ${(ne.ms / de.ms).toFixed(2)}× | | | | | |`);
      // The cost bar: CPU per address, like for like (same addresses, ports and rate).
      rows.push(`| ${run} | CPU per address, sweep only: discover ÷ nmap | ${(de.cpu / ne.cpu).toFixed(2)}× (${((de.cpu / 65_536) * 1e6).toFixed(0)} µs vs ${((ne.cpu / 65_536) * 1e6).toFixed(0)} µs) | | | | | |`);
      // What identification costs, and the machine time each whole run takes (the tool's CPU and the simulator's, which
      // share the cores). nmap is one thread: on an idle machine discover can match its wall time only while this
      // ratio is at most the number of cores; on a machine already full, the wall ratio tends to its inverse.
      const identifyCpu = d.cpu - de.cpu;
      rows.push(`| ${run} | identification CPU per device (fleet scan − empty sweep; simulator meanwhile) | ${((identifyCpu / truth.length) * 1000).toFixed(1)} ms + simulator ${((d.simCpu / truth.length) * 1000).toFixed(1)} ms | | | | | |`);
      rows.push(`| ${run} | machine time, whole scan ÷ nmap sweep ((tool + simulator CPU) ÷ same for nmap; ${os.cpus().length} cores) | ${((d.cpu + d.simCpu) / (n.cpu + n.simCpu)).toFixed(2)}× | | | | | |`);
    }
  } finally {
    for (const p of spinners) p.kill('SIGKILL');
    sim.kill('SIGINT');
    await new Promise((r) => sim.on('close', r));
  }

  const behaviours = Object.entries(truth.reduce<Record<string, number>>((a, t) => ({ ...a, [t.behaviour]: (a[t.behaviour] ?? 0) + 1 }), {})).map(([b, n]) => `${b} ${n}`).join(', ');
  const table = [
    `### Discovery sweep vs nmap (${new Date().toISOString().slice(0, 10)})`, '',
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}; load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}${BUSY ? `; ${BUSY} other process${BUSY > 1 ? 'es' : ''} spinning on a core throughout` : ''}.`,
    `Targets: ${NET} (65,536 addresses) × ports ${ports}; ${truth.length} live simulated devices at random addresses (${behaviours}), served by \`sightline simulate\` in its own process.`,
    `discover: \`--rate ${RATE} --concurrency ${CONCURRENCY} --timeout ${TIMEOUT}${WORKERS.length ? ` --workers ${WORKERS[1]}` : ''}\`; nmap: \`nmap -n -Pn -sT -p ${ports} --min-rate ${RATE} ${NET}\`. Times are wall clock from spawn to exit (discover includes Node/tsx start-up and the catalogue load; "scan" is the report's own start-to-finish).`,
    '', '| run | tool | wall time | hosts/s | CPU (tool + simulator) | live devices found | identified as configured maker | load (1 min) at start |', '|---|---|---:|---:|---:|---:|---:|---:|', ...rows, '',
    `Command: \`node bin/run-ts.mjs bench/discovery.ts --devices ${DEVICES} --rate ${RATE} --concurrency ${CONCURRENCY} --timeout ${TIMEOUT} --runs ${RUNS}${WORKERS.length ? ` --workers ${WORKERS[1]}` : ''}${BUSY ? ` --busy ${BUSY}` : ''}\``,
  ].join('\n');
  fs.writeFileSync(path.join(out, `discovery-${Date.now()}.md`), `${table}\n`);
  console.log(table);
}

main().catch((e) => { console.error(e); process.exit(1); });
