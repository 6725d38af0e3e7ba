// A real browser loads a small site (HTML, CSS, JS, an image, a web font) served by bin/ngts on
// the shipped mime.types: every resource arrives with the right Content-Type and the page logs
// no console error. Debian's chromium, driven by playwright-core (.ci/run installs chromium).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Ngts, freePort } from '../helpers/ngts.js';
import { FIXTURES, REPO_ROOT } from '../helpers/repo.js';

const CHROMIUM = '/usr/bin/chromium';

function siteFiles(): Record<string, Buffer> {
  const files: Record<string, Buffer> = { 'conf/mime.types': fs.readFileSync(path.join(REPO_ROOT, 'conf/mime.types')) };
  const walk = (dir: string, rel: string): void => {
    for (const name of fs.readdirSync(dir)) {
      const full = path.join(dir, name);
      if (fs.statSync(full).isDirectory()) walk(full, `${rel}/${name}`);
      else files[`html${rel}/${name}`] = fs.readFileSync(full);
    }
  };
  walk(path.join(FIXTURES, 'site'), '');
  return files;
}

test('headless Chromium loads every resource with the right Content-Type and no console errors', {
  skip: fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install -y chromium)`,
}, async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({
    conf: `events {}
http {
    include mime.types;
    default_type application/octet-stream;
    access_log off;
    server {
        listen 127.0.0.1:${port};
        root html;
    }
}
`,
    files: siteFiles(),
  });
  t.after(() => ngts.cleanup());
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  }); // launch() gives every run a fresh, temporary profile
  t.after(() => browser.close());
  const page = await browser.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const responses = new Map<string, { status: number; type: string | undefined }>();
  page.on('response', (r) => {
    responses.set(new URL(r.url()).pathname, { status: r.status(), type: r.headers()['content-type'] });
  });

  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent !== 'loading', undefined, { timeout: 15_000 });

  assert.equal(await page.textContent('#status'), 'ready');
  assert.deepEqual(Object.fromEntries([...responses].sort()), {
    '/': { status: 200, type: 'text/html' },
    '/css/site.css': { status: 200, type: 'text/css' },
    '/fonts/open-sans.woff2': { status: 200, type: 'font/woff2' },
    '/img/logo.png': { status: 200, type: 'image/png' },
    '/js/app.js': { status: 200, type: 'application/javascript' },
  });
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('h1')!).color), 'rgb(200, 40, 40)');
  assert.deepEqual(consoleErrors, []);
});
