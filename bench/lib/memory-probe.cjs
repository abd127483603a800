// Preloaded into bench Ordo nodes (node --require): reports the node's own memory to the bench over IPC.
// The channel is unref'd so it never keeps a node alive.
if (typeof process.send === 'function') {
  const every = Number(process.env.ORDO_BENCH_MEMORY_MS || 1000);
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    try {
      process.send({ type: 'ordo.memory', rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external });
    } catch {
      /* the bench went away */
    }
  }, every);
  timer.unref();
  if (process.channel && typeof process.channel.unref === 'function') process.channel.unref();
}
