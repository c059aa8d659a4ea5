import path from 'node:path';
import { parseTarget } from '../discovery/targets';

export type DbKind = 'sqlite' | 'postgres';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  dbKind: DbKind;
  demo: boolean;
  adminEmail: string | null;
  adminPassword: string | null;
  /** 'auto' marks cookies Secure whenever the request arrived over HTTPS (directly or via a trusted proxy). */
  secureCookies: 'auto' | boolean;
  trustProxy: boolean;
  sessionTtlHours: number;
  signInRateLimit: number;
  logLevel: string;
  /** Base URL people reach the app on (links in e-mails and calendar feeds), e.g. https://sightline.example.gov.uk */
  publicUrl: string;
  storage: {
    kind: 'local' | 's3';
    /** Local directory for uploaded files (default DATA_DIR/files). */
    dir: string;
    s3: { endpoint: string | null; bucket: string; region: string; accessKeyId: string | null; secretAccessKey: string | null } | null;
    maxUploadBytes: number;
  };
  /** The largest spreadsheet import: SIGHTLINE_MAX_UPLOAD_MB when the operator sets it, else 512 MiB (registers are large). */
  maxImportBytes: number;
  mail: { smtpUrl: string | null; from: string };
  /** Key for secrets kept at rest (device credentials); from SIGHTLINE_SECRET_KEY, else a key file under DATA_DIR. */
  secretKey: string | null;
  /** 'db' (the application's own job table) or 'pg-boss' (PostgreSQL only). */
  queue: 'db' | 'pg-boss';
  /** Run the background job worker inside `serve` (default yes). */
  jobsWorker: boolean;
  /**
   * Ranges the server's own scheduled scans may reach although they are normally refused (loopback, link-local,
   * CGNAT, the server's own addresses): SIGHTLINE_SERVER_SCAN_ALLOW, comma-separated CIDRs. The operator's
   * decision, never a tenant's; empty by default.
   */
  serverScanAllow: string[];
}

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return !['0', 'false', 'no', 'off'].includes(value.toLowerCase());
}

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${value}"`);
  return n;
}

/** Comma-separated CIDRs (or addresses, a-b ranges), each checked now so a typo stops start-up, not a scan. */
function cidrList(name: string, value: string | undefined): string[] {
  const items = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    try { parseTarget(item); } catch (e) { throw new Error(`${name}: ${(e as Error).message}`); }
  }
  return items;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('DATABASE_URL must start with postgres:// or postgresql:// (leave it unset for the embedded SQLite database)');
  }
  const secure = env.SIGHTLINE_SECURE_COOKIES;
  return {
    port: int('PORT', env.PORT, 8080),
    host: env.HOST || '0.0.0.0',
    dataDir: path.resolve(env.DATA_DIR || './data'),
    databaseUrl,
    dbKind: databaseUrl ? 'postgres' : 'sqlite',
    demo: flag(env.SIGHTLINE_DEMO, true),
    adminEmail: env.SIGHTLINE_ADMIN_EMAIL?.trim() || null,
    adminPassword: env.SIGHTLINE_ADMIN_PASSWORD || null,
    secureCookies: secure === undefined || secure === '' || secure === 'auto' ? 'auto' : flag(secure, true),
    trustProxy: flag(env.SIGHTLINE_TRUST_PROXY, false),
    sessionTtlHours: int('SIGHTLINE_SESSION_TTL_HOURS', env.SIGHTLINE_SESSION_TTL_HOURS, 12),
    signInRateLimit: int('SIGHTLINE_SIGNIN_RATE_LIMIT', env.SIGHTLINE_SIGNIN_RATE_LIMIT, 10),
    logLevel: env.LOG_LEVEL || 'info',
    publicUrl: (env.SIGHTLINE_PUBLIC_URL || `http://localhost:${env.PORT || 8080}`).replace(/\/+$/, ''),
    storage: {
      kind: env.SIGHTLINE_STORAGE === 's3' ? 's3' : 'local',
      dir: path.resolve(env.SIGHTLINE_FILES_DIR || path.join(env.DATA_DIR || './data', 'files')),
      s3: env.SIGHTLINE_STORAGE === 's3' ? {
        endpoint: env.S3_ENDPOINT || null,
        bucket: env.S3_BUCKET || 'sightline',
        region: env.S3_REGION || 'eu-west-2',
        accessKeyId: env.S3_ACCESS_KEY_ID || null,
        secretAccessKey: env.S3_SECRET_ACCESS_KEY || null,
      } : null,
      maxUploadBytes: int('SIGHTLINE_MAX_UPLOAD_MB', env.SIGHTLINE_MAX_UPLOAD_MB, 25) * 1024 * 1024,
    },
    maxImportBytes: int('SIGHTLINE_MAX_UPLOAD_MB', env.SIGHTLINE_MAX_UPLOAD_MB, 512) * 1024 * 1024,
    mail: { smtpUrl: env.SMTP_URL || null, from: env.SIGHTLINE_MAIL_FROM || 'Sightline <sightline@localhost>' },
    secretKey: env.SIGHTLINE_SECRET_KEY || null,
    queue: env.SIGHTLINE_QUEUE === 'pg-boss' || (env.SIGHTLINE_QUEUE !== 'db' && databaseUrl) ? 'pg-boss' : 'db',
    jobsWorker: flag(env.SIGHTLINE_JOBS_WORKER, true),
    serverScanAllow: cidrList('SIGHTLINE_SERVER_SCAN_ALLOW', env.SIGHTLINE_SERVER_SCAN_ALLOW),
  };
}
