// Global token bucket: every packet or connection a scan starts (TCP connect, UDP probe, HTTP/RTSP/ONVIF request)
// takes one token, so `--rate N/s` bounds what the network sees, whichever probe sends it.

export class TokenBucket {
  private tokens: number;
  private last = performance.now();
  private waiters: { n: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | null = null;

  /** `ratePerSecond` tokens per second; up to `burst` may be taken at once (default: a twentieth of a second's worth, at least 1). */
  constructor(readonly ratePerSecond: number, readonly burst = Math.max(1, Math.ceil(ratePerSecond / 20))) {
    if (!(ratePerSecond > 0)) throw new RangeError('rate must be positive');
    this.tokens = this.burst;
  }

  private refill() {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    this.last = now;
  }

  /** Takes n tokens now if there are enough (no waiting): the fast path for callers that can retry later. */
  tryTake(n = 1): boolean {
    if (this.waiters.length) return false; // first come, first served
    this.refill();
    if (this.tokens >= n) { this.tokens -= n; return true; }
    return false;
  }

  /** Resolves once n tokens are taken (n above the burst is taken in one go once the bucket is full). */
  take(n = 1, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryTake(Math.min(n, this.burst))) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) { this.waiters.splice(i, 1); reject(signal!.reason); }
      };
      // The listener goes when the tokens come: a scan-wide signal must not collect one per request.
      const waiter = { n: Math.min(n, this.burst), resolve: () => { signal?.removeEventListener('abort', onAbort); resolve(); }, reject };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.schedule();
    });
  }

  private schedule() {
    if (this.timer || !this.waiters.length) return;
    this.refill();
    const need = this.waiters[0].n - this.tokens;
    const wait = Math.max(1, Math.ceil((need * 1000) / this.ratePerSecond));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refill();
      while (this.waiters.length && this.tokens >= this.waiters[0].n) {
        const w = this.waiters.shift()!;
        this.tokens -= w.n;
        w.resolve();
      }
      this.schedule();
    }, wait);
  }
}

/** Reads "2000", "2000/s" or "2000/sec" as a rate per second; throws a message naming the value. */
export function parseRate(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*s(?:ec(?:ond)?)?)?\s*$/i.exec(text);
  const n = m ? Number(m[1]) : NaN;
  if (!(n > 0)) throw new RangeError(`--rate "${text}" is not a rate (expected a number of packets per second, e.g. 2000/s)`);
  return n;
}
