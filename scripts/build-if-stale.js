#!/usr/bin/env node
// Compiles src/ to dist/. `npm start` (and the CLIs) compile only when a source file changed
// since the last build: type-checking the program costs seconds even when nothing changed, and
// a start should not. `--always` compiles regardless (npm run build, npm install).
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const stamp = join(root, 'dist', '.build-stamp');

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const sources = Math.max(newest(join(root, 'src')), ...['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map((f) => statSync(join(root, f)).mtimeMs));
const stale = process.argv.includes('--always') || !existsSync(stamp) || !existsSync(join(root, 'dist', 'main.js')) || statSync(stamp).mtimeMs < sources;
if (stale) {
  if (!process.argv.includes('--always')) process.stdout.write('Compiling (sources changed since the last build)…\n');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  writeFileSync(stamp, new Date().toISOString() + '\n');
}
