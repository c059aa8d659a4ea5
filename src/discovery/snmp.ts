// SNMP: sysDescr and sysObjectID (RFC 3418 system group), read with a community the user gave for that address.
// Nothing is sent to an address without one: an SNMP request with a guessed community is a login attempt.
import type NetSnmp from 'net-snmp';

export const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
export const SYS_OBJECT_ID = '1.3.6.1.2.1.1.2.0';

export interface SnmpSystem { sysDescr: string | null; sysObjectId: string | null }

const clean = (s: string, max: number) => {
  const t = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return t ? t.slice(0, max) : null;
};

let netSnmp: Promise<typeof NetSnmp> | null = null;
/** net-snmp is loaded by the first SNMP request: a scan without a community never pays for it (~65 ms of CPU). */
const loadNetSnmp = () => (netSnmp ??= import('net-snmp').then((m) => m.default));

/** One SNMPv2c GET of sysDescr and sysObjectID, no retries; rejects with what happened when nothing usable came. */
export async function readSnmpSystem(host: string, community: string, timeoutMs: number, signal?: AbortSignal, port = 161): Promise<SnmpSystem> {
  const snmp = await loadNetSnmp();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(new Error('aborted')); return; }
    const session = snmp.createSession(host, community, { port, retries: 0, timeout: timeoutMs, version: snmp.Version2c, transport: 'udp4' });
    let done = false;
    const finish = (err: Error | null, v?: SnmpSystem) => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      try { session.close(); } catch { /* closed */ }
      if (err) reject(err); else resolve(v!);
    };
    const onAbort = () => finish(new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    session.on('error', (e) => finish(e));
    session.get([SYS_DESCR, SYS_OBJECT_ID], (error, varbinds) => {
      if (error) {
        finish(new Error(/timed? ?out/i.test(error.message) ? `no answer in ${timeoutMs} ms (wrong community, or no SNMP)` : error.message.slice(0, 160)));
        return;
      }
      const value = (i: number) => {
        const v = varbinds?.[i];
        if (!v || snmp.isVarbindError(v)) return null;
        return Buffer.isBuffer(v.value) ? clean(v.value.toString('utf8'), 500) : typeof v.value === 'string' ? clean(v.value, 200) : null;
      };
      const sys = { sysDescr: value(0), sysObjectId: value(1) };
      if (!sys.sysDescr && !sys.sysObjectId) finish(new Error('answered without sysDescr or sysObjectID'));
      else finish(null, sys);
    });
  });
}
