import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../server/http';

export function registerImportsRoutes(_app: FastifyInstance, _deps: AppDeps): void {
  // filled in by the imports work
}
