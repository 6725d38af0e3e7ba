// proxy_pass URL parsing and the URI sent upstream: nginx's rules as a table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyHost, proxyPort } from '../../src/proxy/location.js';
import { compileRedirectRule, defaultRedirectRule, rewriteRedirect } from '../../src/proxy/redirect.js';
import { escapeUri, parseProxyPass, proxyPassError, upstreamUri } from '../../src/proxy/uri.js';

test('parseProxyPass', () => {
  const cases: [string, ReturnType<typeof parseProxyPass>][] = [
    ['http://backend', { scheme: 'http', authority: 'backend', host: 'backend', port: 80, portWritten: false, uri: undefined, socketPath: undefined }],
    ['http://127.0.0.1:9001/', { scheme: 'http', authority: '127.0.0.1:9001', host: '127.0.0.1', port: 9001, portWritten: true, uri: '/', socketPath: undefined }],
    ['HTTPS://example.com/a/b?x=1', { scheme: 'https', authority: 'example.com', host: 'example.com', port: 443, portWritten: false, uri: '/a/b?x=1', socketPath: undefined }],
    ['http://[::1]:8080/x', { scheme: 'http', authority: '[::1]:8080', host: '::1', port: 8080, portWritten: true, uri: '/x', socketPath: undefined }],
    ['http://127.0.0.1:80?x', { scheme: 'http', authority: '127.0.0.1:80', host: '127.0.0.1', port: 80, portWritten: true, uri: '?x', socketPath: undefined }],
    // nginx's unix-domain form: the path ends at the first ":", the URI follows.
    ['http://unix:/run/app.sock', { scheme: 'http', authority: 'unix:/run/app.sock', host: 'localhost', port: 80, portWritten: false, uri: undefined, socketPath: '/run/app.sock' }],
    ['http://unix:/run/app.sock:/x/?a', { scheme: 'http', authority: 'unix:/run/app.sock', host: 'localhost', port: 80, portWritten: false, uri: '/x/?a', socketPath: '/run/app.sock' }],
    ['http://UNIX:/run/app.sock:', { scheme: 'http', authority: 'UNIX:/run/app.sock', host: 'localhost', port: 80, portWritten: false, uri: undefined, socketPath: '/run/app.sock' }],
    ['ftp://x', undefined],
    ['http://', undefined],
    ['http://h:99999', undefined],
    ['http://unix:', undefined],
  ];
  for (const [url, expected] of cases) assert.deepEqual(parseProxyPass(url), expected, url);
});

test('proxyPassError: nginx\'s messages for a URL it refuses (nginx 1.22 at runtime, or nginx -t)', () => {
  const cases: [string, string][] = [
    ['ftp://x', 'invalid URL prefix in "ftp://x"'],
    ['http://', 'invalid URL prefix in "http://"'],
    ['http://h:99999', 'invalid port in upstream "h:99999"'],
    ['http://127.0.0.1:0/x', 'invalid port in upstream "127.0.0.1:0/x"'],
    ['http://127.0.0.1:abc', 'invalid port in upstream "127.0.0.1:abc"'],
    ['http://127.0.0.1:', 'invalid port in upstream "127.0.0.1:"'],
    ['http://127.0.0.1:+80', 'invalid port in upstream "127.0.0.1:+80"'],
    ['http:///x', 'no host in upstream "/x"'],
    ['http://:80', 'no host in upstream ":80"'],
    ['http://?x', 'no host in upstream "?x"'],
    ['http://[]:80', 'no host in upstream "[]:80"'],
    ['http://[::1', 'invalid host in upstream "[::1"'],
    ['http://[::1]x', 'invalid host in upstream "[::1]x"'],
    ['http://[zz]:80', 'invalid IPv6 address in upstream "[zz]:80"'],
    ['http://[::1]:99999', 'invalid port in upstream "[::1]:99999"'],
    ['http://unix:', 'no path in the unix domain socket in upstream "unix:"'],
    ['http://unix::/x', 'no path in the unix domain socket in upstream "unix::/x"'],
    [`http://unix:/${'a'.repeat(120)}`, `too long path in the unix domain socket in upstream "unix:/${'a'.repeat(120)}"`],
  ];
  for (const [url, expected] of cases) assert.equal(proxyPassError(url), expected, url);
  assert.equal(proxyPassError('http://127.0.0.1:080'), '', 'a valid URL has no error');
});

test('$proxy_host shows a port only when written and not the default', () => {
  assert.equal(proxyHost(parseProxyPass('http://backend')!), 'backend');
  assert.equal(proxyHost(parseProxyPass('http://b:80/')!), 'b');
  assert.equal(proxyHost(parseProxyPass('http://b:8080/')!), 'b:8080');
  assert.equal(proxyHost(parseProxyPass('https://b:443')!), 'b');
  assert.equal(proxyHost(parseProxyPass('http://[::1]:81')!), '[::1]:81');
  // nginx sends "Host: localhost" to a unix-domain socket, and $proxy_port is empty.
  assert.equal(proxyHost(parseProxyPass('http://unix:/run/app.sock:/x')!), 'localhost');
  assert.equal(proxyPort(parseProxyPass('http://unix:/run/app.sock:/x')!), '');
  assert.equal(proxyPort(parseProxyPass('http://b')!), '80');
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
