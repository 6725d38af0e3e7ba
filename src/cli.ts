// ngts's command line: start the master (the default), test the configuration (-t, -T),
// signal a running master (-s), or print the version or help — with nginx's messages.
import path from 'node:path';
import { CliError, parseCli, USAGE, type CliOptions, type Startup } from './cli-options.js';
import { LoadFailure, loadConfig, type LoadResult } from './config/load.js';
import { checkHttpConfig } from './http/validate.js';
import { formatConfigError } from './config/report.js';
import { NAME_VERSION, PACKAGE_ROOT } from './version.js';

function stderr(text: string): void {
  process.stderr.write(text);
}

export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(argv);
  } catch (e) {
    if (e instanceof CliError) {
      stderr(`ngts: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (options.version) stderr(`ngts version: ${NAME_VERSION}\n`);
  if (options.help) stderr(USAGE.replace('PREFIX', PACKAGE_ROOT));
  if (options.configure) {
    stderr(`built with Node.js ${process.version} (${process.platform} ${process.arch})\n`
      + `configure arguments: --prefix=${PACKAGE_ROOT}/ --conf-path=conf/nginx.conf --pid-path=logs/ngts.pid\n`);
  }
  if ((options.version || options.help) && !options.test) return 0;

  const prefix = path.resolve(options.prefix ?? PACKAGE_ROOT);
  const confFile = path.resolve(prefix, options.confFile ?? 'conf/nginx.conf');
  const startup: Startup = {
    options, prefix, confFile,
    load: () => checkHttpConfig(loadConfig({ prefix, confFile, globals: options.globals, errorLog: options.errorLog })),
  };

  if (options.test) return testConfig(startup);
  if (options.signal) {
    const { sendSignal } = await import('./master/signal.js');
    return sendSignal(startup, options.signal);
  }
  const { runMaster } = await import('./master/master.js');
  return runMaster(startup);
}

/** -t / -T: nginx's messages on stderr, the dump on stdout, exit 0 or 1. */
function testConfig(s: Startup): number {
  let result: LoadResult;
  try {
    result = s.load();
  } catch (e) {
    if (!(e instanceof LoadFailure)) throw e;
    stderr(formatConfigError(e.error, e.sources));
    stderr(`ngts: configuration file ${s.confFile} test failed\n`);
    return 1;
  }
  for (const w of result.warnings) stderr(formatConfigError(w, result.sources, 'warn'));
  if (!s.options.quiet) {
    stderr(`ngts: the configuration file ${s.confFile} syntax is ok\n`);
    stderr(`ngts: configuration file ${s.confFile} test is successful\n`);
  }
  if (s.options.dump) {
    let out = '';
    for (const file of result.config.files) {
      const text = result.sources.get(file)!;
      out += `# configuration file ${file}:\n${text}${text.endsWith('\n') ? '' : '\n'}\n`;
    }
    process.stdout.write(out);
  }
  return 0;
}
