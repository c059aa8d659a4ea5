// ONVIF device service: GetSystemDateAndTime (always anonymous), GetDeviceInformation and GetNetworkInterfaces —
// anonymously first, then with a WS-UsernameToken PasswordDigest when the device refuses and credentials were given.
// Credentials go only to addresses the scope guard allows, and never in clear text (digest only).
import { createHash, randomBytes } from 'node:crypto';
import { httpRequest } from './http';
import { findElement, parseDeviceXml, textOf, UnsafeXmlError } from './xml';

export const MAX_SOAP_BODY = 64 * 1024;

export interface DeviceCredentials { username: string; password: string }

export interface OnvifEndpoint {
  host: string; port: number; tls: boolean; path: string;
  timeoutMs: number; signal?: AbortSignal;
  /** Called before every request (rate limiting). */
  beforeRequest?: () => Promise<void>;
}

export interface OnvifDeviceInformation {
  manufacturer: string | null; model: string | null; firmwareVersion: string | null; serialNumber: string | null; hardwareId: string | null;
}

export class OnvifAuthError extends Error {}

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** WS-Security UsernameToken with PasswordDigest = Base64(SHA-1(nonce + created + password)). */
export function usernameToken(c: DeviceCredentials, created: Date, nonce = randomBytes(16)): string {
  const createdText = created.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const digest = createHash('sha1').update(Buffer.concat([nonce, Buffer.from(createdText, 'utf8'), Buffer.from(c.password, 'utf8')])).digest('base64');
  return '<Security s:mustUnderstand="1" xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">'
    + `<UsernameToken><Username>${xmlEscape(c.username)}</Username>`
    + `<Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">${digest}</Password>`
    + `<Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">${nonce.toString('base64')}</Nonce>`
    + `<Created xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">${createdText}</Created>`
    + '</UsernameToken></Security>';
}

export type SoapVersion = '1.1' | '1.2';

const ENVELOPE_NS: Record<SoapVersion, string> = { '1.2': 'http://www.w3.org/2003/05/soap-envelope', '1.1': 'http://schemas.xmlsoap.org/soap/envelope/' };

export function soapEnvelope(operation: string, security: string | null, version: SoapVersion = '1.2'): string {
  return '<?xml version="1.0" encoding="UTF-8"?>'
    + `<s:Envelope xmlns:s="${ENVELOPE_NS[version]}" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">`
    + (security ? `<s:Header>${security}</s:Header>` : '')
    + `<s:Body><tds:${operation}/></s:Body></s:Envelope>`;
}

/** A short, printable account of an answer that was not what was asked for (for the report's probe list). */
function describeAnswer(status: number, contentType: string | undefined, text: string): string {
  const body = text.trim();
  if (!body) return `HTTP ${status} with an empty body`;
  const sample = body.replace(/\s+/g, ' ').replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
  return `HTTP ${status}${contentType ? ` (${contentType.slice(0, 60)})` : ''}: ${sample}`;
}

/**
 * Sends one device-service operation; returns the parsed response document, which holds `<operation>Response`.
 * Anything else — an empty or non-SOAP answer, another element, a fault — is an error that says what came back.
 * A device that speaks only SOAP 1.1 (it answers a VersionMismatch fault) is asked once more in SOAP 1.1.
 */
