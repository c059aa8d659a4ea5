import { Command, Option } from 'commander';
import os from 'node:os';
import { loadConfig } from '../platform/config';
import type { Database } from '../platform/db';
import { ROLES, type Actor } from '../platform/context';
import { AppError } from '../platform/errors';
import { registerAssessCommand } from './assess';
import { registerIdentifyCommand } from './identify';
import { registerImportCommand } from './import';
import { registerExportCommand } from './export';
import { registerDiscoverCommand } from './discover';
import { registerSimulateCommand } from './simulate';
import { registerReportCommand } from './report';
import { registerJobsCommand } from './jobs';
import { generateOneTimePassword } from './password';

// The server, database and services are loaded by the commands that use them, not here: start-up time matters
// for `discover`, `identify` and scripts. Keep top-level imports light (commander, built-ins, types, constants).

const cliActor = (): Actor => ({ type: 'cli', id: null, label: `cli ${os.userInfo().username}@${os.hostname()}` });

async function withDb<T>(fn: (database: Database) => Promise<T>): Promise<T> {
  const { openDatabase, migrate } = await import('../platform/db');
  const config = loadConfig();
  const database = openDatabase(config);
  try {
    await migrate(database);
    return await fn(database);
  } finally {
    await database.close();
  }
}

function fail(e: unknown): never {
  if (e instanceof AppError) {
    console.error(`Error: ${e.message}`);
    for (const [f, m] of Object.entries(e.fields ?? {})) console.error(`  ${f}: ${m}`);
    process.exit(e.status === 404 ? 3 : 2);
  }
  console.error(e instanceof Error ? `Error: ${e.message}` : e);
  process.exit(1);
}

