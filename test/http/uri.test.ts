// Table-driven checks of the pure parts: URI normalization, Host normalization, templates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeHost } from '../../src/http/host.js';
import { escapeUri, normalizePath, parseRequestTarget, resolveInternalUri } from '../../src/http/uri.js';
import { compileTemplate, parseTemplate, registerVariable, UnknownVariableError } from '../../src/http/variables.js';
import '../../src/http/builtin-variables.js';
import { escapeDefault, escapeJson } from '../../src/log/log-format.js';

describe('normalizePath (ngx_http_parse_complex_uri)', () => {
  const table: [string, string | undefined][] = [
    ['/', '/'],
    ['/a/b', '/a/b'],
    ['//a///b', '/a/b'],
    ['/a/./b', '/a/b'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/a/../../b', undefined],
    ['/..', undefined],
    ['/%2e%2e/', undefined],
    ['/a%2fb', '/a/b'],
    ['/a%2f..%2fb', '/b'],
    ['/%41%62', '/Ab'],
    ['/caf%C3%A9', '/café'],
    ['/%c0%ae%c0%ae/x', '/\ufffd\ufffd\ufffd\ufffd/x'],
    ['/a%00b', undefined],
    ['/a%zz', undefined],
    ['/a%4', undefined],
    ['/a\\..\\b', '/a\\..\\b'],
    ['/%5c..%5c', '/\\..\\'],
    ['/.hidden', '/.hidden'],
    ['/a..b/c', '/a..b/c'],
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => assert.equal(normalizePath(input), expected));
  }

  it('splits the query string without decoding it, and reads absolute targets', () => {
    assert.deepEqual(parseRequestTarget('/a%20b?x=%20&y'), { uri: '/a b', args: 'x=%20&y', host: undefined });
    assert.deepEqual(parseRequestTarget('http://Example.com:81/p?q'), { uri: '/p', args: 'q', host: 'Example.com:81' });
    assert.deepEqual(parseRequestTarget('http://example.com'), { uri: '/', args: '', host: 'example.com' });
    assert.equal(parseRequestTarget('*'), undefined);
    assert.equal(parseRequestTarget('relative'), undefined);
  });

  it('internal redirect URIs: dots resolved, never decoded', () => {
    assert.equal(resolveInternalUri('/a/%2e%2e/b'), '/a/%2e%2e/b');
    assert.equal(resolveInternalUri('/a/../b'), '/b');
    assert.equal(resolveInternalUri('/../b'), undefined);
    assert.equal(resolveInternalUri('b'), undefined);
  });
});

describe('normalizeHost (ngx_http_validate_host)', () => {
  const table: [string, string | undefined][] = [
    ['example.com', 'example.com'],
    ['EXAMPLE.com', 'example.com'],
    ['example.com.', 'example.com'],
    ['example.com:8080', 'example.com'],
    ['example.com.:8080', 'example.com'],
    ['[::1]:8080', '[::1]'],
    ['a..b', undefined],
    ['a/b', undefined],
    ['', undefined],
    ['.', undefined],
    ['a b', undefined],
    ['a\\b', 'a\\b'],
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => assert.equal(normalizeHost(input), expected));
  }
});

describe('variable templates', () => {
  it('parses $name, ${name}, $1 (one digit, as nginx)', () => {
    assert.deepEqual(parseTemplate('a$uri.b${host}c$12'), [
      { text: 'a' }, { variable: 'uri' }, { text: '.b' }, { variable: 'host' }, { text: 'c' }, { variable: '1' }, { text: '2' },
    ]);
  });

  it('a template without variables is a constant', () => {
    assert.equal(compileTemplate('/plain/text').constant, '/plain/text');
    assert.equal(compileTemplate('$uri').constant, undefined);
  });

  it('an unknown variable fails at compile time with nginx\'s words', () => {
    assert.throws(() => compileTemplate('$no_such_var'), (e: unknown) => e instanceof UnknownVariableError && e.message === 'unknown "no_such_var" variable');
    assert.throws(() => compileTemplate('${unterminated'), /closing bracket/);
  });

  it('named captures are known when a config regex declares them', () => {
    assert.throws(() => compileTemplate('$user'), UnknownVariableError);
    assert.equal(compileTemplate('$user', { captureNames: new Set(['user']) }).constant, undefined);
  });

  it('other modules register variables (as the proxy will for $upstream_addr)', () => {
    registerVariable('test_module_var', () => 'from-module');
    const t = compileTemplate('[$test_module_var]');
    assert.equal(t.evaluate({} as never), '[from-module]');
  });
});

describe('log escaping', () => {
  it('escape=default: \\xHH for quotes, backslashes, controls and non-ASCII', () => {
    assert.equal(escapeDefault('plain text'), 'plain text');
    assert.equal(escapeDefault('a"b\\c\x01\x7f'), 'a\\x22b\\x5Cc\\x01\\x7F');
    assert.equal(escapeDefault('é'), '\\xC3\\xA9');
  });
  it('escape=json', () => {
    assert.equal(escapeJson('a"b\\c\n\x01é'), 'a\\"b\\\\c\\n\\u0001é');
  });
});

describe('escapeUri (ngx_escape_uri, NGX_ESCAPE_URI)', () => {
  it('escapes exactly the ASCII characters nginx\'s table marks', () => {
    // From src/core/ngx_string.c: controls, space, " # % < > ? \\ ^ ` { | } and DEL.
    const escaped = new Set([...'\x20"#%<>?\\^`{|}\x7f']);
    for (let c = 0; c < 0x80; c++) {
      const ch = String.fromCharCode(c);
      const expected = c < 0x20 || escaped.has(ch) ? '%' + c.toString(16).toUpperCase().padStart(2, '0') : ch;
      assert.equal(escapeUri(ch), expected, `0x${c.toString(16)}`);
    }
  });
  it('escapes the UTF-8 bytes of other characters, keeps the rest of the path', () => {
    assert.equal(escapeUri('/dir sp/ü?#%'), '/dir%20sp/%C3%BC%3F%23%25');
    assert.equal(escapeUri("/a-b_c.d~e!$&'()*+,;=:@[]/"), "/a-b_c.d~e!$&'()*+,;=:@[]/");
  });
});
