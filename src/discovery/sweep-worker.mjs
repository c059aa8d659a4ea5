// TCP connect sweep, run in a worker thread (see tcp.ts). Plain JavaScript on purpose: worker threads do not inherit
// the tsx loader, and this is the hot loop of a scan.
//
// Each connect uses libuv's TCP handle directly (process.binding('tcp_wrap')) rather than net.Socket: a refused
// connect then costs a handle and a callback instead of a whole stream object, which is what lets one thread sweep
// tens of thousands of ports a second (measured: about twice net.connect). When the binding is not there, net.connect
// does the same job more slowly.
//
// Messages in:  { type: 'hosts', hosts: Uint32Array }  |  { type: 'stop' }
// Messages out: { type: 'progress', done: number, open: [host, ports[]][] }  |  { type: 'stopped' }
import { parentPort, workerData } from 'node:worker_threads';
import net from 'node:net';
import os from 'node:os';

const { ports, timeoutMs, concurrency } = workerData;
// A reset after connecting means the handshake completed (a device that accepts, then hangs up): the port is open.
const RESET = -os.constants.errno.ECONNRESET;
const RESOURCE_ERRORS = new Set([os.constants.errno.EMFILE, os.constants.errno.ENFILE, os.constants.errno.ENOBUFS, os.constants.errno.EADDRNOTAVAIL].map((e) => -e));

/** @returns {null | { TCP: any, TCPConnectWrap: any, SOCKET: number }} */
function rawBinding() {
  // process.binding prints a deprecation warning once; this worker's warnings are ours to silence.
  const emit = process.emitWarning;
  try {
    process.emitWarning = () => {};
    const b = /** @type {any} */ (process).binding('tcp_wrap');
    return b && b.TCP && b.TCPConnectWrap ? { TCP: b.TCP, TCPConnectWrap: b.TCPConnectWrap, SOCKET: b.constants.SOCKET } : null;
  } catch {
    return null;
  } finally {
    process.emitWarning = emit;
  }
}
const raw = process.env.SIGHTLINE_SWEEP_NET === '1' ? null : rawBinding();

// Host state: its address as text (built once, not once per port), how many ports are still unanswered, and which
// answered open. Probes point at it directly, so settling one needs no look-up.
/** @typedef {{ host: number, addr: string, left: number, open: number[] }} HostState */
/** Probes not yet started, as a flat list of [HostState, portIndex] pairs. */
let queue = [];
let queueHead = 0;
let inflight = 0;
let stopping = false;
/** In-flight probes in start order; deadlines are start + timeout, so the oldest expires first. */
const pending = [];
let pendingHead = 0;

let doneCount = 0;
let openBatch = [];
let flushTimer = null;

function flush() {
  flushTimer = null;
  if (!doneCount && !openBatch.length) return;
  parentPort.postMessage({ type: 'progress', done: doneCount, open: openBatch });
  doneCount = 0;
  openBatch = [];
}

function settle(probe, isOpen) {
  if (probe.settled) return;
  probe.settled = true;
  inflight--;
  const h = probe.state;
  if (isOpen) h.open.push(ports[probe.portIndex]);
  if (--h.left === 0) {
    doneCount++;
    if (h.open.length) openBatch.push([h.host, h.open.sort((a, b) => a - b)]);
    if (!flushTimer) flushTimer = setTimeout(flush, 20);
  }
  pump();
}

function ip(n) {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

// The raw path's connect request is the probe itself (one object per connect, not two).
function onRawComplete(status, handle) {
  handle.close();
  if (this.settled) return;
  settle(this, status === 0 || status === RESET);
}

/** Starts one probe; false when the system is out of sockets (the probe goes back on the queue). */
function start(state, portIndex) {
  const deadline = performance.now() + timeoutMs;
  inflight++;
  let probe;
  if (raw) {
    const handle = new raw.TCP(raw.SOCKET);
    probe = new raw.TCPConnectWrap();
    probe.oncomplete = onRawComplete;
    probe.state = state; probe.portIndex = portIndex; probe.deadline = deadline; probe.settled = false; probe.handle = null;
    const err = handle.connect(probe, state.addr, ports[portIndex]);
    if (err) {
      handle.close();
      if (RESOURCE_ERRORS.has(err)) { inflight--; return false; }
      settle(probe, false); // refused at once (e.g. unreachable): the port is not open
      return true;
    }
    probe.handle = handle;
  } else {
    probe = { state, portIndex, deadline, settled: false, handle: null };
    const socket = net.connect({ host: state.addr, port: ports[portIndex] });
    socket.on('connect', () => { settle(probe, true); socket.destroy(); });
    socket.on('error', (e) => settle(probe, /** @type {NodeJS.ErrnoException} */ (e).code === 'ECONNRESET'));
    probe.handle = socket;
  }
  pending.push(probe);
  return true;
}

let pumping = false;
function pump() {
  if (pumping) return; // settle() calls back in; the loop below is already running
  pumping = true;
  while (!stopping && inflight < concurrency && queueHead < queue.length) {
    const state = queue[queueHead];
    const portIndex = queue[queueHead + 1];
    if (!start(state, portIndex)) {
      // Out of sockets: retry when one closes, or shortly if none is open to close.
      if (inflight === 0) setTimeout(pump, 50);
      break;
    }
    queueHead += 2;
  }
  pumping = false;
  if (queueHead > 65536 && queueHead * 2 > queue.length) { queue = queue.slice(queueHead); queueHead = 0; }
}

// Expire probes that got no answer (a filtered port, a dead host off the loopback): closing the handle cancels it.
setInterval(() => {
  const now = performance.now();
  while (pendingHead < pending.length) {
    const p = pending[pendingHead];
    if (!p.settled && p.deadline > now) break;
    pendingHead++;
    if (!p.settled) {
      if (raw) p.handle.close(); else p.handle.destroy();
      settle(p, false);
    }
  }
  if (pendingHead > 4096) { pending.splice(0, pendingHead); pendingHead = 0; }
}, Math.max(5, Math.min(50, timeoutMs / 4))).unref();

parentPort.on('message', (msg) => {
  if (msg.type === 'hosts') {
    for (const host of msg.hosts) {
      const state = { host, addr: ip(host), left: ports.length, open: [] };
      for (let i = 0; i < ports.length; i++) queue.push(state, i);
    }
    pump();
  } else if (msg.type === 'stop') {
    stopping = true;
    for (let i = pendingHead; i < pending.length; i++) {
      const p = pending[i];
      if (!p.settled) { p.settled = true; if (raw) p.handle.close(); else p.handle.destroy(); }
    }
    flush();
    parentPort.postMessage({ type: 'stopped' });
  }
});
