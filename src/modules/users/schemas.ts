import { z } from 'zod';
import { ROLES } from '../../platform/context';

export const email = z.string({ error: 'Enter an email address' }).trim().toLowerCase()
  .min(1, 'Enter an email address').max(254, 'Email address must be 254 characters or fewer')
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'Enter an email address in the correct format, like name@example.gov.uk');

export const password = z.string({ error: 'Enter a password' }).min(12, 'Password must be at least 12 characters').max(200, 'Password must be 200 characters or fewer');

export const signInInput = z.object({
  email,
  password: z.string({ error: 'Enter your password' }).min(1, 'Enter your password').max(200, 'Password must be 200 characters or fewer'),
});

export const userInput = z.object({
  email,
  name: z.string().trim().min(1, 'Enter the person’s name').max(200, 'Name must be 200 characters or fewer'),
  password,
}).strict();

export const changePasswordInput = z.object({
  current: z.string().min(1, 'Enter your current password'),
  password,
  confirm: z.string(),
}).superRefine((v, c) => {
  if (v.password !== v.confirm) c.addIssue({ code: 'custom', path: ['confirm'], message: 'The passwords do not match' });
});

export const tokenInput = z.object({
  name: z.string().trim().min(1, 'Give the token a name').max(100, 'Token name must be 100 characters or fewer'),
  role: z.enum(ROLES, { error: `Role must be one of ${ROLES.join(', ')}` }),
});
