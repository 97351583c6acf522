// Reads a V8 CPU profile (what the inspector's Profiler.stop returns) into a few short tables:
// where the time went by package or project file, the hottest functions, and the project's
// functions with the time spent in them and below (so a slow template engine shows up under
// the function that called it).
import { fileURLToPath } from 'node:url';

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const fromRoot = (url: string) => {
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  return file.startsWith(root) ? file.slice(root.length) : file;
};

/** A package for node_modules files, the project file otherwise; V8's pseudo-frames as they are. */
function category(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native / V8 builtins)';
  if (url.startsWith('node:')) return 'node: internals';
  const path = fromRoot(url);
  const at = path.lastIndexOf('node_modules/');
  if (at >= 0) {
    const [first = '', second = ''] = path.slice(at + 'node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  return path;
}

/** The bot's own code: not dependencies, and not the bench's timing wrappers. */
const isProject = (url: string) => {
  if (!url.startsWith('file://') || url.includes('/node_modules/')) return false;
  const rel = fromRoot(url);
  return rel !== fileURLToPath(url) && !rel.startsWith('bench/');
};

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  lines: string[];
}

/** `per` divides the times (e.g. by the number of requests profiled) to show ms per request. */
export function summarizeProfile(profile: CpuProfile, per: number, top = 12): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (id: number) => {
    const f = byId.get(id)!.callFrame;
    // Under tsx the project's frames all report line 0, so only real line numbers are shown.
    const line = f.lineNumber > 0 ? `:${f.lineNumber + 1}` : '';
    return f.url ? `${f.functionName || '(anonymous)'}  ${fromRoot(f.url)}${line}` : f.functionName || '(anonymous)';
  };

  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const self = new Map<string, number>();
  const byCategory = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  const add = (map: Map<string, number>, k: string, us: number) => map.set(k, (map.get(k) ?? 0) + us);
  for (let i = 0; i < samples.length; i++) {
    // A sample's time is the gap to the next one (the last sample gets the previous gap).
    const us = deltas[i + 1] ?? deltas[i] ?? 0;
    const id = samples[i]!;
    const f = byId.get(id)!.callFrame;
    total += us;
    if (f.functionName === '(idle)') {
      idle += us;
      continue;
    }
    add(self, key(id), us);
    add(byCategory, category(f.url, f.functionName), us);
    // Count each project function once per sample, however deep its recursion.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (!isProject(frame.url)) continue;
      const k = key(at);
      if (!seen.has(k)) {
        seen.add(k);
        add(inclusive, k, us);
      }
    }
  }

  const busy = total - idle;
  const ms = (us: number) => (us / 1000 / per).toFixed(2).padStart(8);
  const pct = (us: number) => `${((100 * us) / Math.max(1, busy)).toFixed(1).padStart(5)}%`;
  const table = (title: string, map: Map<string, number>, n: number) => [
    title,
    ...[...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${ms(us)} ms ${pct(us)}  ${k}`),
  ];
  const lines = [
    `CPU profile: ${(total / 1000 / per).toFixed(2)} ms of wall time per request, of which ${(busy / 1000 / per).toFixed(2)} ms on the CPU (main thread) and ${(idle / 1000 / per).toFixed(2)} ms idle (waiting on I/O: disk, sockets, the client).`,
    '  (ms per request; % of CPU time)',
    ...table('By package / project file (self time):', byCategory, top),
    ...table('Hottest functions (self time):', self, top),
    ...table('Project functions, including what they call (synchronous parts only):', inclusive, top + 4),
  ];
  return { totalMs: total / 1000, idleMs: idle / 1000, lines };
}