export async function callDevice(ep: OnvifEndpoint, operation: string, security: string | null, version: SoapVersion = '1.2'): Promise<Record<string, unknown>> {
  await ep.beforeRequest?.();
  const action = `http://www.onvif.org/ver10/device/wsdl/${operation}`;
  const res = await httpRequest({
    host: ep.host, port: ep.port, tls: ep.tls, method: 'POST', path: ep.path,
    headers: version === '1.2'
      ? { 'Content-Type': `application/soap+xml; charset=utf-8; action="${action}"` }
      : { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${action}"` },
    body: soapEnvelope(operation, security, version), timeoutMs: ep.timeoutMs, maxBody: MAX_SOAP_BODY, signal: ep.signal,
  });
  if (res.truncated) throw new Error(`SOAP answer longer than ${MAX_SOAP_BODY} bytes`);
  const text = res.body.toString('utf8');
  if (res.status === 401 || res.status === 403) throw new OnvifAuthError(`HTTP ${res.status}: the device wants credentials`);
  const contentType = Array.isArray(res.headers['content-type']) ? res.headers['content-type'][0] : res.headers['content-type'];
  let doc: Record<string, unknown>;
  try {
    doc = text.trim() ? parseDeviceXml(text) : {};
  } catch (e) {
    if (e instanceof UnsafeXmlError && /DTD|larger/.test(e.message)) throw e;
    throw new Error(`not SOAP: ${describeAnswer(res.status, contentType, text)}`);
  }
  const fault = findElement(doc, 'Fault');
  if (fault !== undefined) {
    const detail = JSON.stringify(fault).slice(0, 400);
    if (/NotAuthorized|Sender not authorized|not authori[sz]ed|FailedAuthentication/i.test(detail)) throw new OnvifAuthError('SOAP fault: not authorised');
    if (version === '1.2' && /VersionMismatch/i.test(detail)) return callDevice(ep, operation, security, '1.1');
    throw new Error(`SOAP fault: ${detail.slice(0, 160)}`);
  }
  if (findElement(doc, `${operation}Response`) === undefined) {
    const body = findElement(doc, 'Body');
    const held = body && typeof body === 'object' ? Object.keys(body).filter((k) => k !== '#text').slice(0, 3) : [];
    throw new Error(`no ${operation}Response in the answer: ${held.length ? `HTTP ${res.status}, a SOAP body holding ${held.join(', ')}` : describeAnswer(res.status, contentType, text)}`);
  }
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return doc;
}

export function readDeviceInformation(doc: Record<string, unknown>): OnvifDeviceInformation | null {
  const r = findElement(doc, 'GetDeviceInformationResponse');
  if (!r || typeof r !== 'object') return null;
  return {
    manufacturer: textOf(findElement(r, 'Manufacturer')),
    model: textOf(findElement(r, 'Model')),
    firmwareVersion: textOf(findElement(r, 'FirmwareVersion')),
    serialNumber: textOf(findElement(r, 'SerialNumber')),
    hardwareId: textOf(findElement(r, 'HardwareId')),
  };
}

/** The first hardware address among the network interfaces. */
export function readMac(doc: Record<string, unknown>): string | null {
  const r = findElement(doc, 'GetNetworkInterfacesResponse');
  const mac = r ? textOf(findElement(r, 'HwAddress'), 40) : null;
  return mac && /^[0-9A-Fa-f]{2}([:-]?[0-9A-Fa-f]{2}){5}$/.test(mac) ? mac : null;
}

/** The device's UTC clock, from GetSystemDateAndTime; null when it does not say. */
export function readDeviceTime(doc: Record<string, unknown>): Date | null {
  const r = findElement(doc, 'GetSystemDateAndTimeResponse');
  const utc = r ? findElement(r, 'UTCDateTime') : undefined;
  if (!utc) return null;
  const n = (parent: string, name: string) => Number(textOf(findElement(findElement(utc, parent), name)));
  const d = new Date(Date.UTC(n('Date', 'Year'), n('Date', 'Month') - 1, n('Date', 'Day'), n('Time', 'Hour'), n('Time', 'Minute'), n('Time', 'Second')));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Why an answer that parsed still carries nothing usable for its operation, or null when it does. */
function unusable(operation: string, doc: Record<string, unknown>): string | null {
  switch (operation) {
    case 'GetDeviceInformation': {
      const info = readDeviceInformation(doc);
      return !info || Object.values(info).every((v) => v === null) ? 'GetDeviceInformationResponse carried no manufacturer, model, firmware or serial' : null;
    }
    case 'GetNetworkInterfaces': return readMac(doc) ? null : 'GetNetworkInterfacesResponse carried no hardware address';
    case 'GetSystemDateAndTime': return readDeviceTime(doc) ? null : 'GetSystemDateAndTimeResponse carried no UTC date and time';
    default: return null;
  }
}

export interface OnvifResult {
  info: OnvifDeviceInformation | null;
  mac: string | null;
  /** Device clock minus ours (ms), when it told us. */
  clockOffsetMs: number | null;
  /** Whether the device wanted credentials, and whether ours worked. */
  auth: 'anonymous' | 'digest' | 'rejected' | 'no-credentials' | 'not-sent-out-of-scope';
  /** Per-operation outcome for the report's probe list. */
  steps: { probe: string; ok: boolean; ms: number; error?: string }[];
}

/**
 * Queries the device service with as few requests as the answers allow: GetDeviceInformation (and
 * GetNetworkInterfaces when `needMac`) anonymously; only if the device refuses and credentials were given, its clock
 * (GetSystemDateAndTime, always anonymous) and the same calls again with a digest made for the device's time.
 * `credentials` are used only when `mayAuthenticate` (the scope guard's verdict on this address) is true.
 */
export async function queryDevice(ep: OnvifEndpoint, credentials: DeviceCredentials | null, mayAuthenticate: boolean, needMac = true): Promise<OnvifResult> {
  const out: OnvifResult = { info: null, mac: null, clockOffsetMs: null, auth: 'anonymous', steps: [] };
  /** One operation, recorded in steps; 'auth' when the device wants (other) credentials, null on any other failure. */
  const call = async (name: string, operation: string, security: () => string | null): Promise<Record<string, unknown> | 'auth' | null> => {
    const t0 = performance.now();
    try {
      const doc = await callDevice(ep, operation, security());
      const empty = unusable(operation, doc);
      if (empty) throw new Error(empty);
      out.steps.push({ probe: `onvif:${name}`, ok: true, ms: Math.round(performance.now() - t0) });
      return doc;
    } catch (e) {
      out.steps.push({ probe: `onvif:${name}`, ok: false, ms: Math.round(performance.now() - t0), error: (e as Error).message.slice(0, 160) });
      return e instanceof OnvifAuthError ? 'auth' : null;
    }
  };
  const read = (info: Record<string, unknown> | 'auth' | null, net: Record<string, unknown> | 'auth' | null) => {
    if (info && info !== 'auth') out.info = readDeviceInformation(info);
    if (net && net !== 'auth') out.mac = readMac(net);
  };

  const [info, net] = await Promise.all([
    call('GetDeviceInformation', 'GetDeviceInformation', () => null),
    needMac ? call('GetNetworkInterfaces', 'GetNetworkInterfaces', () => null) : null,
  ]);
  read(info, net);
  if (info !== 'auth' && net !== 'auth') return out;
  if (!credentials) { out.auth = 'no-credentials'; return out; }
  if (!mayAuthenticate) { out.auth = 'not-sent-out-of-scope'; return out; }

  const time = await call('GetSystemDateAndTime', 'GetSystemDateAndTime', () => null);
  const deviceTime = time && time !== 'auth' ? readDeviceTime(time) : null;
  if (deviceTime) out.clockOffsetMs = deviceTime.getTime() - Date.now();
  const token = () => usernameToken(credentials, new Date(Date.now() + (out.clockOffsetMs ?? 0)));
  const [info2, net2] = await Promise.all([
    info === 'auth' ? call('GetDeviceInformation+digest', 'GetDeviceInformation', token) : null,
    net === 'auth' ? call('GetNetworkInterfaces+digest', 'GetNetworkInterfaces', token) : null,
  ]);
  read(info2, net2);
  out.auth = info2 === 'auth' || net2 === 'auth' ? 'rejected' : 'digest';
  return out;
}
