// Targets, the scope guard, ports and rates: what `sightline discover` accepts, expands and refuses.
import { describe, expect, it } from 'vitest';
import { addresses, countAddresses, intToIpv4, parseTarget, parseTargets, TargetError } from '../../src/discovery/targets';
import { ScopeGuard } from '../../src/discovery/scope';
import { parsePorts } from '../../src/discovery/tcp';
import { parseRate, TokenBucket } from '../../src/discovery/rate';
import { planTargets, ScopeRefusedError } from '../../src/discovery/scan';

const ips = (t: string[]) => [...addresses(parseTargets(t))].map(intToIpv4);

describe('targets', () => {
  it('reads addresses, CIDR ranges and a-b ranges (long and short form)', () => {
    expect(ips(['127.0.0.7'])).toEqual(['127.0.0.7']);
    expect(ips(['127.0.0.4/30'])).toEqual(['127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7']);
    expect(ips(['127.0.0.6/30'])).toEqual(['127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7']); // host bits cleared
    expect(ips(['127.0.0.254-127.0.1.1'])).toEqual(['127.0.0.254', '127.0.0.255', '127.0.1.0', '127.0.1.1']);
    expect(ips(['192.0.2.10-12'])).toEqual(['192.0.2.10', '192.0.2.11', '192.0.2.12']); // high addresses stay unsigned
  });

  it('scans an address given twice (overlapping targets) once, in order', () => {
    expect(ips(['127.0.0.3', '127.0.0.0/30', '127.0.0.2-5'])).toEqual(['127.0.0.0', '127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']);
  });

  it('expands lazily: a /8 is counted without being listed', () => {
    const ranges = parseTargets(['127.0.0.0/8']);
    expect(countAddresses(ranges)).toBe(2 ** 24);
    const it8 = addresses(ranges);
    expect(intToIpv4(it8.next().value as number)).toBe('127.0.0.0');
  });

  it('names a bad target and says what was expected', () => {
    expect(() => parseTarget('127.0.0.300')).toThrow(/"127\.0\.0\.300" is not an IPv4 address/);
    expect(() => parseTarget('127.0.0.0/33')).toThrow(/not a CIDR range/);
    expect(() => parseTarget('127.0.0.9-127.0.0.1')).toThrow(/ends before it starts/);
    expect(() => parseTarget('camera.local')).toThrow(TargetError);
    expect(() => parseTargets(['0.0.0.0/0'])).toThrow(/at most 16777216/);
  });
});

describe('scope guard', () => {
  const guard = new ScopeGuard(['127.42.0.0/16', '127.43.0.0/24']);

  it('allows addresses inside the allowed ranges only', () => {
    expect(guard.allows('127.42.255.255')).toBe(true);
    expect(guard.allows('127.43.0.9')).toBe(true);
    expect(guard.allows('127.43.1.0')).toBe(false);
    expect(guard.allows('10.0.0.1')).toBe(false);
    expect(guard.allows('not an address')).toBe(false);
  });

  it('refuses a target outside, or partly outside, by name and says why', () => {
    expect(guard.check(parseTarget('127.42.3.0/24'))).toBeNull();
    expect(guard.check(parseTarget('10.1.2.3'))?.reason).toBe('10.1.2.3 is not in an allowed range (127.42.0.0/16, 127.43.0.0/24); pass --allow CIDR');
    expect(guard.check(parseTarget('127.43.0.0/23'))?.reason).toMatch(/^127\.43\.0\.0\/23 \(from 127\.43\.1\.0\) is not in an allowed range/);
  });

  it('with no allowed ranges refuses everything', () => {
    const none = new ScopeGuard([]);
    expect(none.allows('127.0.0.1')).toBe(false);
    expect(none.check(parseTarget('127.0.0.1'))?.reason).toBe('127.0.0.1 is not in an allowed range; pass --allow CIDR (no ranges are allowed yet)');
  });

  it('a scan plan lists every refused target before anything is sent', () => {
    try {
      planTargets(['127.42.0.0/24', '127.44.0.1', '192.0.2.0/24'], ['127.42.0.0/16']);
      expect.unreachable('should refuse');
    } catch (e) {
      expect(e).toBeInstanceOf(ScopeRefusedError);
      expect((e as ScopeRefusedError).refusals.map((r) => r.target)).toEqual(['127.44.0.1', '192.0.2.0/24']);
    }
  });
});

describe('ports and rates', () => {
  it('reads port lists and ranges, and names a bad one', () => {
    expect(parsePorts('8080, 80,443,8000-8002')).toEqual([80, 443, 8000, 8001, 8002, 8080]);
    expect(() => parsePorts('80,http')).toThrow(/"http" is not a port/);
    expect(() => parsePorts('0')).toThrow(/"0"/);
  });

  it('reads rates as N, N/s or N/sec', () => {
    expect(parseRate('2000')).toBe(2000);
    expect(parseRate('500/s')).toBe(500);
    expect(parseRate('10/sec')).toBe(10);
    expect(() => parseRate('fast')).toThrow(/--rate "fast"/);
  });

  it('the token bucket hands out no more than its rate', async () => {
    const bucket = new TokenBucket(200, 10); // 200/s, bursts of 10
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) await bucket.take(1);
    // 10 at once, 40 more at 200/s: at least 200 ms (a bound the rate sets, not a speed claim)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
  });
});
