import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, parseEnv } from './index';
import { ConfigError } from '../../workflows/model/errors';

describe('config', () => {
  const dataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ordo-cfg-'));

  it('given no settings, when loaded, then it uses the embedded defaults and generates a secret key once', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir });
    expect(first.port).toBe(8080);
    expect(first.mongodbUri).toBeUndefined();
    expect(first.secretKey).toHaveLength(32);
    expect(fs.statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(loadConfig({ DATA_DIR: dir }).secretKey.equals(first.secretKey)).toBe(true);
  });

  it('given a malformed value, when loaded, then start-up stops naming the variable and why', () => {
    expect(() => parseEnv({ PORT: 'eighty' })).toThrow(ConfigError);
    const thrown = (() => {
      try {
        parseEnv({ PORT: '70000', MONGODB_URI: 'http://x', LOG_LEVEL: 'loud' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(ConfigError);
    const paths = (thrown as ConfigError).issues!.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['PORT', 'MONGODB_URI', 'LOG_LEVEL']));
    expect((thrown as Error).message).toMatch(/MONGODB_URI must start with mongodb:\/\//);
  });

  it('given only TLS_CERT, when loaded, then it asks for TLS_KEY too', () => {
    expect(() => parseEnv({ TLS_CERT: __filename })).toThrow(/TLS_KEY/);
  });
});
