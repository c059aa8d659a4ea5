// Found 1 (issue 14): upload routes authenticate before reading the body, and imports honour SIGHTLINE_MAX_UPLOAD_MB.
// The first test sends only the start of a large multipart body and waits: a server that reads the body before it
// checks the token never answers until the rest arrives (the test would time out); one that checks first answers 401.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db';
import { createOrgFixture, createTestApp, type OrgFixture } from '../helpers/app';
import { multipart } from '../imports/files';

const DECLARED_BYTES = 100 * 1024 * 1024;

/** Sends the headers and the first 64 KiB of a 100 MiB multipart body, then waits for an answer without sending more. */
function partialUpload(port: number, url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const boundary = '----sightlinetrust';
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: url, headers: {
      authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(DECLARED_BYTES),
    } });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => { resolve({ status: res.statusCode!, body }); req.destroy(); });
    });
    req.on('error', reject);
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n`);
    req.write(Buffer.alloc(64 * 1024, 'a'));
  });
}

describeEachDb('uploads: the token is checked before the body is read', (get) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  let dataDir: string;
  let port: number;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'sl-upload-auth-'));
    app = await createTestApp(get(), { DATA_DIR: dataDir, SIGHTLINE_MAX_UPLOAD_MB: '1' });
    org = await createOrgFixture(get(), 'upauth');
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => { await app.close(); fs.rmSync(dataDir, { recursive: true, force: true }); });

  for (const url of ['/api/v1/imports', '/api/v1/documents', '/api/v1/documents/doc_x/versions', '/api/v1/discovery/runs']) {
    it(`POST ${url} with a bogus token is answered 401 before the body has been sent, and nothing is written`, async () => {
      const res = await partialUpload(port, url, 'bogus-token-0123456789');
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body).error.code).toBe('unauthenticated');
      const imports = path.join(dataDir, 'imports');
      expect(fs.existsSync(imports) ? fs.readdirSync(imports) : []).toEqual([]);
    }, 10_000);
  }

  it('an import larger than SIGHTLINE_MAX_UPLOAD_MB is refused with 413 naming the limit', async () => {
    const csv = Buffer.concat([Buffer.from('Camera name,IP address\n'), Buffer.alloc(2 * 1024 * 1024, 'a')]);
    const { payload, headers } = multipart({}, { name: 'big.csv', data: csv, type: 'text/csv' });
    const res = await app.inject({ method: 'POST', url: '/api/v1/imports', payload, headers: { ...headers, authorization: `Bearer ${org.tokens.admin}` } });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.message).toMatch(/smaller than 1 MB/);
  });
});
