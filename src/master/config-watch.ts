// `config_watch on;` (beyond nginx, after ldirectord's autoreload=yes): the master watches the
// configuration file and every file it included, and runs the same validated reload as HUP when
// one changes. Changes are debounced (an editor's save is several events), and chokidar's
// `atomic` mode follows editors that save by writing a new file and renaming it over the old one.
import chokidar, { type FSWatcher } from 'chokidar';

export const CONFIG_WATCH_DEBOUNCE_MS = 200;

export class ConfigWatch {
  private readonly watcher: FSWatcher;
  private files = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private changed: string | undefined;

  constructor(files: readonly string[], private readonly onChange: (file: string) => void) {
    this.watcher = chokidar.watch([], { ignoreInitial: true, atomic: true, persistent: true });
    this.watcher.on('all', (_event, file) => this.schedule(file));
    this.watcher.on('error', () => { /* a file that vanished is reported by the reload */ });
    this.setFiles(files);
  }

  /** After a reload: the new configuration may include other files. */
  setFiles(files: readonly string[]): void {
    const next = new Set(files);
    const removed = [...this.files].filter((f) => !next.has(f));
    const added = [...next].filter((f) => !this.files.has(f));
    if (removed.length > 0) this.watcher.unwatch(removed);
    if (added.length > 0) this.watcher.add(added);
    this.files = next;
  }

  close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    return this.watcher.close();
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
