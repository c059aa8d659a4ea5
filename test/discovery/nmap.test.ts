// Proof by a tool we did not write: Debian's nmap (`-sV`, its own service probes and signatures) names the product
// of every simulated family that nmap has a signature for, and recognises every RTSP port as RTSP, not HTTP.
// Only the simulator's loopback addresses (127.53.0.x) are scanned: -n (no DNS), -Pn (no ping), -sT (plain connects).
import { execFile } from 'node:child_process';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAKES, makeDevice, rng, type Make, type SimDevice } from '../../tools/simulator/fleet';
import { startSimulator, type Simulator } from '../../tools/simulator/server';

/**
 * What nmap 7.93 should call each family, and the nmap-service-probes match line it relies on (probe in brackets).
 * Families without an entry here have no nmap signature; their RTSP port must still come out as "rtsp".
 */
const EXPECTED: Partial<Record<Make, { http?: string; rtsp?: string }>> = {
  hikvision: {
    // [GetRequest] match http m|^HTTP/1\.0 200 OK\r\nDate: .*\r\nServer: App-webs/\r\n| p/Hikvision IP camera httpd/
    http: 'Hikvision IP camera httpd',
    // [SIPOptions] match rtsp m|^RTSP/1\.0 200 OK\r\nCSeq: 42 OPTIONS\r\nPublic: OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN,
    //   SET_PARAMETER, GET_PARAMETER\r\nDate: .*\r\n\r\n| p/Hikvision 7513 POE IP camera rtspd/
    rtsp: 'Hikvision 7513 POE IP camera rtspd',
  },
  'hikvision-annke': { http: 'Hikvision IP camera httpd', rtsp: 'Hikvision 7513 POE IP camera rtspd' },
  'hikvision-nvr': {
    // [GetRequest] match http m|^HTTP/1\.0 200 OK\r\nDate: .* GMT\r\nServer: DNVRS-Webs\r\nETag: "[a-f\d-]+"\r\nContent-Length: \d+\r\n
    //   Content-Type: text/html\r\nConnection: close\r\nLast-Modified: .* GMT\r\n\r\n| p/Hikvision Network Video Recorder http admin/
    http: 'Hikvision Network Video Recorder http admin',
    // [RTSPRequest] match rtsp m|^RTSP/1\.0 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"Hikvision\", nonce=\"[\da-f]{32}\",
    //   stale=\"FALSE\"\r\nWWW-Authenticate: Basic realm=\"/\"\r\n\r\n| p/Hikvision DVR rtspd/
    rtsp: 'Hikvision DVR rtspd',
  },
  'hikvision-dvr': {
    // [GetRequest] match http m|^HTTP/1\.1 \d\d\d .*\r\nDate: .* GMT\r\nServer: DVRDVS-Webs\r\n| p/Hikvision DVR web UI/
    http: 'Hikvision DVR web UI',
    rtsp: 'Hikvision DVR rtspd', // the RTSPRequest line above (401, realm "Hikvision")
  },
  avigilon: {
    // [RTSPRequest] match rtsp m|^RTSP/1\.0 404 Not Found\r\nServer: AvigilonOnvifNvt/([\d.]+)\r\n| p/Avigilon ONVIF camera rtspd/
    rtsp: 'Avigilon ONVIF camera rtspd',
  },
  'hikvision-lts': {
    // [GetRequest] match http m|^HTTP/1\.[01] \d\d\d .*\r\nServer: Hikvision-Webs\r\nDate: [\w: ]{19} \d\d\d\d\r\n| p/Hikvision camera httpd/
    http: 'Hikvision camera httpd',
    // [RTSPRequest] match rtsp m|^RTSP/1\.0 200 OK\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, PAUSE\r\n\r\n$| p/Hikvision DVR rtspd/
    rtsp: 'Hikvision DVR rtspd',
  },
  dahua: {
    // [GetRequest] match http m|^HTTP/1\.1 200 OK\r\nCONNECTION: close\r\n(?:…)?CONTENT-LENGTH: \d+\r\n(?:P3P: …)?(?:CACHE-CONTROL:
    //   max-age=0\r\n)?CONTENT-TYPE: text/html\r\n\r\n\xef\xbb\xbf<!DOCTYPE html(?: …)?>\r\n<html> *\r\n *<head>\r\n *<title>| p/Dahua webcam httpd/
    http: 'Dahua webcam httpd',
    // [GetRequest] match rtsp m|^RTSP/1\.0 405 Method Not Allowed\r\nServer: Dahua Rtsp Server\r\nContent-Length: 0\r\nCSeq: 0\r\n\r\n|
    //   p/Dahua IP camera rtspd/
    rtsp: 'Dahua IP camera rtspd',
  },
  'dahua-nvr': { http: 'Dahua webcam httpd', rtsp: 'Dahua IP camera rtspd' },
  'dahua-honeywell': { http: 'Dahua webcam httpd', rtsp: 'Dahua IP camera rtspd' },
  'dahua-lorex': { http: 'Dahua webcam httpd', rtsp: 'Dahua IP camera rtspd' },
  'dahua-amcrest': { http: 'Dahua webcam httpd', rtsp: 'Dahua IP camera rtspd' },
  axis: {
    // [RTSPRequest] match rtsp m|^RTSP/1\.0 200 OK\r\nPublic: DESCRIBE, GET_PARAMETER, PAUSE, PLAY, SETUP, SET_PARAMETER, TEARDOWN\r\n\r\n$|
    //   p/AXIS 207W or 212 PTZ network camera rtspd/
    rtsp: 'AXIS 207W or 212 PTZ network camera rtspd',
  },
  xiongmai: {
    // [GetRequest] match http m|^HTTP/1\.0 \d\d\d (?:[^\r\n]*\r\n(?!\r\n))*?Server: uc-httpd[ /]([\w._-]+)\r?\n|s p/uc-httpd/ v/$1/
    http: 'uc-httpd',
    // [GetRequest] match rtsp m|^HTTP/1\.1 200 OK\r\nContent-Type: application/x-rtsp-tunnelled\r\nServer: H264DVR ([\d.]+)\r\n
    //   Connection: close\r\nCache-Control: private\r\n\r\n| p/H264DVR rtspd/ v/$1/
    rtsp: 'H264DVR rtspd',
  },
};

