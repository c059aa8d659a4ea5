// MAC addresses from the host's neighbour (ARP) table: for targets on the same link, the kernel learnt their MAC
// while we connected, and that MAC is the device's own, whatever its firmware claims. Loopback targets have none.
import fs from 'node:fs/promises';
import { execFile } from 'node:child_process';

/** Parses /proc/net/arp: complete entries only (flag 0x2), address → upper-case MAC. */
export function parseProcArp(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n').slice(1)) {
    const [ip, , flags, mac] = line.trim().split(/\s+/);
    if (!ip || !mac || !(Number(flags) & 2) || mac === '00:00:00:00:00:00') continue;
    out.set(ip, mac.toUpperCase());
  }
  return out;
}

/** Parses `ip -4 neigh show`: "192.0.2.7 dev eth0 lladdr 44:19:b6:01:02:03 REACHABLE". */
export function parseIpNeigh(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\d{1,3}(?:\.\d{1,3}){3})\s.*\blladdr\s+([0-9a-f]{2}(?::[0-9a-f]{2}){5})\b(?!.*\b(FAILED|INCOMPLETE)\b)/i.exec(line.trim());
    if (m) out.set(m[1], m[2].toUpperCase());
  }
  return out;
}

async function readTable(): Promise<Map<string, string>> {
  try {
    return parseProcArp(await fs.readFile('/proc/net/arp', 'utf8'));
  } catch {
    return new Promise((resolve) => {
      execFile('ip', ['-4', 'neigh', 'show'], { timeout: 2000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => resolve(err ? new Map() : parseIpNeigh(stdout)));
    });
  }
}

/** The neighbour table, re-read at most once a second (entries appear as the scan talks to hosts). */
export class NeighbourTable {
  private table: Map<string, string> = new Map();
  private readAt = 0;
  private reading: Promise<void> | null = null;

  async macOf(address: string): Promise<string | null> {
    if (!this.table.has(address) && performance.now() - this.readAt > 1000) {
      this.reading ??= readTable().then((t) => { this.table = t; this.readAt = performance.now(); this.reading = null; });
      await this.reading;
    }
    return this.table.get(address) ?? null;
  }
}
