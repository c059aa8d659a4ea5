import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../server/http';
export function registerSystemRoutes(_app: FastifyInstance, _deps: AppDeps) {}
