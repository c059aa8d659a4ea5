import path from 'node:path';

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
  };
}
