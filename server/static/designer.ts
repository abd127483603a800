/**
 * Serves the built designer and builds it when it is missing or older than its sources, so a fresh
 * clone needs only `npm start`.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';
import { PROJECT_ROOT } from '../db/ferretdb';

export const DESIGNER_DIST = path.join(PROJECT_ROOT, 'designer', 'dist');
const STAMP = path.join(DESIGNER_DIST, '.source-hash');
/** Everything that ends up in the bundle. */
const SOURCE_DIRS = ['designer', 'workflows', path.join('server', 'contracts')];

function sourceHash(): string {
  const hash = crypto.createHash('sha256');
  for (const dir of SOURCE_DIRS) {
    const abs = path.join(PROJECT_ROOT, dir);
    if (!fs.existsSync(abs)) continue;
    const files = (fs.readdirSync(abs, { recursive: true }) as string[])
      .filter((f) => !f.startsWith('dist') && !f.includes('node_modules') && !/\.test\.tsx?$/.test(f))
      .sort();
    for (const f of files) {
      const st = fs.statSync(path.join(abs, f));
      if (st.isFile()) hash.update(`${dir}/${f}:${st.size}:${st.mtimeMs}\n`);
    }
  }
  hash.update(fs.readFileSync(path.join(PROJECT_ROOT, 'package-lock.json')));
  return hash.digest('hex');
}

export function designerIsStale(): boolean {
  return !fs.existsSync(STAMP) || fs.readFileSync(STAMP, 'utf8') !== sourceHash();
}

/** Runs `vite build` for the designer (in a child process: vite is ESM-only and jest is not). */
export function buildDesigner(options: { onlyIfStale?: boolean; log?: (m: string) => void } = {}): boolean {
  if (options.onlyIfStale && !designerIsStale()) return false;
  const hash = sourceHash();
  options.log?.('Building the designer (vite build)…');
  const vite = path.join(PROJECT_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--config', path.join(PROJECT_ROOT, 'designer', 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    // the config is TypeScript loaded by vite's bundling loader; its notice about the native loader is noise
    env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
  });
  if (r.status !== 0) throw new Error(`vite build of the designer failed (exit ${r.status})`);
  fs.writeFileSync(STAMP, hash);
  return true;
}

export function serveDesigner(dist: string): Router {
  const router = express.Router();
  router.use('/assets', express.static(path.join(dist, 'assets'), { immutable: true, maxAge: '1y', index: false }));
  router.use(express.static(dist, { index: false, maxAge: 0 }));
  const indexHtml = path.join(dist, 'index.html');
  // single-page app: every other GET that is not an API call gets index.html
  router.get(/^(?!\/api\/|\/socket\.io\/).*/, (_req, res, next) => {
    if (!fs.existsSync(indexHtml)) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(indexHtml);
  });
  return router;
}
