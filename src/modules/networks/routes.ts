import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../server/http';
export function registerNetworkRoutes(_app: FastifyInstance, _deps: AppDeps) {}
