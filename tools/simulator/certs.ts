// Per-device TLS certificates with the subject and issuer the real makes' factory certificates carry, made at
// simulator start time (lazily, on a device's first TLS connection). Node can parse but not create X.509, so the
// certificate is encoded here (DER, X.509 v1: the fields a TLS client and a fingerprint reader look at) and signed
// with node:crypto. The running simulator signs with a P-256 key made at start (an RSA key cost the simulator about
// 4 s of CPU per 2,000-device scan in key parsing, signing and handshakes, on the cores the scanner under test uses);
// certs/key.pem (RSA, not a secret) is for tests that want a fixed key.
//
// Subjects and issuers (rapid7/recog xml/x509_subjects.xml and xml/x509_issuers.xml):
//   Hikvision  CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN
//   Axis       CN=axis-<mac>,O=Axis Communications AB
//   Bosch      subject CN=local.myboschcam.net,O=Bosch Sicherheitssysteme GmbH,L=Grasbrunn,ST=Bayern,C=DE;
//              issuer SERIALNUMBER=<serial>,CN=<mac with dashes>,OU=ST-VS,O=Bosch Sicherheitssysteme GmbH,L=Grasbrunn,C=DE
//   others: no public default known, so CN=<the device's address> (what most embedded servers generate).
import crypto from 'node:crypto';
import tls from 'node:tls';
import type { SimDevice } from './fleet';

/** One attribute of a distinguished name, in DER order (C first … CN last). */
type Rdn = [attr: 'C' | 'ST' | 'L' | 'O' | 'OU' | 'CN' | 'SERIALNUMBER', value: string];

const OIDS: Record<Rdn[0], string> = { C: '2.5.4.6', ST: '2.5.4.8', L: '2.5.4.7', O: '2.5.4.10', OU: '2.5.4.11', CN: '2.5.4.3', SERIALNUMBER: '2.5.4.5' };

export function certificateNames(d: SimDevice): { subject: Rdn[]; issuer: Rdn[] } {
  if (d.profile) {
    // A profile device's certificate carries its fingerprint's names; the one it lacks is the other (self-signed).
    const subject = parseDn(d.profile.x509Subject ?? d.profile.x509Issuer ?? `CN=${d.address}`);
    return { subject, issuer: d.profile.x509Issuer ? parseDn(d.profile.x509Issuer) : subject };
  }
  const mac = d.mac.replace(/:/g, '').toLowerCase();
  if (d.make.startsWith('hikvision')) {
    const n: Rdn[] = [['C', 'CN'], ['ST', 'ZheJiang'], ['L', 'HangZhou'], ['O', 'HIKVISION'], ['OU', 'DVRNVR'], ['CN', 'www.hikvision.com']];
    return { subject: n, issuer: n };
  }
  if (d.make === 'axis') {
    const n: Rdn[] = [['O', 'Axis Communications AB'], ['CN', `axis-${mac}`]];
    return { subject: n, issuer: n };
  }
  if (d.make === 'bosch') {
    return {
      subject: [['C', 'DE'], ['ST', 'Bayern'], ['L', 'Grasbrunn'], ['O', 'Bosch Sicherheitssysteme GmbH'], ['CN', 'local.myboschcam.net']],
      issuer: [['C', 'DE'], ['L', 'Grasbrunn'], ['O', 'Bosch Sicherheitssysteme GmbH'], ['OU', 'ST-VS'], ['CN', d.mac.toLowerCase().replace(/:/g, '-')], ['SERIALNUMBER', d.serial]],
    };
  }
  const n: Rdn[] = [['CN', d.address]];
  return { subject: n, issuer: n };
}

/**
 * "CN=a,OU=b\\,c,O=d,C=e" (most specific first, as collections write it) → attributes in DER order (C first);
 * an attribute this encoder does not know is left out.
 */
function parseDn(dn: string): Rdn[] {
  const rdns: Rdn[] = [];
  for (const part of dn.split(/(?<!\\),/)) {
    const m = /^\s*([A-Za-z]+)=(.*)$/.exec(part);
    const attr = m?.[1].toUpperCase();
    if (m && attr && attr in OIDS) rdns.push([attr as Rdn[0], m[2].replace(/\\(.)/g, '$1')]);
  }
  return rdns.reverse();
}

// ---- DER ------------------------------------------------------------------------------------------------------

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
}
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => tlv(0x31, Buffer.concat(parts));
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [a * 40 + b];
  for (const v of rest) {
    const chunk = [v & 0x7f];
    for (let x = v >> 7; x > 0; x >>= 7) chunk.unshift((x & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}
/** A positive DER INTEGER: no leading zero bytes, except one when the top bit is set (DER's minimal encoding). */
function integer(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const minimal = bytes.subarray(i);
  return tlv(0x02, minimal[0] & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}
const utcTime = (t: Date) => tlv(0x17, Buffer.from(t.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'));
const generalizedTime = (t: Date) => tlv(0x18, Buffer.from(t.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'));
function name(rdns: Rdn[]): Buffer {
  // Country and serial number are PrintableString (RFC 5280); the rest UTF8String.
  return seq(...rdns.map(([k, v]) => set(seq(oid(OIDS[k]), tlv(k === 'C' || k === 'SERIALNUMBER' ? 0x13 : 0x0c, Buffer.from(v, 'utf8'))))));
}

/** A certificate for the device, PEM encoded, signed with SHA-256 by the given key (RSA or EC). */
export function makeCertificate(d: SimDevice, key: crypto.KeyObject, spki: Buffer = crypto.createPublicKey(key).export({ type: 'spki', format: 'der' })): string {
  const { subject, issuer } = certificateNames(d);
  // sha256WithRSAEncryption (with NULL parameters) or ecdsa-with-SHA256 (none), RFC 4055 / RFC 5758.
  const sigAlg = key.asymmetricKeyType === 'ec' ? seq(oid('1.2.840.10045.4.3.2')) : seq(oid('1.2.840.113549.1.1.11'), tlv(0x05, Buffer.alloc(0)));
  const tbs = seq(
    integer(crypto.createHash('sha1').update(d.address + d.serial).digest().subarray(0, 8)),
    sigAlg, name(issuer),
    seq(utcTime(new Date(Date.UTC(2020, 0, 1))), generalizedTime(new Date(Date.UTC(2050, 0, 1)))),
    name(subject), spki,
  );
  const signature = crypto.sign('sha256', tbs, key);
  const der = seq(tbs, sigAlg, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** Secure contexts per device, made on first use, all signed by one P-256 key made here. */
export function certificateStore(): (d: SimDevice) => tls.SecureContext {
  const { privateKey: key, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = key.export({ type: 'pkcs8', format: 'pem' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const contexts = new Map<string, tls.SecureContext>();
  return (d) => {
    let c = contexts.get(d.address);
    if (!c) {
      c = tls.createSecureContext({ key: pem, cert: makeCertificate(d, key, spki) });
      contexts.set(d.address, c);
    }
    return c;
  };
}
