// The configuration language, token by token: nginx's lexical rules (ngx_conf_read_token),
// line numbers, and a grammar that yields exactly one parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nearley from 'nearley';
import grammar from '../../src/config/grammar.js';
import { parseText } from '../../src/config/parse.js';
import { loadConfig, LoadFailure } from '../../src/config/load.js';
import type { Directive } from '../../src/config/ast.js';
import { tempDir, writeTree } from '../helpers/repo.js';

function args(text: string): string[] {
  return parseText(text, 'test.conf')[0].args;
}

test('double and single quotes with nginx escapes', () => {
  assert.deepEqual(args(String.raw`d "a\"b" 'c\'d' "e\\f" "t\tn\nr\r" "\x\.php$";`),
    ['a"b', "c'd", 'e\\f', 't\tn\nr\r', '\\x\\.php$']);
});

test('backslash escapes outside quotes keep unknown escapes', () => {
  assert.deepEqual(args(String.raw`d a\"b a\ b \.php$ x\\y;`), ['a"b', 'a\\ b', '\\.php$', 'x\\y']);
});

test('"}" and ";" inside quotes are text', () => {
  assert.deepEqual(args('return 200 "a}b;c{d" \'}\';'), ['200', 'a}b;c{d', '}']);
});

test('"}" and "#" inside a bare word are text (only special at the start of a token)', () => {
  assert.deepEqual(args('d a}b c#d;'), ['a}b', 'c#d']);
});

test('comments between arguments and after statements', () => {
  const list = parseText('listen 80 # the port\n  default_server; # trailing\n# whole line\nroot /x;', 't');
  assert.deepEqual(list.map((d) => [d.name, d.args]), [['listen', ['80', 'default_server']], ['root', ['/x']]]);
});

test('$var and ${var} are kept verbatim', () => {
  assert.deepEqual(args('d $host ${host}x $1 "${a}$b" $;'), ['$host', '${host}x', '$1', '${a}$b', '$']);
});

test('a quoted empty argument is an argument', () => {
  const d = parseText('server_name "" \'\';', 't')[0];
  assert.deepEqual(d.args, ['', '']);
  assert.deepEqual(d.quoted, [true, true]);
});

test('a regex containing "{" must be quoted: quoted it is one argument', () => {
  const d = parseText('location ~ "^/a{2}$" { }', 't')[0];
  assert.deepEqual(d.args, ['~', '^/a{2}$']);
  assert.deepEqual(d.block, []);
});

test('line numbers stay right after multi-line strings, escaped newlines and CRLF', () => {
  const text = 'a "multi\nline\nstring";\r\nb x\\\ny;\r\n\r\nc {\n  d;\n}\n';
  const list = parseText(text, 't');
  const lines = (l: Directive[]): unknown => l.map((d) => [d.name, d.line, d.namePos.line, d.block ? lines(d.block) : null]);
  assert.deepEqual(lines(list), [['a', 3, 1, null], ['b', 5, 4, null], ['c', 7, 7, [['d', 8, 8, null]]]]);
});

test('columns point at the token', () => {
  const d = parseText('\n   root   /var/www;', 't')[0];
  assert.deepEqual(d.namePos, { line: 2, col: 4 });
  assert.deepEqual(d.argPos, [{ line: 2, col: 11 }]);
});

test('UTF-8 and non-UTF-8 bytes in comments and strings', () => {
  const dir = tempDir('bytes');
  const conf = Buffer.concat([
    Buffer.from('# caf\xc3\xa9 \xff\xfe comment\nevents {}\nhttp { default_type "t\xc3\xa9xt/\xff"; server { server_name ', 'latin1'),
    Buffer.from('пример.рф', 'utf8'),
    Buffer.from('; } }\n'),
  ]);
  writeTree(dir, { 'n.conf': conf });
  const { config } = loadConfig({ prefix: dir, confFile: 'n.conf' });
  assert.equal(config.http!.servers[0].serverNames[0], 'пример.рф');
  assert.match(config.http!.loc.defaultType, /^t.*xt\//);
});

test('exactly one parse for every shape of input', () => {
  const inputs = [
    '', 'a;', 'a b c;', 'a {}', 'a { b; c { d e; } }', 'a "b" \'c\' d;', 'a { } b { } c;',
    'x { y { z { w; } } } v;', 'a b { c d { e f; } g; }',
  ];
  for (const input of inputs) {
    const parser = new nearley.Parser(nearley.Grammar.fromCompiled(grammar));
    parser.feed(input);
    assert.equal(parser.results.length, 1, `input ${JSON.stringify(input)}`);
  }
});

test('deeply nested blocks', () => {
  const depth = 300;
  const text = 'a {'.repeat(depth) + ' leaf; ' + '}'.repeat(depth);
  let d = parseText(text, 't')[0];
  let seen = 1;
  while (d.block && d.block[0]?.name === 'a') {
    d = d.block[0];
    seen++;
  }
  assert.equal(seen, depth);
  assert.equal(d.block![0].name, 'leaf');
});

test('deeply nested locations load and merge', () => {
  const dir = tempDir('nest');
  let locs = '';
  for (let i = 1; i <= 40; i++) locs += `location /${'a/'.repeat(i)} { `;
  locs += 'autoindex on;' + ' }'.repeat(40);
  writeTree(dir, { 'n.conf': `events {}\nhttp { server { listen 127.0.0.1:8080; ${locs} } }\n` });
  const { config } = loadConfig({ prefix: dir, confFile: 'n.conf' });
  let loc = config.http!.servers[0].locations[0];
  for (let i = 1; i < 40; i++) loc = loc.locations[0];
  assert.equal(loc.pattern, '/' + 'a/'.repeat(40));
  assert.equal(loc.loc.autoindex, true);
});

test('a 1 MB configuration loads', () => {
  const dir = tempDir('big');
  let text = 'events {}\nhttp {\n';
  let servers = 0;
  while (text.length < 1024 * 1024) {
    text += `  server {\n    listen 127.0.0.1:${10000 + servers};\n    server_name s${servers}.example.com;\n`
      + `    location / { root /srv/${servers}; }\n    location ~ "\\.php$" { return 403; }\n  }\n`;
    servers++;
  }
  text += '}\n';
  writeTree(dir, { 'big.conf': text });
  const { config } = loadConfig({ prefix: dir, confFile: 'big.conf' });
  assert.equal(config.http!.servers.length, servers);
  assert.equal(config.http!.servers[servers - 1].serverNames[0], `s${servers - 1}.example.com`);
});

test('a syntax error after a semantic error: the earlier one is reported, as nginx does', () => {
  const dir = tempDir('order');
  writeTree(dir, { 'o.conf': 'events {}\nhttp {\n  servr {\n  }\n' });
  assert.throws(() => loadConfig({ prefix: dir, confFile: 'o.conf' }), (e: unknown) => {
    assert.ok(e instanceof LoadFailure);
    assert.equal(e.error.nginxText, `unknown directive "servr" in ${dir}/o.conf:3`);
    return true;
  });
});
