// `sightline discover <targets…>`: find cameras and recorders on a network and identify who really made them.
// Refuses every target outside --allow (or, with --org, the organisation's allowed ranges); Ctrl-C stops the scan
// and keeps what was found; the report goes to a JSON file, standard output, and/or the server (--upload).
import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import type { DeviceCredentials } from '../discovery/onvif';
import { parseRate } from '../discovery/rate';
import { DEFAULTS, planTargets, runScan, ScopeRefusedError, type ScanProgress } from '../discovery/scan';
import { DEFAULT_PORTS, parsePorts } from '../discovery/tcp';
import { ScopeGuard } from '../discovery/scope';
import { TargetError, parseTarget } from '../discovery/targets';
import type { ScanReport } from '../discovery/types';

interface DiscoverOptions {
  ports?: string; rate?: string; concurrency?: string; timeout?: string; credentials?: string; org?: string;
  json?: string; upload?: string; token?: string; allow?: string[]; multicast?: boolean; wsdAll?: boolean; workers?: string; quiet?: boolean;
  snmpCommunity?: string; snmpRanges?: string[];
}

class UsageError extends Error {}

const positiveInt = (name: string, v: string | undefined, fallback: number, max: number) => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${name} must be a whole number from 1 to ${max}`);
  return n;
};

/** Credentials for ONVIF: the environment, or a named credential from this server's store (with --org). */
async function credentialSource(o: DiscoverOptions): Promise<{ credentialsFor: ((address: string) => Promise<DeviceCredentials | null>) | null; close: () => Promise<void> }> {
  const user = process.env.SIGHTLINE_DEVICE_USER;
  const password = process.env.SIGHTLINE_DEVICE_PASSWORD;
  if (user && password) {
    const creds = { username: user, password };
    return { credentialsFor: async () => creds, close: async () => {} };
  }
  if (!o.credentials) return { credentialsFor: null, close: async () => {} };
  if (!o.org) {
    throw new UsageError(`--credentials ${o.credentials}: set SIGHTLINE_DEVICE_USER and SIGHTLINE_DEVICE_PASSWORD, or add --org SLUG to use this server's credential store`);
  }
  // On the server itself: the organisation's store, which refuses addresses outside the credential's ranges.
  const [{ loadConfig }, { openDatabase, migrate }, { CredentialStore }, { organisationBySlug }] = await Promise.all([
    import('../platform/config'), import('../platform/db'), import('../modules/discovery/secrets'), import('../modules/organisations/service'),
  ]);
  const config = loadConfig();
  const database = openDatabase(config);
  await migrate(database);
  const org = await organisationBySlug(database.db, o.org);
  if (!org) { await database.close(); throw new UsageError(`--org: no organisation "${o.org}"`); }
  const store = new CredentialStore(config);
  const name = o.credentials;
  return {
    credentialsFor: async (address) => {
      const r = await store.resolveCredentials({ db: database.db, orgId: org.id }, name, address);
      return r.ok ? { username: r.username, password: r.password } : null;
    },
    close: () => database.close(),
  };
}

/**
 * The SNMP community for an address: only inside --snmp-ranges (default: the --allow ranges), and only when one was
 * given (--snmp-community or SIGHTLINE_SNMP_COMMUNITY, which keeps it out of the process list). Null: no SNMP at all.
 */
function snmpCommunitySource(o: DiscoverOptions, allow: string[]): ((address: string) => string | null) | null {
  const community = o.snmpCommunity ?? process.env.SIGHTLINE_SNMP_COMMUNITY;
  if (o.snmpRanges && !community) throw new UsageError('--snmp-ranges needs --snmp-community NAME (or SIGHTLINE_SNMP_COMMUNITY)');
  if (!community) return null;
  if (community.length > 255 || /[\u0000-\u001f]/.test(community)) throw new UsageError('--snmp-community: at most 255 printable characters');
  const ranges = new ScopeGuard(o.snmpRanges ?? allow);
  const scope = new ScopeGuard(allow);
  for (const r of o.snmpRanges ?? []) {
    const why = scope.check(parseTarget(r));
    if (why) throw new UsageError(`--snmp-ranges: ${why.reason}`);
  }
  return (address) => (ranges.allows(address) && scope.allows(address) ? community : null);
}

