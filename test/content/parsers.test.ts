// Table-driven checks of the two parsers taken from nginx: ngx_parse_http_time and
// ngx_http_range_parse (on a 20-byte file).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHttpTime } from '../../src/content/http-time.js';
import { parseRangeSpec, UNSATISFIABLE, WHOLE } from '../../src/content/range.js';

const T = Date.UTC(2026, 10, 25, 9, 0, 0) / 1000;

describe('parseHttpTime', () => {
  const cases: [string, number][] = [
    ['Wed, 25 Nov 2026 09:00:00 GMT', T],
    ['Wednesday, 25-Nov-26 09:00:00 GMT', T],
    ['Wed Nov 25 09:00:00 2026', T],
    ['Wed Nov  5 09:00:00 2026', T - 20 * 86400],
    // nginx checks neither the weekday nor the zone.
    ['Xyz, 25 Nov 2026 09:00:00 UTC', T],
    ['Thu, 29 Feb 2024 00:00:00 GMT', Date.UTC(2024, 1, 29) / 1000],
    ['Thu, 29 Feb 2025 00:00:00 GMT', -1],
    ['Wed, 31 Nov 2026 09:00:00 GMT', -1],
    ['Wed, 25 Nov 2026 24:00:00 GMT', -1],
    ['Wed, 25 Xyz 2026 09:00:00 GMT', -1],
    ['garbage', -1],
    ['', -1],
  ];
  for (const [text, expected] of cases) {
    it(JSON.stringify(text), () => assert.equal(parseHttpTime(text), expected));
  }
});

describe('parseRangeSpec', () => {
  const cases: [string, ReturnType<typeof parseRangeSpec>][] = [
    ['0-3', [{ start: 0, end: 4 }]],
    ['-5', [{ start: 15, end: 20 }]],
    ['5-', [{ start: 5, end: 20 }]],
    [' 1 - 2 , 4-5 ', [{ start: 1, end: 3 }, { start: 4, end: 6 }]],
    ['0-3,30-40', [{ start: 0, end: 4 }]],
    ['30-40', UNSATISFIABLE],
    ['-0', UNSATISFIABLE],
    ['3-1', UNSATISFIABLE],
    ['0-1,', UNSATISFIABLE],
    ['x', UNSATISFIABLE],
    ['99999999999999999999-', UNSATISFIABLE],
    ['0-10,0-10', WHOLE],
    ['0-', [{ start: 0, end: 20 }]],
  ];
  for (const [spec, expected] of cases) {
    it(JSON.stringify(spec), () => assert.deepEqual(parseRangeSpec('bytes=' + spec, 6, 20), expected));
  }
  it('declines any range on an empty file starting at 0', () => {
    assert.equal(parseRangeSpec('bytes=0-', 6, 0), WHOLE);
    assert.equal(parseRangeSpec('bytes=5-', 6, 0), UNSATISFIABLE);
  });
});
