/**
 * `npm run dev`: the server under tsx watch (restarts on change) and the designer through Vite's
 * dev server with hot reload, proxying /api and /socket.io to the server.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '..');
const bin = (p: string) => path.join(root, 'node_modules', p);
const children = [
  spawn(process.execPath, [bin('tsx/dist/cli.mjs'), 'watch', '--clear-screen=false', 'server/main.ts'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, DESIGNER_AUTOBUILD: 'false', NODE_ENV: 'development' },
  }),
  spawn(process.execPath, [bin('vite/bin/vite.js'), '--config', 'designer/vite.config.ts'], { cwd: root, stdio: 'inherit', env: process.env }),
];
const stop = () => {
  for (const c of children) c.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const c of children) c.on('exit', (code) => {
  if (code) {
    stop();
    process.exitCode = code;
  }
});