/** Progress on standard error: a bar on a terminal, a line every few seconds otherwise (logs, CI). */
function progressReporter(quiet: boolean) {
  if (quiet) return { update: (_p: ScanProgress) => {}, stop: () => {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar({
      stream: process.stderr, hideCursor: true, clearOnComplete: false,
      format: 'discover [{bar}] {percentage}% | {value}/{total} hosts | {found} found | {rate} hosts/s | {phase}',
    }, cliProgress.Presets.shades_classic);
    let started = false;
    return {
      update: (p: ScanProgress) => {
        const payload = { found: p.devicesFound, rate: Math.round(p.hostsPerSecond), phase: p.phase };
        if (!started) { bar.start(p.hostsTotal, p.hostsDone, payload); started = true; } else bar.update(p.hostsDone, payload);
      },
      stop: () => { if (started) bar.stop(); },
    };
  }
  let last = 0;
  let lastPhase = '';
  return {
    update: (p: ScanProgress) => {
      const now = performance.now();
      if (now - last < 2000 && p.phase === lastPhase) return;
      last = now; lastPhase = p.phase;
      process.stderr.write(`discover: ${p.hostsDone}/${p.hostsTotal} hosts, ${p.devicesFound} found, ${Math.round(p.hostsPerSecond)} hosts/s (${p.phase})\n`);
    },
    stop: () => {},
  };
}

/** Writes the report to a file in one step (a reader never sees half a report). */
function writeReport(file: string, report: ScanReport) {
  const text = `${JSON.stringify(report, null, 2)}\n`;
  if (file === '-') { process.stdout.write(text); return; }
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function summary(report: ScanReport): string {
  const took = report.timings ? ` in ${(report.timings.totalMs / 1000).toFixed(1)} s (TCP sweep ${(report.timings.sweepMs / 1000).toFixed(1)} s)` : '';
  const lines = [`${report.devices.length} device(s) found on ${report.hostsScanned} host(s) scanned${took}${report.interrupted ? ' (interrupted: partial results)' : ''}`];
  for (const d of report.devices) {
    const origin = d.verdict.origin ? `${d.verdict.origin} (${Math.round(d.verdict.confidence * 100)}%)${d.verdict.nilSubject ? ' PRC-made' : ''}` : 'unknown maker';
    lines.push(`  ${d.address.padEnd(15)}  ${origin.padEnd(28)}  ${(d.onvif?.manufacturer ?? '').padEnd(12)} ${d.model ?? ''}  ${d.mac ?? ''}  ports ${d.ports.join(',') || '-'}`);
  }
  return lines.join('\n');
}

/** POSTs the report to the server's scan-run API; returns the server's answer for the user. */
export async function uploadReport(url: string, token: string, report: ScanReport): Promise<string> {
  let u: URL;
  try { u = new URL(url); } catch { throw new UsageError(`--upload: "${url}" is not a URL`); }
  if (!/^https?:$/.test(u.protocol)) throw new UsageError('--upload must be an http:// or https:// URL');
  const res = await fetch(u, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(report), signal: AbortSignal.timeout(120_000),
  });
  const text = (await res.text()).slice(0, 2000);
  if (!res.ok) throw new Error(`upload refused: HTTP ${res.status} ${text}`);
  let id = '';
  try { id = (JSON.parse(text) as { id?: string }).id ?? ''; } catch { /* not JSON */ }
  return `Uploaded to ${u.origin}${u.pathname}: HTTP ${res.status}${id ? `, scan run ${id}` : ''}`;
}

export function registerDiscoverCommand(program: Command, fail: (e: unknown) => never): void {
  program.command('discover')
    .description('find cameras, recorders and encoders on a network and identify who really made them')
    .argument('<targets...>', 'IPv4 addresses, CIDR ranges (192.0.2.0/24) or ranges (192.0.2.10-192.0.2.99, 192.0.2.10-99)')
    .option('--allow <cidr...>', 'ranges the scan may reach; every target must lie inside (required)')
    .option('--ports <list>', `TCP ports to try (default ${DEFAULT_PORTS.join(',')})`)
    .option('--rate <n/s>', `packets and connections per second over all probes (default ${DEFAULTS.rate}/s)`)
    .option('--concurrency <n>', `connects in flight at once (default ${DEFAULTS.concurrency})`)
    .option('--timeout <ms>', `time one probe may take (default ${DEFAULTS.timeoutMs}); a host gets three of these`)
    .option('--credentials <name>', 'ONVIF login: with SIGHTLINE_DEVICE_USER/SIGHTLINE_DEVICE_PASSWORD set, labels them; with --org, a credential from this server\'s store')
    .option('--org <slug>', 'organisation whose credential store --credentials reads (on the server)')
    .option('--json <file>', 'write the scan report (JSON) to this file ("-" for standard output)')
    .option('--upload <url>', 'POST the report to the server, e.g. https://sightline.example/api/v1/discovery/runs')
    .option('--token <token>', 'API token for --upload (or SIGHTLINE_API_TOKEN)')
    .option('--snmp-community <name>', 'read SNMP sysDescr/sysObjectID with this community (or set SIGHTLINE_SNMP_COMMUNITY); without one, no SNMP is sent')
    .option('--snmp-ranges <cidr...>', 'where the SNMP community may be sent (default: every --allow range); each must lie inside --allow')
    .option('--wsd-all', 'send a WS-Discovery Probe (UDP 3702) to every target address, not only to hosts with an open port: finds ONVIF devices on unlisted ports, at one datagram per address')
    .option('--multicast', 'also send a WS-Discovery Probe to the local segment (239.255.255.250); answers from outside --allow are ignored')
    .addOption(new Option('--workers <n>', 'threads for the TCP sweep (default: one per core, at most 4)').hideHelp())
    .option('--quiet', 'no progress on standard error')
    .addHelpText('after', '\nCtrl-C stops the scan and keeps what was found (the report says interrupted: true). Exit status: 0 done, 130 interrupted, 2 bad usage or refused targets, 1 other errors.\nCredentials and SNMP communities are never printed or written to the report.')
    .action(async (targets: string[], o: DiscoverOptions) => {
      let creds: Awaited<ReturnType<typeof credentialSource>> | null = null;
      try {
        const ports = o.ports ? parsePorts(o.ports) : DEFAULT_PORTS;
        const rate = o.rate ? parseRate(o.rate) : DEFAULTS.rate;
        const concurrency = positiveInt('--concurrency', o.concurrency, DEFAULTS.concurrency, 16_384);
        const timeoutMs = positiveInt('--timeout', o.timeout, DEFAULTS.timeoutMs, 120_000);
        const workers = o.workers ? positiveInt('--workers', o.workers, 1, 16) : undefined;
        const token = o.token ?? process.env.SIGHTLINE_API_TOKEN;
        if (o.upload && !token) throw new UsageError('--upload needs --token TOKEN (or SIGHTLINE_API_TOKEN)');
        const allow = o.allow ?? [];
        planTargets(targets, allow); // refuse before anything is sent, naming each target and why
        const snmpCommunityFor = snmpCommunitySource(o, allow);
        creds = await credentialSource(o);

        const stop = new AbortController();
        const onSigint = () => {
          if (stop.signal.aborted) process.exit(130);
          process.stderr.write('\nStopping: keeping what was found so far (Ctrl-C again to quit at once)\n');
          stop.abort();
        };
        process.on('SIGINT', onSigint);
        const progress = progressReporter(!!o.quiet);
        let report: ScanReport;
        try {
          report = await runScan({
            targets, allow, ports, rate, concurrency, timeoutMs, workers, multicast: !!o.multicast, wsdAll: !!o.wsdAll,
            credentialsFor: creds.credentialsFor, snmpCommunityFor, signal: stop.signal, onProgress: (p) => progress.update(p),
          });
        } finally {
          progress.stop();
          process.off('SIGINT', onSigint);
        }
        if (o.json) writeReport(o.json, report);
        if (o.json !== '-') process.stdout.write(`${summary(report)}\n`);
        if (o.upload) process.stderr.write(`${await uploadReport(o.upload, token!, report)}\n`);
        process.exitCode = report.interrupted ? 130 : 0;
      } catch (e) {
        if (e instanceof ScopeRefusedError) {
          process.stderr.write(`Refused: nothing was scanned.\n${e.refusals.map((r) => `  ${r.reason}`).join('\n')}\n`);
          process.exit(2);
        }
        if (e instanceof UsageError || e instanceof TargetError || e instanceof RangeError) {
          process.stderr.write(`Error: ${e.message}\n`);
          process.exit(2);
        }
        fail(e);
      } finally {
        await creds?.close();
      }
    });
}
