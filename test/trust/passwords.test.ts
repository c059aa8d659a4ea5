// Found 4 (issue 14): passwords follow NCSC guidance: length, a deny-list of common/breached passwords, not the
// current one, no composition rules. Before this change only "12 characters or more" was checked, so
// password1234, aaaaaaaaaaaa and the current password were all accepted (the route tests below fail on that code).
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db';
import { Agent, createOrgFixture, createTestApp, PASSWORD, type OrgFixture } from '../helpers/app';
import { createUser } from '../../src/modules/users/service';
import { passwordProblem } from '../../src/modules/users/password-policy';
import { generateOneTimePassword } from '../../src/cli/password';

describe('password policy', () => {
  it('refuses common and breached passwords, repeats, runs and the service name, whatever their case or padding', () => {
    for (const pw of ['password1234', 'Password1234', 'qwertyuiop123', '123456789012', 'aaaaaaaaaaaa', 'abcabcabcabc', 'abcdefghijklm', '987654321098', 'Sightline2024!', 'iloveyou12345']) {
      expect(passwordProblem(pw), pw).not.toBeNull();
    }
  });
  it('accepts long passphrases without symbols, digits or capitals (no composition rules)', () => {
    for (const pw of ['correct-horse-battery-staple', 'purple tractor lemonade', 'otterscarveriverstones', generateOneTimePassword()]) {
      expect(passwordProblem(pw), pw).toBeNull();
    }
  });
  it('refuses the person’s own email or name', () => {
    expect(passwordProblem('alexandra.smith', ['alexandra.smith@council.gov.uk', 'Alexandra Smith'])).toMatch(/your name, your email/);
    expect(passwordProblem('Zephyrinewood!2024', ['zephyrinewood@council.gov.uk'])).toMatch(/your name, your email/);
  });
  it('keeps the length limits', () => {
    expect(passwordProblem('short words')).toMatch(/at least 12/);
    expect(passwordProblem('x'.repeat(150) + 'y'.repeat(51))).toMatch(/200 characters or fewer/);
  });
});

describeEachDb('password changes and new accounts', (get) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  beforeAll(async () => {
    app = await createTestApp(get());
    org = await createOrgFixture(get(), 'pwtown');
  });
  afterAll(async () => { await app?.close(); });

  it('refuses a common password, a repeated character and the current password on the change-password page', async () => {
    const agent = new Agent(app);
    await agent.signIn(org.users.engineer.email);
    await agent.get('/account/password');
    for (const [pw, message] of [['password1234', /most common passwords/], ['aaaaaaaaaaaa', /repeated/], [PASSWORD, /different from your current password/]] as const) {
      const res = await agent.post('/account/password', { current: PASSWORD, password: pw, confirm: pw });
      expect(res.statusCode, pw).toBe(422);
      expect(res.body).toMatch(message);
    }
    const ok = await agent.post('/account/password', { current: PASSWORD, password: 'lantern meadow quietly', confirm: 'lantern meadow quietly' });
    expect([200, 303]).toContain(ok.statusCode);
    await agent.post('/sign-out', {});
    expect((await new Agent(app).signIn(org.users.engineer.email, 'lantern meadow quietly')).statusCode).toBe(303);
  });

  it('refuses a common password when an account is created', async () => {
    const actor = { type: 'system' as const, id: null, label: 'test' };
    await expect(createUser(get().db, actor, { email: 'new@pwtown.example.gov.uk', name: 'New Person', password: 'password1234' })).rejects.toMatchObject({ status: 422, fields: { password: expect.stringMatching(/most common/) } });
    await expect(createUser(get().db, actor, { email: 'new@pwtown.example.gov.uk', name: 'New Person', password: 'New@PWtown.example' })).rejects.toMatchObject({ status: 422 });
    expect((await createUser(get().db, actor, { email: 'new@pwtown.example.gov.uk', name: 'New Person', password: 'copper kettle harbour' })).email).toBe('new@pwtown.example.gov.uk');
  });
});
