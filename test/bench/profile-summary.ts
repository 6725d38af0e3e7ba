// Reads a V8 .cpuprofile (written by `node --cpu-prof`) and lists the functions with the most
// self time: the input for optimization work.
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface SelfTimeEntry { name: string; where: string; selfMs: number; share: number }

export function topSelfTime(file: string, limit = 15, root = ''): { totalMs: number; entries: SelfTimeEntry[] } {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { name: string; where: string; micros: number }>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = profile.timeDeltas[i] ?? 0;
    if (!node) continue;
    const f = node.callFrame;
    const name = f.functionName || '(anonymous)';
    if (name === '(idle)') continue;
    total += dt;
    let where = f.url.replace(/^file:\/\//, '');
    if (root && where.startsWith(root)) where = path.relative(root, where);
    where = where ? `${where}:${f.lineNumber + 1}` : '';
    const key = `${name}@${where}`;
    const e = self.get(key);
    if (e) e.micros += dt;
    else self.set(key, { name, where, micros: dt });
  }
  const entries = [...self.values()].sort((a, b) => b.micros - a.micros).slice(0, limit)
    .map((e) => ({ name: e.name, where: e.where, selfMs: e.micros / 1000, share: total ? e.micros / total : 0 }));
  return { totalMs: total / 1000, entries };
}

/** The profile of the busiest process among those written to `dir` (the worker, not the master). */
export function busiestProfile(dir: string): string | undefined {
  let best: { file: string; samples: number } | undefined;
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('.cpuprofile')) continue;
    const file = path.join(dir, name);
    const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
    const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame.functionName]));
    const busy = p.samples.filter((s) => byId.get(s) !== '(idle)').length;
    if (!best || busy > best.samples) best = { file, samples: busy };
  }
  return best?.file;
}