export function buildCli(): Command {
  const program = new Command('sightline')
    .description('Sightline: the CCTV estate register and compliance workspace.\nDatabase: SQLite under DATA_DIR (default ./data), or PostgreSQL when DATABASE_URL is set.')
    .showHelpAfterError();

  program.command('serve').description('migrate the database, seed the demo organisation on first start, and serve the web app and API')
    .action(async () => {
      const [{ openDatabase, migrate }, { seedIfEmpty }, { createApp }, { reassessStaleEstates }] = await Promise.all([
        import('../platform/db'), import('./seed'), import('../server/app'), import('../modules/provenance/service'),
      ]);
      const config = loadConfig();
      const database = openDatabase(config);
      const applied = await migrate(database);
      if (applied.length) console.log(`Applied migrations: ${applied.join(', ')}`);
      const seeded = await seedIfEmpty(database.db, config);
      if (seeded) {
        console.log(`Created organisation "${seeded.orgName}" (slug ${seeded.orgSlug}) and its admin.`);
        console.log(`  Admin email:    ${seeded.email}`);
        if (seeded.generatedPassword) console.log(`  One-time password: ${seeded.generatedPassword}  (you will be asked to change it at first sign-in)`);
      }
      const app = await createApp(database, config, { logger: true, startJobs: config.jobsWorker });
      const stop = async () => { await app.close(); await database.close(); process.exit(0); };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await app.listen({ port: config.port, host: config.host });
      console.log(`Sightline is serving http://localhost:${config.port} on ${database.kind} (${database.describe})`);
      // A new catalogue version re-evaluates every estate it has not yet seen, in the background.
      reassessStaleEstates(database.db, (line) => app.log.info(line)).catch((e) => app.log.error(e, 're-assessment after a catalogue update failed'));
    });

  program.command('migrate').description('apply database migrations').action(async () => {
    try {
      const { migrate } = await import('../platform/db');
      await withDb(async (database) => {
        const applied = await migrate(database);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : `Database is up to date (${database.kind})`);
      });
    } catch (e) { fail(e); }
  });

  program.command('seed').description('create the demo organisation and admin if the database is empty').action(async () => {
    try {
      const { seedIfEmpty } = await import('./seed');
      await withDb(async (database) => {
        const seeded = await seedIfEmpty(database.db, { ...loadConfig(), demo: true });
        if (!seeded) { console.log('The database already has organisations; nothing seeded.'); return; }
        console.log(`Seeded ${seeded.orgSlug}. Admin: ${seeded.email}${seeded.generatedPassword ? `  one-time password: ${seeded.generatedPassword}` : ''}`);
      });
    } catch (e) { fail(e); }
  });

  const org = program.command('org').description('organisations');
  org.command('create').description('create an organisation').requiredOption('--slug <slug>', 'URL-safe identifier').requiredOption('--name <name>', 'display name')
    .action(async (o) => {
      try {
        const { createOrganisation } = await import('../modules/organisations/service');
        await withDb(async ({ db }) => { const r = await createOrganisation(db, cliActor(), { slug: o.slug, name: o.name }); console.log(`Created organisation ${r.slug}`); });
      } catch (e) { fail(e); }
    });

  const user = program.command('user').description('people who sign in');
  user.command('add').description('create a user (if new) and give them a role in an organisation')
    .requiredOption('--email <email>').requiredOption('--org <slug>')
    .addOption(new Option('--role <role>').choices([...ROLES]).makeOptionMandatory())
    .option('--name <name>', 'full name (new users)').option('--password <password>', 'initial password (new users; otherwise one is generated and must be changed)')
    .action(async (o) => {
      try {
        const [{ findUserByEmail }, { createUser }, { grantMembership }] = await Promise.all([
          import('../modules/users/repo'), import('../modules/users/service'), import('../modules/organisations/service'),
        ]);
        await withDb(async ({ db }) => {
          let u = await findUserByEmail(db, o.email);
          let generated: string | null = null;
          if (!u) {
            generated = o.password ? null : generateOneTimePassword();
            const created = await createUser(db, cliActor(), { email: o.email, name: o.name ?? o.email, password: o.password ?? generated }, { mustChangePassword: !o.password });
            u = (await findUserByEmail(db, created.email))!;
          }
          await grantMembership(db, cliActor(), o.org, u.id, o.role);
          console.log(`${u.email} is ${o.role} in ${o.org}${generated ? `\nOne-time password: ${generated}` : ''}`);
        });
      } catch (e) { fail(e); }
    });

  const token = program.command('token').description('API bearer tokens for scripts and agents');
  token.command('create').description('create a token; it is printed once and only its hash is stored')
    .requiredOption('--org <slug>', 'organisation slug').addOption(new Option('--role <role>', 'role of the token').choices([...ROLES]).makeOptionMandatory())
    .requiredOption('--name <label>', 'what the token is for')
    .action(async (o) => {
      try {
        const { createApiToken } = await import('../modules/users/service');
        await withDb(async ({ db }) => { const t = await createApiToken(db, cliActor(), o.org, { name: o.name, role: o.role }); console.log(t.token); console.error(`Token "${t.name}" (${t.role}) for ${t.org}, id ${t.id}. Store it now: it cannot be shown again.`); });
      } catch (e) { fail(e); }
    });
  token.command('list').description('list an organisation’s tokens (never their values)').requiredOption('--org <slug>')
    .action(async (o) => {
      try {
        const { listApiTokens } = await import('../modules/users/service');
        await withDb(async ({ db }) => {
          for (const t of await listApiTokens(db, o.org)) console.log([t.id, t.role.padEnd(8), t.revoked_at ? 'revoked' : 'live   ', t.last_used_at ?? 'never used', t.name].join('  '));
        });
      } catch (e) { fail(e); }
    });
  token.command('revoke').description('revoke a token by id').requiredOption('--org <slug>').argument('<id>')
    .action(async (id, o) => {
      try {
        const { revokeApiToken } = await import('../modules/users/service');
        await withDb(async ({ db }) => { await revokeApiToken(db, cliActor(), o.org, id); console.log(`Revoked ${id}`); });
      } catch (e) { fail(e); }
    });

  registerAssessCommand(program, fail);
  registerIdentifyCommand(program);
  registerImportCommand(program, fail);
  registerExportCommand(program, fail);
  registerDiscoverCommand(program, fail);
  registerSimulateCommand(program, fail);
  registerReportCommand(program, fail);
  registerJobsCommand(program, fail);

  return program;
}

export async function main(argv: string[]) {
  await buildCli().parseAsync(argv);
}
