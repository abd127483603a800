/**
 * Rotates the key that encrypts stored secrets (credentials, webhook signing secrets).
 *
 *   npm run rotate-secret-key -- --generate          # make a new random key
 *   npm run rotate-secret-key -- --new-key <64 hex>  # use this key
 *
 * Key in DATA_DIR/secret.key (the default): stop Ordo first when it uses the embedded database.
 * The script moves the old key to DATA_DIR/secret.key.previous, writes the new one to
 * DATA_DIR/secret.key, then re-encrypts every record. Interrupted? Run it again with the same
 * --new-key: records already on the new key are skipped.
 *
 * Key in SECRET_KEY: run with the current SECRET_KEY set, then restart every node with
 * SECRET_KEY=<new> and SECRET_KEYS_PREVIOUS=<old>; drop SECRET_KEYS_PREVIOUS once all nodes run
 * the new key and this script reported nothing left on the old one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, parseEnv } from '../server/config';
import { connectDatabase } from '../server/db/connection';
import { ensureFerretdbBinary, startFerretdb } from '../server/db/ferretdb';
import { SecretBox, keyIdOf } from '../server/integration/secret-box';
import { rotateSecretKey } from '../server/integration/key-rotation';

function usage(message?: string): never {
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write('usage: npm run rotate-secret-key -- --generate | --new-key <64 hex characters>\n');
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let newKey: Buffer;
  if (args[0] === '--generate') newKey = crypto.randomBytes(32);
  else if (args[0] === '--new-key' && /^[0-9a-fA-F]{64}$/.test(args[1] ?? '')) newKey = Buffer.from(args[1], 'hex');
  else usage(args.length ? `unknown arguments: ${args.join(' ')}` : undefined);

  const config = loadConfig();
  const fromEnv = Boolean(parseEnv(process.env).SECRET_KEY);
  if (newKey.equals(config.secretKey) && !config.previousSecretKeys.length) usage('the new key is the current key');
  const oldKeys = [config.secretKey, ...config.previousSecretKeys].filter((k) => !k.equals(newKey));
  const from = new SecretBox(config.secretKey, [...config.previousSecretKeys, newKey]);
  const to = new SecretBox(newKey, oldKeys);

  if (!fromEnv) {
    // new key first, old key kept as "previous": a crash mid-way leaves every record readable
    const keyFile = path.join(config.dataDir, 'secret.key');
    const prevFile = path.join(config.dataDir, 'secret.key.previous');
    const previous = new Set(fs.existsSync(prevFile) ? fs.readFileSync(prevFile, 'utf8').split(/\s+/).filter(Boolean) : []);
    for (const k of oldKeys) previous.add(k.toString('hex'));
    fs.writeFileSync(prevFile, [...previous].join('\n') + '\n', { mode: 0o600 });
    fs.writeFileSync(`${keyFile}.tmp`, newKey.toString('hex') + '\n', { mode: 0o600 });
    fs.renameSync(`${keyFile}.tmp`, keyFile);
  }

  let stopDb: (() => Promise<void>) | undefined;
  let uri = config.mongodbUri;
  if (!uri) {
    const db = await startFerretdb({ dataDir: path.join(config.dataDir, 'db'), binary: ensureFerretdbBinary({ explicit: config.ferretdbBin }) });
    uri = db.uri;
    stopDb = () => db.stop();
  }
  const connection = await connectDatabase(uri);
  try {
    const report = await rotateSecretKey(connection, from, to);
    process.stdout.write(
      `Re-encrypted ${report.credentials} credential(s), ${report.webhookSubscriptions} webhook subscription secret(s), ${report.inboundWebhooks} inbound webhook secret(s); ${report.alreadyCurrent} already on the new key (id ${report.newKeyId}).\n`,
    );
    if (fromEnv) {
      process.stdout.write(`\nNow restart every node with:\n  SECRET_KEY=${newKey.toString('hex')}\n  SECRET_KEYS_PREVIOUS=${oldKeys.map((k) => k.toString('hex')).join(',')}\n`);
    } else {
      process.stdout.write(`New key ${keyIdOf(newKey)} written to ${path.join(config.dataDir, 'secret.key')}; old key(s) kept in secret.key.previous (delete it once you no longer need to read old backups).\n`);
    }
  } finally {
    await connection.close();
    await stopDb?.();
  }
}

void main().catch((err) => {
  process.stderr.write(`rotation failed: ${(err as Error).message}\n`);
  process.exit(1);
});
