// proxy_pass URL parsing and the URI sent upstream: nginx's rules as a table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyHost } from '../../src/proxy/location.js';
import { compileRedirectRule, defaultRedirectRule, rewriteRedirect } from '../../src/proxy/redirect.js';
import { escapeUri, parseProxyPass, upstreamUri } from '../../src/proxy/uri.js';

test('parseProxyPass', () => {
  const cases: [string, ReturnType<typeof parseProxyPass>][] = [
    ['http://backend', { scheme: 'http', authority: 'backend', host: 'backend', port: 80, portWritten: false, uri: undefined }],
    ['http://127.0.0.1:9001/', { scheme: 'http', authority: '127.0.0.1:9001', host: '127.0.0.1', port: 9001, portWritten: true, uri: '/' }],
    ['HTTPS://example.com/a/b?x=1', { scheme: 'https', authority: 'example.com', host: 'example.com', port: 443, portWritten: false, uri: '/a/b?x=1' }],
    ['http://[::1]:8080/x', { scheme: 'http', authority: '[::1]:8080', host: '::1', port: 8080, portWritten: true, uri: '/x' }],
    ['ftp://x', undefined],
    ['http://', undefined],
    ['http://h:99999', undefined],
  ];
  for (const [url, expected] of cases) assert.deepEqual(parseProxyPass(url), expected, url);
});

test('$proxy_host shows a port only when written and not the default', () => {
  assert.equal(proxyHost(parseProxyPass('http://backend')!), 'backend');
  assert.equal(proxyHost(parseProxyPass('http://b:80/')!), 'b');
  assert.equal(proxyHost(parseProxyPass('http://b:8080/')!), 'b:8080');
  assert.equal(proxyHost(parseProxyPass('https://b:443')!), 'b');
  assert.equal(proxyHost(parseProxyPass('http://[::1]:81')!), '[::1]:81');
});

test('upstreamUri: nginx\'s replacement rules', () => {
  type Row = [passUri: string | undefined, vars: boolean, location: string | undefined, unparsed: string | undefined, uri: string, args: string, expected: string];
  const rows: Row[] = [
    // No URI part: the request URI as the client sent it.
    [undefined, false, '/', '/a//b/../c%2F?x=1', '/a/c/', 'x=1', '/a//b/../c%2F?x=1'],
    // No URI part after a rewrite changed the URI: $uri escaped again, plus args.
    [undefined, false, '/', undefined, '/new path', 'x=1', '/new%20path?x=1'],
    // A URI part replaces the matched prefix of the normalized URI.
    ['/x/', false, '/app/', '/app/foo?q=1', '/app/foo', 'q=1', '/x/foo?q=1'],
    ['/', false, '/app/', '/app/a%20b', '/app/a b', '', '/a%20b'],
    ['/x', false, '/app', '/app/foo', '/app/foo', '', '/x/foo'],
    ['/other', false, '/exact', '/exact', '/exact', 'z=2', '/other?z=2'],
    ['/x/', false, '/app/', '/app/%3F%23', '/app/?#', '', '/x/%3F%23'],
    ['/x/', false, '/app/', '/app/caf%C3%A9', '/app/café', '', '/x/caf%C3%A9'],
    // With variables: the evaluated URI as is (args only if written).
    ['/v/app?x', true, '/app/', '/app/foo?q=1', '/app/foo', 'q=1', '/v/app?x'],
    [undefined, true, '/app/', '/app/foo?q=1', '/app/foo', 'q=1', '/app/foo?q=1'],
  ];
  for (const [passUri, vars, location, unparsed, uri, args, expected] of rows) {
    assert.equal(upstreamUri(passUri, vars, location, { unparsed, uri, args }), expected, `${passUri} ${location} ${uri}`);
  }
});

test('escapeUri escapes what ngx_escape_uri(NGX_ESCAPE_URI) does', () => {
  assert.equal(escapeUri('/a b#c%d?e'), '/a%20b%23c%25d%3Fe');
  assert.equal(escapeUri('/ok/path-_.~!$&\'()*+,;=:@'), '/ok/path-_.~!$&\'()*+,;=:@');
  assert.equal(escapeUri('/\x01\x7f'), '/%01%7F');
});

test('proxy_redirect rules', () => {
  const def = defaultRedirectRule('http://backend', '/x/', '/app/');
  assert.equal(rewriteRedirect([def], 'http://backend/x/next', false), '/app/next');
  assert.equal(rewriteRedirect([def], 'http://other/x/next', false), undefined);
  const noUri = defaultRedirectRule('http://backend', undefined, '/app/');
  assert.equal(rewriteRedirect([noUri], 'http://backend/a', false), '/a');
  const text = compileRedirectRule('http://localhost:8000/two/', 'http://frontend/one/');
  assert.equal(rewriteRedirect([text], 'http://localhost:8000/two/some/uri/', false), 'http://frontend/one/some/uri/');
  assert.equal(rewriteRedirect([text], '5; url=http://localhost:8000/two/r', true), '5; url=http://frontend/one/r');
  const re = compileRedirectRule('~^http://[^/]+:\\d+(/.+)$', 'https://example.com$1');
  assert.equal(rewriteRedirect([re], 'http://b:9000/path', false), 'https://example.com/path');
  const ci = compileRedirectRule('~*^HTTP://B/(.*)$', '/$1');
  assert.equal(rewriteRedirect([ci], 'http://b/zz', false), '/zz');
});
