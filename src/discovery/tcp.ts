// TCP connect scan: which of the given ports accept a connection on each host. The connects run in worker threads
// (sweep-worker.mjs), one per core by default, because at sweep rates the cost is the kernel's socket work, which
// a second thread runs in parallel; the main thread meanwhile identifies the hosts already found.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { TokenBucket } from './rate';

export const DEFAULT_PORTS = [80, 443, 554, 8000, 8080, 8443, 37777, 34567];

/** "80,443,8000-8010" → sorted distinct ports; throws a message naming the bad item. */
export function parsePorts(text: string): number[] {
  const out = new Set<number>();
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(item);
    const a = m ? Number(m[1]) : NaN;
    const b = m?.[2] ? Number(m[2]) : a;
    if (!m || a < 1 || b > 65535 || b < a) throw new RangeError(`--ports: "${item}" is not a port or port range (1-65535)`);
    if (out.size + (b - a + 1) > 1024) throw new RangeError('--ports: at most 1024 ports per scan');
    for (let p = a; p <= b; p++) out.add(p);
  }
  if (!out.size) throw new RangeError('--ports: no ports given');
  return [...out].sort((x, y) => x - y);
}

export interface SweepOptions {
  ports: number[];
  /** How long one connect may wait for an answer. */
  timeoutMs: number;
  /** Connects in flight at once, over all workers. */
  concurrency: number;
  /** Worker threads (default: one per core, at most 4). */
  workers?: number;
  /** Each host costs ports.length tokens (plus `extraTokensPerHost`) before it is handed to a worker. */
  limiter?: TokenBucket;
  extraTokensPerHost?: number;
  signal?: AbortSignal;
}

export interface SweepCallbacks {
  /** A batch of hosts is about to be swept (e.g. to send each a UDP probe too). */
  onDispatch?: (hosts: Uint32Array) => void;
  /** A host finished with at least one open port. */
  onOpen: (host: number, openPorts: number[]) => void;
  /** Hosts finished so far (open or not). */
  onProgress?: (hostsDone: number) => void;
}

export interface SweepResult { hostsDone: number; interrupted: boolean }

interface WorkerSlot { worker: Worker; outstanding: number }

/**
 * Sweeps every host the iterator yields; returns when all are done or the signal aborts (then with
 * interrupted: true and hostsDone counting only hosts whose every port was answered).
 */
export async function sweep(hosts: Iterator<number>, o: SweepOptions, cb: SweepCallbacks): Promise<SweepResult> {
  const nWorkers = Math.max(1, o.workers ?? Math.min(4, os.availableParallelism()));
  const perWorker = Math.max(1, Math.ceil(o.concurrency / nWorkers));
  const costPerHost = o.ports.length + (o.extraTokensPerHost ?? 0);
  // Hand out at most a twentieth of a second's worth of tokens at once, so a low rate is smooth, not bursty.
  const batchSize = Math.max(1, Math.min(512, Math.floor((o.limiter?.burst ?? 1e9) / costPerHost)));
  // Keep each worker fed with about twice what it can have in flight, so it never waits on the main thread.
  const highWater = Math.max(2 * batchSize, Math.ceil((2 * perWorker) / o.ports.length));

  const slots: WorkerSlot[] = [];
  let hostsDone = 0;
  let exhausted = false;
  let wake: (() => void) | null = null;
  const nudge = () => { const w = wake; wake = null; w?.(); };
  let failure: Error | null = null;

  for (let i = 0; i < nWorkers; i++) {
    const worker = new Worker(new URL('./sweep-worker.mjs', import.meta.url), {
      workerData: { ports: o.ports, timeoutMs: o.timeoutMs, concurrency: perWorker },
    });
    const slot: WorkerSlot = { worker, outstanding: 0 };
    worker.on('message', (m: { type: string; done?: number; open?: [number, number[]][] }) => {
      if (m.type !== 'progress') return;
      for (const [host, ports] of m.open!) cb.onOpen(host, ports);
      slot.outstanding -= m.done!;
      hostsDone += m.done!;
      cb.onProgress?.(hostsDone);
      nudge();
    });
    worker.on('error', (e) => { failure = e; nudge(); });
    slots.push(slot);
  }

  const aborted = () => o.signal?.aborted === true;
  const onAbort = () => nudge();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (failure) throw failure;
      if (aborted()) break;
      const slot = slots.reduce((a, b) => (b.outstanding < a.outstanding ? b : a));
      if (!exhausted && slot.outstanding < highWater) {
        const batch: number[] = [];
        while (batch.length < batchSize) {
          const next = hosts.next();
          if (next.done) { exhausted = true; break; }
          batch.push(next.value);
        }
        if (batch.length) {
          if (o.limiter) {
            try { await takeTokens(o.limiter, batch.length * costPerHost, o.signal); } catch { break; }
          }
          const arr = Uint32Array.from(batch);
          cb.onDispatch?.(arr);
          slot.outstanding += arr.length;
          slot.worker.postMessage({ type: 'hosts', hosts: arr });
        }
        continue;
      }
      if (exhausted && slots.every((s) => s.outstanding === 0)) break;
      await new Promise<void>((resolve) => { wake = resolve; });
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await Promise.all(slots.map((s) => stopWorker(s.worker)));
  }
  return { hostsDone, interrupted: aborted() };
}

/** Takes n tokens in burst-sized pieces, so a cost above the burst still waits its full time. */
async function takeTokens(limiter: TokenBucket, n: number, signal?: AbortSignal): Promise<void> {
  for (let left = n; left > 0; left -= limiter.burst) await limiter.take(Math.min(left, limiter.burst), signal);
}

async function stopWorker(worker: Worker): Promise<void> {
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 1000); // a wedged worker is terminated below anyway
    worker.on('message', (m: { type: string }) => { if (m.type === 'stopped') { clearTimeout(t); resolve(); } });
    worker.once('exit', () => { clearTimeout(t); resolve(); });
    worker.postMessage({ type: 'stop' });
  });
  await worker.terminate();
}
