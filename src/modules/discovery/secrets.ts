// The per-organisation store of device logins used by ONVIF probes. Passwords are sealed with AES-256-GCM under the
// server's secret key (SIGHTLINE_SECRET_KEY, else a random key file made once under DATA_DIR with mode 0600), with
// the organisation and credential id as associated data, so a sealed value copied to another row or organisation
// does not open. A password is never returned by the API, shown on a page, written to the audit trail or logged;
// it leaves this file only through resolveCredentials, which refuses any address outside the credential's ranges.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../platform/config';
import { requirePermission, type OrgContext } from '../../platform/context';
import { AppError, conflict, notFound, parseInput, ValidationError } from '../../platform/errors';
import { newId, nowIso } from '../../platform/ids';
import { isUniqueViolation } from '../../platform/sqlutil';
import { auditedChange } from '../audit/write';
import { ScopeGuard } from '../../discovery/scope';
import { ipv4ToInt } from '../../discovery/targets';
import { credentialInput } from './schemas';

export const KEY_FILE = 'secret.key';

/** The 32-byte key: SIGHTLINE_SECRET_KEY (64 hex digits, base64 of 32 bytes, or a passphrase of 16+ characters) or the key file. */
export function loadSecretKey(config: Pick<Config, 'secretKey' | 'dataDir'>): Buffer {
  const given = config.secretKey?.trim();
  if (given) {
    if (/^[0-9a-fA-F]{64}$/.test(given)) return Buffer.from(given, 'hex');
    const b64 = Buffer.from(given, 'base64');
    if (b64.length === 32 && /^[A-Za-z0-9+/_-]{43}=?$/.test(given)) return b64;
    if (given.length < 16) throw new Error('SIGHTLINE_SECRET_KEY must be 64 hex digits, 32 bytes in base64, or a passphrase of at least 16 characters');
    return Buffer.from(hkdfSync('sha256', given, 'sightline', 'device-credentials', 32));
  }
  const file = path.join(config.dataDir, KEY_FILE);
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  try {
    // 'wx' fails if the file exists, so two processes starting together cannot each write a different key.
    fs.writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  const hex = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file} is not a Sightline secret key (64 hex digits)`);
  return Buffer.from(hex, 'hex');
}

const keyId = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);
const b64 = (b: Buffer) => b.toString('base64url');

export function seal(key: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', keyId(key), b64(iv), b64(cipher.getAuthTag()), b64(ct)].join('.');
}

export function unseal(key: Buffer, sealed: string, aad: string): string {
  const [v, kid, iv, tag, ct] = sealed.split('.');
  if (v !== 'v1' || !ct) throw new AppError(500, 'credential_unreadable', 'A stored credential is not in a format this server reads');
  if (kid !== keyId(key)) throw new AppError(409, 'credential_key_changed', 'A stored credential was sealed with a different secret key (SIGHTLINE_SECRET_KEY changed?); enter it again');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new AppError(409, 'credential_unreadable', 'A stored credential does not open with this server’s key; enter it again');
  }
}

/** What pages and the API may show about a credential: never the password, only that one is set. */
export interface CredentialView {
  id: string; name: string; username: string; passwordSet: true;
  ranges: { id: string; cidr: string }[]; createdAt: string; updatedAt: string;
}

export type CredentialResolution =
  | { ok: true; username: string; password: string }
  | { ok: false; reason: string };

const nameKey = (name: string) => name.trim().toLowerCase();
const aadOf = (orgId: string, credentialId: string) => `sightline:credential:${orgId}:${credentialId}`;

export class CredentialStore {
  private key: Buffer | null = null;
  constructor(private config: Pick<Config, 'secretKey' | 'dataDir'>) {}

  /** Loaded on first use, so a server that never stores a credential never creates a key file. */
  private secretKey(): Buffer {
    this.key ??= loadSecretKey(this.config);
    return this.key;
  }

  async list(ctx: OrgContext): Promise<CredentialView[]> {
    requirePermission(ctx, 'org:admin');
    const rows = await ctx.db.selectFrom('discovery_credentials').select(['id', 'name', 'username', 'created_at', 'updated_at'])
      .where('org_id', '=', ctx.orgId).orderBy('name_key').execute();
    const bindings = rows.length ? await ctx.db.selectFrom('discovery_credential_ranges')
      .innerJoin('discovery_ranges', 'discovery_ranges.id', 'discovery_credential_ranges.range_id')
      .select(['discovery_credential_ranges.credential_id as cid', 'discovery_ranges.id as id', 'discovery_ranges.cidr as cidr'])
      .where('discovery_credential_ranges.org_id', '=', ctx.orgId).orderBy('discovery_ranges.cidr').execute() : [];
    return rows.map((r) => ({
      id: r.id, name: r.name, username: r.username, passwordSet: true as const, createdAt: r.created_at, updatedAt: r.updated_at,
      ranges: bindings.filter((b) => b.cid === r.id).map((b) => ({ id: b.id, cidr: b.cidr })),
    }));
  }

  /** Saves a credential (replacing one of the same name). The password goes in sealed and never comes back out here. */
  async save(ctx: OrgContext, body: unknown): Promise<CredentialView> {
    requirePermission(ctx, 'org:admin');
    const input = parseInput(credentialInput, body);
    const key = this.secretKey();
    try {
      const id = await auditedChange(ctx, async (tx) => {
        const ranges = await tx.selectFrom('discovery_ranges').select(['id', 'cidr']).where('org_id', '=', ctx.orgId).where('id', 'in', input.rangeIds).execute();
        if (ranges.length !== input.rangeIds.length) throw new ValidationError({ rangeIds: 'Choose allowed ranges of this organisation' });
        const existing = await tx.selectFrom('discovery_credentials').select('id').where('org_id', '=', ctx.orgId).where('name_key', '=', nameKey(input.name)).executeTakeFirst();
        const now = nowIso();
        const credId = existing?.id ?? newId();
        const sealed = seal(key, input.password, aadOf(ctx.orgId, credId));
        if (existing) {
          await tx.updateTable('discovery_credentials').set({ name: input.name, username: input.username, password_sealed: sealed, updated_at: now })
            .where('org_id', '=', ctx.orgId).where('id', '=', credId).execute();
          await tx.deleteFrom('discovery_credential_ranges').where('org_id', '=', ctx.orgId).where('credential_id', '=', credId).execute();
        } else {
          await tx.insertInto('discovery_credentials').values({ id: credId, org_id: ctx.orgId, name: input.name, name_key: nameKey(input.name), username: input.username, password_sealed: sealed, created_at: now, updated_at: now }).execute();
        }
        await tx.insertInto('discovery_credential_ranges').values(ranges.map((r) => ({ org_id: ctx.orgId, credential_id: credId, range_id: r.id }))).execute();
        // The audit record names the credential, its user name and ranges; the password is not in it, in any form.
        return {
          result: credId, action: existing ? 'update' : 'create', objectType: 'discovery-credential', objectId: credId,
          summary: `${existing ? 'Replaced' : 'Stored'} device credential “${input.name}” (user ${input.username}) for ${ranges.map((r) => r.cidr).join(', ')}`,
          after: { name: input.name, username: input.username, ranges: ranges.map((r) => r.cidr), password: 'set' },
        };
      });
      return (await this.list(ctx)).find((c) => c.id === id)!;
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict('name', 'A credential with this name was saved at the same moment; try again');
      throw e;
    }
  }

  async remove(ctx: OrgContext, id: string): Promise<void> {
    requirePermission(ctx, 'org:admin');
    await auditedChange(ctx, async (tx) => {
      const row = await tx.selectFrom('discovery_credentials').select(['id', 'name', 'username']).where('org_id', '=', ctx.orgId).where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound('Credential');
      await tx.deleteFrom('discovery_credentials').where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
      return { result: undefined, action: 'delete', objectType: 'discovery-credential', objectId: id, summary: `Deleted device credential “${row.name}”`, before: { name: row.name, username: row.username } };
    });
  }

  /** Whether a credential of this name exists (schedules check the name they are given). */
  async exists(ctx: Pick<OrgContext, 'db' | 'orgId'>, name: string): Promise<boolean> {
    const row = await ctx.db.selectFrom('discovery_credentials').select('id').where('org_id', '=', ctx.orgId).where('name_key', '=', nameKey(name)).executeTakeFirst();
    return !!row;
  }

  /**
   * The one way a password leaves the store: for a probe of `address`, which must lie inside the ranges the
   * credential is bound to (ranges since deleted no longer count). Anything else is a refusal with the reason.
   * Used by the scheduled scanner; takes no permission because the system, not a person, asks.
   */
  async resolveCredentials(ctx: Pick<OrgContext, 'db' | 'orgId'>, name: string, address: string): Promise<CredentialResolution> {
    if (ipv4ToInt(address) === null) return { ok: false, reason: `${address} is not an IPv4 address` };
    const row = await ctx.db.selectFrom('discovery_credentials').select(['id', 'username', 'password_sealed'])
      .where('org_id', '=', ctx.orgId).where('name_key', '=', nameKey(name)).executeTakeFirst();
    if (!row) return { ok: false, reason: `No credential named “${name}” in this organisation` };
    const ranges = await ctx.db.selectFrom('discovery_credential_ranges').innerJoin('discovery_ranges', 'discovery_ranges.id', 'discovery_credential_ranges.range_id')
      .select('discovery_ranges.cidr as cidr').where('discovery_credential_ranges.org_id', '=', ctx.orgId)
      .where('discovery_credential_ranges.credential_id', '=', row.id).execute();
    if (!new ScopeGuard(ranges.map((r) => r.cidr)).allows(address)) {
      return { ok: false, reason: `Credential “${name}” may not be sent to ${address}: it is outside the credential’s ranges (${ranges.map((r) => r.cidr).join(', ') || 'none'})` };
    }
    return { ok: true, username: row.username, password: unseal(this.secretKey(), row.password_sealed, aadOf(ctx.orgId, row.id)) };
  }
}
