import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../server/http';

export function registerRemindersRoutes(_app: FastifyInstance, _deps: AppDeps): void {
  // filled in by the reminders work
}
