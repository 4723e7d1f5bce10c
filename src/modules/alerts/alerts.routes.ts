// The console's community alerts: compose, target, preview, approve, watch delivery. (Being built.)
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { HttpServices } from '../../http/app.ts';

export function registerAlertRoutes(app: FastifyInstance, context: AppContext, services: HttpServices): void {
  void app;
  void context;
  void services;
}
