// The command line, parsed exactly as nginx's ngx_get_options does: flags may be grouped
// ("-tq"), an option's value may be attached ("-cfile") or the next argument.
import type { LoadResult } from './config/load.js';

/** `-s NAME`: the signal each name sends the master (nginx's signals[] table, ngx_process.c). */
export const SIGNALS = {
  stop: 'SIGTERM',
  quit: 'SIGQUIT',
  reopen: 'SIGUSR1',
  reload: 'SIGHUP',
} as const satisfies Record<string, NodeJS.Signals>;

export type SignalName = keyof typeof SIGNALS;

export interface CliOptions {
  help: boolean;
  version: boolean;
  configure: boolean;
  test: boolean;
  dump: boolean;
  quiet: boolean;
  signal?: SignalName;
  prefix?: string;
  errorLog?: string;
  confFile?: string;
  globals?: string;
}

/** What the command line hands to the master (src/master/master.ts) or to `-s` (signal.ts). */
export interface Startup {
  options: CliOptions;
  prefix: string;
  confFile: string;
  /** Loads (or reloads) the configuration named on the command line. */
  load(): LoadResult;
}

export class CliError extends Error {}

const VALUE_OPTIONS: Record<string, { key: 'prefix' | 'errorLog' | 'confFile' | 'globals' | 'signal'; what: string }> = {
  p: { key: 'prefix', what: 'directory name' },
  e: { key: 'errorLog', what: 'file name' },
  c: { key: 'confFile', what: 'file name' },
  g: { key: 'globals', what: 'parameter' },
  s: { key: 'signal', what: 'parameter' },
};

export function parseCli(argv: readonly string[]): CliOptions {
  const o: CliOptions = { help: false, version: false, configure: false, test: false, dump: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-')) throw new CliError(`invalid option: "${arg}"`);
    let p = 1;
    while (p < arg.length) {
      const ch = arg[p++];
      switch (ch) {
        case '?': case 'h': o.version = true; o.help = true; break;
        case 'v': o.version = true; break;
        case 'V': o.version = true; o.configure = true; break;
        case 't': o.test = true; break;
        case 'T': o.test = true; o.dump = true; break;
        case 'q': o.quiet = true; break;
        default: {
          const spec = VALUE_OPTIONS[ch];
          if (!spec) throw new CliError(`invalid option: "${ch}"`);
          let value: string;
          if (p < arg.length) value = arg.slice(p);
          else if (i + 1 < argv.length) value = argv[++i];
          else throw new CliError(`option "-${ch}" requires ${spec.what}`);
          p = arg.length;
          if (spec.key === 'signal') {
            if (!Object.hasOwn(SIGNALS, value)) throw new CliError(`invalid option: "-s ${value}"`);
            o.signal = value as SignalName;
          } else o[spec.key] = value;
        }
      }
    }
  }
  return o;
}

export const USAGE = `Usage: ngts [-?hvVtTq] [-s signal] [-p prefix]
            [-e filename] [-c filename] [-g directives]

Options:
  -?,-h         : this help
  -v            : show version and exit
  -V            : show version and configure options then exit
  -t            : test configuration and exit
  -T            : test configuration, dump it and exit
  -q            : suppress non-error messages during configuration testing
  -s signal     : send signal to a master process: ${Object.keys(SIGNALS).join(', ')}
  -p prefix     : set prefix path (default: PREFIX/)
  -e filename   : set error log file (default: logs/error.log)
  -c filename   : set configuration file (default: conf/nginx.conf)
  -g directives : set global directives out of configuration file
`;