interface NmapPort { portid: string; state: { state: string }; service?: { name?: string; product?: string; tunnel?: string } }

function runNmap(addresses: string[]): Promise<string> {
  for (const a of addresses) if (!/^127\.\d+\.\d+\.\d+$/.test(a)) throw new Error(`refusing to scan ${a}: loopback only`);
  const args = ['-n', '-Pn', '-sT', '-sV', '--version-intensity', '7', '--host-timeout', '150s', '-p', '80,443,554', '-oX', '-', ...addresses];
  return new Promise((resolve, reject) => {
    execFile('nmap', args, { timeout: 200_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`nmap failed (is Debian's nmap installed? .ci/run installs it): ${err.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}

describe('nmap -sV against the simulated fleet', () => {
  let fleet: SimDevice[];
  let sim: Simulator;
  const found = new Map<string, Map<string, NmapPort>>();

  beforeAll(async () => {
    const r = rng(53);
    fleet = MAKES.map((make, i) => makeDevice(make, `127.53.0.${i + 1}`, 'normal', r));
    for (const d of fleet) d.https = d.make !== 'xiongmai'; // XMeye firmware serves no HTTPS
    sim = await startSimulator(fleet);
    const xml = await runNmap(fleet.map((d) => d.address));
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'host' || n === 'port' || n === 'address' }).parse(xml);
    for (const host of parsed.nmaprun.host ?? []) {
      const address = host.address.find((a: { addrtype: string }) => a.addrtype === 'ipv4').addr as string;
      found.set(address, new Map((host.ports?.port ?? []).map((p: NmapPort) => [p.portid, p])));
    }
  }, 240_000);
  afterAll(async () => { await sim?.close(); });

  it('scans one device of every family (the fixture is what the test claims)', () => {
    expect(fleet.map((d) => d.make)).toEqual([...MAKES]);
    expect(found.size).toBe(fleet.length);
  });

  it('names the product of every family nmap has a signature for, over HTTPS too', () => {
    const wrong: string[] = [];
    for (const d of fleet) {
      const want = EXPECTED[d.make];
      const ports = found.get(d.address)!;
      if (want?.http && ports.get('80')?.service?.product !== want.http) wrong.push(`${d.make} http: ${ports.get('80')?.service?.product}`);
      const secure = ports.get('443')?.service;
      if (want?.http && d.https && (secure?.tunnel !== 'ssl' || secure.product !== want.http)) wrong.push(`${d.make} https: ${secure?.tunnel} ${secure?.product}`);
      if (want?.rtsp && ports.get('554')?.service?.product !== want.rtsp) wrong.push(`${d.make} rtsp: ${ports.get('554')?.service?.product}`);
    }
    expect(wrong).toEqual([]);
    expect(Object.keys(EXPECTED).length).toBeGreaterThanOrEqual(6);
  });

  it('recognises every RTSP port as rtsp and every web port as http', () => {
    for (const d of fleet) {
      const ports = found.get(d.address)!;
      expect(ports.get('554')?.service?.name, `${d.make} port 554`).toBe('rtsp');
      expect(ports.get('80')?.service?.name, `${d.make} port 80`).toBe('http');
    }
  });
});
