#!/usr/bin/env node
// Second half of the console build (the first is `tsc -p console/tsconfig.json`, which writes
// build/console/assets/app/): copies the page, the stylesheet and the browser builds of Preact and uPlot from
// node_modules, so the broker serves everything itself (no CDN, nothing fetched at run time).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const out = join(root, 'build', 'console');
const vendor = join(out, 'assets', 'vendor');
mkdirSync(vendor, { recursive: true });

copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
copyFileSync(join(here, 'style.css'), join(out, 'assets', 'style.css'));

// Browser ES module builds; the import map in index.html names them.
const files = [
  ['preact/dist/preact.module.js', 'preact.module.js'],
  ['preact/hooks/dist/hooks.module.js', 'hooks.module.js'],
  ['preact/jsx-runtime/dist/jsxRuntime.module.js', 'jsxRuntime.module.js'],
  ['uplot/dist/uPlot.esm.js', 'uPlot.esm.js'],
  ['uplot/dist/uPlot.min.css', 'uPlot.min.css'],
];
for (const [from, to] of files) {
  // Drop the sourceMappingURL comment: the maps are not shipped and the browser would ask for them.
  const text = readFileSync(join(root, 'node_modules', from), 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
  writeFileSync(join(vendor, to), text);
}
