// Summarizes a V8 CPU profile (.cpuprofile, as `pnpm bench --profile` writes): where the time
// went, by package or file (self time, and inclusive time counted once per stack), and the
// busiest functions.
//
//   npx tsx bench/profile-summary.ts bench/results/profiles/parley-responses-c200.cpuprofile

import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A package name for node_modules files, `node:…` for Node's own, else the repository path. */
function ownerOf(url: string): string {
  if (!url) return "(vm: idle, gc, native)";
  const dependency = url.match(
    /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((@[^/]+\/)?[^/]+)/,
  );
  if (dependency?.[1]) return dependency[1];
  if (url.startsWith("node:") || url.startsWith("wasm:")) return url.replace(/\/[0-9a-f]+$/, "");
  return url.replace(/^file:\/\//, "").replace(/^.*?\/(server|bench|shared)\//, "$1/");
}

function top(totals: Map<string, number>, all: number, count: number): string {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, micros]) => {
      const share = ((100 * micros) / all).toFixed(1).padStart(5);
      return `${(micros / 1000).toFixed(0).padStart(7)} ms ${share}%  ${key}`;
    })
    .join("\n");
}

const file = process.argv[2];
if (!file) {
  console.error("Usage: npx tsx bench/profile-summary.ts <file.cpuprofile>");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parent.set(child, node.id);

const selfTime = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
let all = 0;
let idle = 0;
const selfByOwner = new Map<string, number>();
const selfByFunction = new Map<string, number>();
/** Self time of WebAssembly frames given to the nearest JavaScript caller's owner. */
const selfByCaller = new Map<string, number>();
const inclusiveByOwner = new Map<string, number>();
for (const [id, micros] of selfTime) {
  const frame = nodes.get(id)?.callFrame;
  if (!frame) continue;
  all += micros;
  if (frame.functionName === "(idle)") idle += micros;
  const owner = ownerOf(frame.url);
  selfByOwner.set(owner, (selfByOwner.get(owner) ?? 0) + micros);
  const name = `${frame.functionName || "(anonymous)"}  ${owner}:${frame.lineNumber + 1}`;
  selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + micros);
  let caller: number | undefined = id;
  while (caller !== undefined && /^wasm:/.test(nodes.get(caller)?.callFrame.url ?? "")) {
    caller = parent.get(caller);
  }
  const callerOwner =
    caller === id
      ? owner
      : `${ownerOf(nodes.get(caller ?? id)?.callFrame.url ?? "")} (WebAssembly)`;
  selfByCaller.set(callerOwner, (selfByCaller.get(callerOwner) ?? 0) + micros);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const stackOwner = ownerOf(nodes.get(at)?.callFrame.url ?? "");
    if (seen.has(stackOwner)) continue;
    seen.add(stackOwner);
    inclusiveByOwner.set(stackOwner, (inclusiveByOwner.get(stackOwner) ?? 0) + micros);
  }
}
const busy = all - idle;
console.log(
  `${file}\n${(all / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms busy (${((100 * busy) / all).toFixed(0)}%)`,
);
console.log(`\nSelf time by package / file\n${top(selfByOwner, all, 20)}`);
console.log(`\nSelf time, WebAssembly given to its caller\n${top(selfByCaller, all, 20)}`);
console.log(
  `\nInclusive time by package / file (once per stack)\n${top(inclusiveByOwner, all, 30)}`,
);
console.log(`\nBusiest functions (self time)\n${top(selfByFunction, all, 25)}`);
