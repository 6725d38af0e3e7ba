// `npm run bench`: the benchmark suite (not part of `npm test`; timing never decides a test).
// Prints one markdown table. `--quick` for a short run.
import { benchConfigParse } from './config-parse.js';

const quick = process.argv.includes('--quick');

const rows: string[][] = [];
const parse = benchConfigParse(5000, quick ? 3 : 7);
rows.push([
  'config parse + validate, 5,000 servers × 4 locations',
  `${(parse.bytes / 1024 / 1024).toFixed(2)} MB`,
  `${parse.medianMs.toFixed(0)} ms (median of ${parse.runs.length})`,
  parse.medianMs < 1000 ? 'under 1 s' : 'OVER 1 s',
]);

console.log('| scenario | size | time | target |');
console.log('| --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
