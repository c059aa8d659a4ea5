import { z } from 'zod';
import { ROLES } from '../../platform/context';
import { passwordProblem } from './password-policy';

export const email = z.string({ error: 'Enter an email address' }).trim().toLowerCase()
  .min(1, 'Enter an email address').max(254, 'Email address must be 254 characters or fewer')
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'Enter an email address in the correct format, like name@example.gov.uk');

/** A new password: NCSC length and deny-list rules (password-policy.ts); the account's own words are checked by the objects below. */
export const password = z.string({ error: 'Enter a password' }).superRefine((pw, c) => {
  const problem = passwordProblem(pw);
  if (problem) c.addIssue({ code: 'custom', message: problem });
});

export const signInInput = z.object({
  email,
  password: z.string({ error: 'Enter your password' }).min(1, 'Enter your password').max(200, 'Password must be 200 characters or fewer'),
});

export const userInput = z.object({
  email,
  name: z.string().trim().min(1, 'Enter the person’s name').max(200, 'Name must be 200 characters or fewer'),
  password,
}).strict().superRefine((v, c) => {
  const problem = passwordProblem(v.password, [v.email, v.name]);
  if (problem) c.addIssue({ code: 'custom', path: ['password'], message: problem });
});

export const changePasswordInput = z.object({
  current: z.string().min(1, 'Enter your current password'),
  password,
  confirm: z.string(),
}).superRefine((v, c) => {
  if (v.password !== v.confirm) c.addIssue({ code: 'custom', path: ['confirm'], message: 'The passwords do not match' });
  if (v.password === v.current) c.addIssue({ code: 'custom', path: ['password'], message: 'Your new password must be different from your current password' });
});

export const tokenInput = z.object({
  name: z.string().trim().min(1, 'Give the token a name').max(100, 'Token name must be 100 characters or fewer'),
  role: z.enum(ROLES, { error: `Role must be one of ${ROLES.join(', ')}` }),
});
