/**
 * Summarises a V8 .cpuprofile (e.g. the gateway's, from
 * `BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:profile`):
 * self time by package or dist file, then by function, as a share of the busy time (idle left out).
 *
 *   npx ts-node --transpile-only bench/cpuprofile-summary.ts <file.cpuprofile> [top=40] [--callers <function>]
 *
 * With `--callers writeBuffer`, the call chains (12 frames) under which that function spent its
 * self time. Read bench/PROFILE.md ("Round two") for what the samples do and do not measure on a
 * busy machine: a sample is wall time on the main thread, so time the process waits for a core
 * lands on the native frame it was in (mostly the socket write that woke MariaDB).
 */
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('Usage: bench/cpuprofile-summary.ts <file.cpuprofile> [top] [--callers <function>]');
  process.exit(2);
}
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
let total = 0;
p.samples.forEach((id, i) => {
  const d = p.timeDeltas[i] ?? 0;
  self.set(id, (self.get(id) ?? 0) + d);
  total += d;
});
const where = (url: string): string => {
  if (!url) return '(native)';
  const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.includes('/dist/')) return `dist/${url.split('/dist/')[1]}`;
  return url.replace(/^.*\/(lib|internal)\//, 'node:$1/');
};
const frame = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const ms = (us: number) => (us / 1000).toFixed(0);

const callersOf = rest.indexOf('--callers') >= 0 ? rest[rest.indexOf('--callers') + 1] : null;
if (callersOf) {
  const chains = new Map<string, number>();
  for (const [id, t] of self) {
    if (byId.get(id)!.callFrame.functionName !== callersOf) continue;
    const chain: string[] = [];
    for (let x = parent.get(id); x !== undefined && chain.length < 12; x = parent.get(x)) chain.push(frame(byId.get(x)!));
    chains.set(chain.join(' < '), (chains.get(chain.join(' < ')) ?? 0) + t);
  }
  for (const [c, t] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`${ms(t).padStart(7)} ms  ${c}`);
  process.exit(0);
}

const top = Number(rest[0] ?? 40);
const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
const busy = total - idle;
const byWhere = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id)!;
  if (n.callFrame.functionName === '(idle)') continue;
  byWhere.set(where(n.callFrame.url), (byWhere.get(where(n.callFrame.url)) ?? 0) + t);
  byFunction.set(frame(n), (byFunction.get(frame(n)) ?? 0) + t);
}
const show = (m: Map<string, number>) => {
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * t) / busy).toFixed(1).padStart(5)} %  ${ms(t).padStart(6)} ms  ${k}`);
};
console.log(`${ms(total)} ms sampled, ${ms(idle)} idle, ${ms(busy)} busy (100 % below)`);
console.log('\nSelf time by package or file:');
show(byWhere);
console.log('\nSelf time by function:');
show(byFunction);
