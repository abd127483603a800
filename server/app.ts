/**
 * Builds the express application (no listen): security headers, request ids and logging, body
 * limits, authentication, the declared routes, the designer, and the one error handler.
 */
import crypto from 'node:crypto';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Connection } from 'mongoose';
import type { Config } from './config';
import type { Logger } from './infra/logger';
import { databaseReachable, requireDatabase } from './db/connection';
import { authenticate } from './auth/session-cookie';
import type { AuthService } from './auth/auth.service';
import { mountRoutes, type AnyRoute } from './http/route';
import { apiNotFound, problemHandler } from './http/problem';
import { serveDesigner } from './static/designer';

export interface AppDeps {
  config: Config;
  logger: Logger;
  connection: Connection;
  auth: AuthService;
  routes: readonly AnyRoute[];
  /** folder of the built designer; undefined = API only */
  designerDist?: string;
  /** true once the node is stopping: /readyz answers 503 so the load balancer sends no more traffic */
  stopping?: () => boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function createApp(deps: AppDeps): Express {
  const { config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple'); // no nested objects from ?a[b]=c: operators cannot be smuggled in

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          // bpmn-js, GrapesJS and rjsf set inline style attributes
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:', 'blob:'],
          'font-src': ["'self'", 'data:'],
          'connect-src': ["'self'", 'ws:', 'wss:'],
          'frame-src': ["'self'", 'blob:'],
          'worker-src': ["'self'", 'blob:'],
          'object-src': ["'none'"],
          'base-uri': ["'self'"],
          'form-action': ["'self'"],
          'frame-ancestors': ["'self'"],
          ...(config.tls ? { 'upgrade-insecure-requests': [] } : {}),
        },
      },
      strictTransportSecurity: config.tls ? { maxAge: 15552000, includeSubDomains: true } : false,
      crossOriginEmbedderPolicy: false,
    }),
  );

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || !req.url?.startsWith('/api') },
      customLogLevel: (_req, res, err) => (res.statusCode === 503 ? 'warn' : err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (deps.stopping?.()) {
      res.status(503).json({ status: 'stopping' });
      return;
    }
    const db = await databaseReachable(deps.connection);
    res.status(db ? 200 : 503).json({ status: db ? 'ready' : 'unavailable', database: db ? 'up' : 'down' });
  });

  const api = express.Router();
  api.use('/api', requireDatabase(deps.connection));
  api.use(express.json({ limit: config.bodyLimit, strict: true, type: ['application/json', 'application/*+json'] }));
  api.use(authenticate(deps.auth));
  mountRoutes(api, deps.routes);
  app.use(api);
  app.use('/api', apiNotFound);

  if (deps.designerDist) app.use(serveDesigner(deps.designerDist));

  app.use(problemHandler(logger));
  return app;
}
