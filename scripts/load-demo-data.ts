/**
 * `npm run demo-data`: loads sample orders (a month of history across channels and states, plus
 * live orders through the real intake paths, whose flows start) into the configured database.
 * Refuses when the database already holds orders. With the embedded database, run it while Ordo
 * is stopped (or point both at MONGODB_URI).
 */
import path from 'node:path';
import { loadConfig } from '../server/config';
import { connectDatabase } from '../server/db/connection';
import { ensureFerretdbBinary, startFerretdb } from '../server/db/ferretdb';
import { createLogger } from '../server/infra/logger';
import { AuditService } from '../server/audit/audit.service';
import { createOrdersModule } from '../server/orders';
import { hasOrders, loadDemoData } from '../server/orders/demo-data';
import { createIntakeModule } from '../server/intake';

async function main(): Promise<number> {
  const say = (m: string) => process.stdout.write(`${m}\n`);
  const config = loadConfig();
  let stopDb: (() => Promise<void>) | undefined;
  let uri = config.mongodbUri;
  if (!uri) {
    const db = await startFerretdb({ dataDir: path.join(config.dataDir, 'db'), binary: ensureFerretdbBinary({ explicit: config.ferretdbBin, progress: say }) });
    uri = db.uri;
    stopDb = () => db.stop();
  }
  const connection = await connectDatabase(uri);
  const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel });
  const audit = new AuditService(connection);
  const orders = createOrdersModule({ connection, logger, audit });
  const intake = await createIntakeModule({ connection, logger, audit, orders: orders.orders });
  try {
    if (await hasOrders(orders)) {
      say('This database already holds orders: demo data is only loaded into an empty database. Nothing was changed.');
      return 1;
    }
    const result = await loadDemoData(orders, { email: intake.email });
    await orders.starter.idle(120_000).catch(() => say('(some flows are still starting; they continue when Ordo runs)'));
    say(`Loaded ${result.historical} historical and ${result.live} live demo orders (${result.numbers[0]} … ${result.numbers[result.numbers.length - 1]}).`);
    return 0;
  } finally {
    await intake.close();
    await orders.close();
    await connection.close();
    await stopDb?.();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`Loading demo data failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
