/**
 * `npm run bench [section ...]`: runs the named bench sections (all when none is named) and prints their tables.
 * Add a section by exporting an async function from its own file and listing it here.
 * APOGEE_BENCH_SECONDS sets the seconds per measured run (default 5).
 */
import { consumptionBench } from './consumption.js';
import { grpcBench } from './grpc.js';
import { peersBench } from './peers.js';
import { remotingBench } from './remoting.js';
import { formatStoreBench, storeBench } from './store.js';

const seconds = Number(process.env.APOGEE_BENCH_SECONDS ?? 5);

const sections: Record<string, () => Promise<string>> = {
  store: async () => formatStoreBench(await storeBench(seconds)),
  consumption: consumptionBench,
  grpc: () => grpcBench(seconds),
  peers: () => peersBench(seconds),
  remoting: () => remotingBench(seconds),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in sections));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown section(s) ${unknown.join(', ')}; known: ${Object.keys(sections).join(', ')}\n`);
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : Object.keys(sections)) {
  const started = Date.now();
  process.stdout.write(`\n## ${name}\n`);
  const table = await (sections[name] as () => Promise<string>)();
  process.stdout.write(`${table}\n(${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
