// `config_watch on;` (beyond nginx, after ldirectord's autoreload=yes): the master watches the
// configuration file and every file it included, and runs the same validated reload as HUP when
// one changes. Changes are debounced (an editor's save is several events), and chokidar's
// `atomic` mode follows editors that save by writing a new file and renaming it over the old one.
//
// chokidar sets its watches up asynchronously, and the watch starts only once the new
// configuration serves: a save in between would go unseen. So the master notes each file's
// identity right after reading it (fileIdentities), and the watch compares once chokidar is
// ready (and again a little later, for files added to a running watcher): a file that is no
// longer what was read is a change.
import fs from 'node:fs';
import chokidar, { type FSWatcher } from 'chokidar';

export const CONFIG_WATCH_DEBOUNCE_MS = 200;
/** After files are added, when to compare them with what was read (chokidar takes a few ms). */
const SETTLE_CHECK_MS = 250;

/** What identifies one version of a file: inode, size, mtime and ctime ('' if it is missing). */
export type FileIdentities = ReadonlyMap<string, string>;

function identity(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  } catch {
    return '';
  }
}

/** The identities of `files` now: call right after reading them. */
export function fileIdentities(files: readonly string[]): FileIdentities {
  return new Map(files.map((f) => [f, identity(f)]));
}

export class ConfigWatch {
  private readonly watcher: FSWatcher;
  private files = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private changed: string | undefined;
  /** The identities as read, for the files chokidar may not have watched yet. */
  private unverified = new Map<string, string>();
  private settleTimer: NodeJS.Timeout | undefined;

  constructor(read: FileIdentities, private readonly onChange: (file: string) => void) {
    this.watcher = chokidar.watch([], { ignoreInitial: true, atomic: true, persistent: true });
    this.watcher.on('all', (_event, file) => this.schedule(file));
    this.watcher.on('error', () => { /* a file that vanished is reported by the reload */ });
    this.watcher.on('ready', () => this.verify());
    this.setFiles(read);
  }

  /** After a reload: the new configuration may include other files. */
  setFiles(read: FileIdentities): void {
    const next = new Set(read.keys());
    const removed = [...this.files].filter((f) => !next.has(f));
    const added = [...next].filter((f) => !this.files.has(f));
    if (removed.length > 0) this.watcher.unwatch(removed);
    if (added.length > 0) this.watcher.add(added);
    this.files = next;
    // Every file was read again: any of them may have changed since, watched or not.
    this.unverified = new Map(read);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => this.verify(), SETTLE_CHECK_MS);
    this.settleTimer.unref();
  }

  close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    return this.watcher.close();
  }

  /** A file that is no longer the version read is a change chokidar may have missed. */
  private verify(): void {
    for (const [file, read] of this.unverified) {
      if (identity(file) !== read) {
        this.schedule(file);
        break;
      }
    }
    this.unverified.clear();
  }

  private schedule(file: string): void {
    this.changed ??= file;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const first = this.changed!;
      this.changed = undefined;
      this.timer = undefined;
      this.onChange(first);
    }, CONFIG_WATCH_DEBOUNCE_MS);
  }
}
