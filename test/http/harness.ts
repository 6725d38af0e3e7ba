// Test harness for the HTTP core: an http block served by the real worker runtime in the test
// process (test/helpers/runtime.ts), with the files of a site directory, and clients bound to
// its port (test/helpers/http-client.ts, raw.ts). `{{dir}}` in the block is the site directory.
import fs from 'node:fs';
import { request, type Reply, type RequestOptions } from '../helpers/http-client.js';
import { rawExchange, type RawReply } from '../helpers/raw.js';
import { startRuntime } from '../helpers/runtime.js';
import type { HttpRuntime } from '../../src/http/runtime.js';
import type { AnyHttpModule } from '../../src/http/module.js';

export interface Site {
  dir: string;
  runtime: HttpRuntime;
  /** The real port of the server for a config listen key ("127.0.0.1:8080"); default: the first. */
  port(key?: string): number;
  get(target: string, opts?: RequestOptions & { port?: number }): Promise<Reply>;
  raw(data: string | Buffer, opts?: { port?: number; until?: (text: string) => boolean }): Promise<RawReply>;
  read(file: string): string;
  draining: boolean;
  close(): Promise<void>;
}

/** Files: relative path → content (a string), or null for a directory. */
/** `modules`: the runtime's module list (default: the worker's), for tests that add a module. */
export async function startSite(httpBlock: string, files: Record<string, string | null> = {}, modules?: readonly AnyHttpModule[]): Promise<Site> {
  const rt = await startRuntime((dir) => `events {}\nerror_log logs/error.log info;\nhttp {\n${httpBlock.replaceAll('{{dir}}', dir)}\n}\n`, { files, modules });
  return {
    dir: rt.prefix,
    runtime: rt.runtime,
    port: rt.port,
    get: (target, opts = {}) => request(opts.port ?? rt.port(), target, opts),
    raw: (data, opts = {}) => rawExchange(opts.port ?? rt.port(), data, opts),
    read: rt.read,
    get draining() { return rt.draining; },
    set draining(on: boolean) { rt.draining = on; },
    close: rt.close,
  };
}

/** nginx's built-in page with ngts's signature. */
export function builtinPage(title: string, h1 = title, signature = 'ngts/' + VERSION): string {
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${h1}</h1></center>\r\n`
    + `<hr><center>${signature}</center>\r\n</body>\r\n</html>\r\n`;
}

export const VERSION: string = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;
