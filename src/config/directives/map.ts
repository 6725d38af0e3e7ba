// ngx_http_map_module: `map $source $variable { default v; '' v; key v; ~regex v; ~*regex v; }`.
// The block is read here (its lines are keys, not directives); src/http/map.ts compiles it into
// a variable per configuration generation.
import { argError, directiveError } from '../errors.js';
import { compileConfigRegex } from '../regex.js';
import { TAKE, type DirectiveSpec } from '../spec.js';
import type { MapConf } from '../types.js';

export const mapDirectives: DirectiveSpec[] = [
  {
    name: 'map', contexts: ['http'], args: TAKE(2), block: 'raw',
    handle(d, s) {
      const target = d.args[1];
      if (!target.startsWith('$') || target.length === 1) throw argError(d, 1, `invalid variable name "${target}"`);
      const map: MapConf = {
        source: d.args[0], variable: target.slice(1), defaultValue: '', exact: {}, regexes: [],
        origin: { file: d.file, line: d.line },
      };
      let defaultSeen = false;
      for (const entry of d.block!) {
        if (entry.block) throw directiveError(entry, 'unexpected "{"', entry.namePos);
        const key = entry.name;
        // hostnames and volatile change matching and caching; ngts implements neither.
        if (entry.args.length === 0 && (key === 'hostnames' || key === 'volatile')) {
          throw directiveError(entry, `"${key}" in "map" is not supported by ngts`, entry.namePos);
        }
        if (entry.args.length !== 1) throw directiveError(entry, 'invalid number of the map parameters', entry.namePos);
        const value = entry.args[0];
        if (key === 'default') {
          if (defaultSeen) throw directiveError(entry, 'duplicate default map parameter', entry.namePos);
          defaultSeen = true;
          map.defaultValue = value;
        } else if (key.startsWith('~') && key.length > 1) {
          const caseless = key.startsWith('~*');
          const source = key.slice(caseless ? 2 : 1);
          // The regex is the entry's name, whose position is namePos: argError wants an argument.
          map.regexes.push({ source: compileConfigRegex({ ...entry, argPos: [entry.namePos] }, 0, source, caseless ? 'i' : ''), caseless, value });
        } else {
          // A leading "\" lets a key start with "~" or be "default" (nginx's escape).
          const exact = (key.startsWith('\\') ? key.slice(1) : key).toLowerCase();
          // nginx refuses a key written twice, even with the same value.
          if (map.exact[exact] !== undefined) throw directiveError(entry, `conflicting parameter "${exact}"`, entry.namePos);
          map.exact[exact] = value;
        }
      }
      s.http!.maps.push(map);
    },
  },
];
