import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ipInCidr, isIsoDate, normaliseCidr, normaliseIp, normaliseMac, normalisePostcode } from './netaddr';

describe('MAC addresses', () => {
  it('reads the four formats registers use and writes one', () => {
    for (const v of ['44:19:b6:01:02:03', '44-19-B6-01-02-03', '4419.b601.0203', '4419B6010203', ' 44:19:B6:01:02:03 ']) {
      expect(normaliseMac(v)).toBe('44:19:B6:01:02:03');
    }
  });
  it('refuses partial, mixed-separator and non-hex values', () => {
    for (const v of ['44:19:B6', '44:19-B6:01:02:03', 'GG:19:B6:01:02:03', '44:19:B6:01:02:03:04', '']) expect(normaliseMac(v)).toBeNull();
  });
  it('round-trips any 48-bit value in every format (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (bytes) => {
      const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0'));
      const canonical = hex.join(':').toUpperCase();
      expect(normaliseMac(hex.join('-'))).toBe(canonical);
      expect(normaliseMac(hex.join(''))).toBe(canonical);
      expect(normaliseMac(`${hex[0]}${hex[1]}.${hex[2]}${hex[3]}.${hex[4]}${hex[5]}`)).toBe(canonical);
    }));
  });
});

describe('IP addresses and ranges', () => {
  it('reads zero-padded IPv4 as decimal and lower-cases IPv6', () => {
    expect(normaliseIp('010.020.001.015')).toBe('10.20.1.15');
    expect(normaliseIp('FE80::1')).toBe('fe80::1');
    expect(normaliseIp('256.1.1.1')).toBeNull();
    expect(normaliseIp('10.1.1')).toBeNull();
  });
  it('canonicalises ranges by clearing host bits', () => {
    expect(normaliseCidr('10.20.1.7/16')).toBe('10.20.0.0/16');
    expect(normaliseCidr('0.0.0.0/0')).toBe('0.0.0.0/0');
    expect(normaliseCidr('10.0.0.0/33')).toBeNull();
    expect(normaliseCidr('10.0.0.0')).toBeNull();
  });
  it('places every address inside its own canonical range (property)', () => {
    fc.assert(fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, bits) => {
      const cidr = normaliseCidr(`${ip}/${bits}`)!;
      expect(cidr).not.toBeNull();
      expect(ipInCidr(ip, cidr)).toBe(true);
      expect(normaliseCidr(cidr)).toBe(cidr);
    }));
  });
});

describe('postcodes and dates', () => {
  it('formats UK postcodes and refuses other text', () => {
    expect(normalisePostcode('sw1a2aa')).toBe('SW1A 2AA');
    expect(normalisePostcode('M1 1AE')).toBe('M1 1AE');
    expect(normalisePostcode('not a postcode')).toBeNull();
  });
  it('accepts only real calendar dates', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDate('2023-13-01')).toBe(false);
    expect(isIsoDate('27/03/2023')).toBe(false);
  });
});
