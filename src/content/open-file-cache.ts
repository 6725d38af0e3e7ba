// The open-file cache (nginx's open_file_cache, always on in ngts): per path, the stat identity
// of the file, its validators and precomputed headers, and for small files the content itself.
//
// Freshness: every request stats the path (as nginx does when open_file_cache is off) and an
// entry is used only if inode, size, mtime and ctime all match, so a rewritten file is served
// fresh on the next request. Timestamps are coarse (a kernel tick, or a second on some file
// systems): a write within the same tick as the read we cached would keep the same mtime. So,
// like git's "racily clean" rule, content read less than limits.racyMs after the file's last
// change is served but not cached. A timestamp with a sub-second part comes from a file system
// that keeps fine timestamps (ext4, xfs, btrfs, tmpfs): the kernel stamps them from its coarse
// clock, at most one tick (10 ms at HZ=100) behind, so limits.racyFineMs is enough there. A
// whole-second mtime may come from a 1 s file system and keeps the 2 s window.
//
// Bounded in entries and bytes; eviction is CLOCK (second chance), which costs one boolean
// store per hit instead of moving the entry in an LRU list.
//
// With nginx's `open_file_cache` in a location, nginx trusts what it cached for
// `open_file_cache_valid` without looking at the file again, and so does ngts there (trust()):
// no stat at all for a file used at least `open_file_cache_min_uses` times and not left unused
// for `inactive`; with `open_file_cache_errors on`, a failed lookup is remembered the same way.
// Like nginx, a file changed within that window may be served as it was.
import { httpDate } from './http-time.js';

export interface OpenFileCacheLimits {
  /** Most entries kept (nginx: open_file_cache max=N). */
  maxEntries: number;
  /** Most content bytes kept in memory. */
  maxBytes: number;
  /** Files larger than this are streamed from disk and only their headers are cached. */
  maxFileSize: number;
  /**
   * Content whose file changed less than this many ms before the read began is served but not
   * cached: a write within the same timestamp tick would leave the stat identity unchanged.
   */
  racyMs: number;
  /** racyMs for a file whose mtime and ctime have a sub-second part (fine timestamps). */
  racyFineMs: number;
}

export const DEFAULT_LIMITS: OpenFileCacheLimits = {
  maxEntries: 10_000,
  maxBytes: 64 * 1024 * 1024,
  maxFileSize: 1024 * 1024,
  // Above the coarsest common granularity (1 s on ext3/HFS+; a kernel tick on ext4/tmpfs).
  racyMs: 2000,
  // Ten times the coarsest kernel tick (HZ=100), for clock skew between Date.now() and the
  // kernel's coarse clock.
  racyFineMs: 100,
};
/** What an entry costs besides its content, for the byte bound. */
const ENTRY_OVERHEAD = 256;

/** The fields of fs.Stats that identify one version of a file. */
export interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

export class CachedFile {
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  /** Validators, as nginx prints them: ETag "<mtime hex>-<size hex>", Last-Modified. */
  readonly mtimeSec: number;
  readonly etag: string;
  readonly lastModified: string;
  readonly contentLength: string;
  /** The whole file, or null when it is streamed from disk. */
  readonly body: Buffer | null;
  /** 304 headers: nginx keeps Last-Modified and ETag only. */
  readonly headers304: string[];
  /** The Content-Type that headers200 was built for (a file may be reached from several locations). */
  type = '';
  headers200: string[] = [];
  /** CLOCK bit: used since the last sweep. */
  referenced = true;
  /** For open_file_cache: when a stat last confirmed the entry (ms, 0: never). */
  checkedAt = 0;
  /** For open_file_cache: last use (ms) and uses since the entry was (re)validated or went inactive. */
  usedAt = 0;
  uses = 0;

  constructor(st: FileIdentity, body: Buffer | null) {
    this.ino = st.ino;
    this.size = st.size;
    this.mtimeMs = st.mtimeMs;
    this.ctimeMs = st.ctimeMs;
    this.mtimeSec = Math.floor(st.mtimeMs / 1000);
    this.etag = `"${this.mtimeSec.toString(16)}-${st.size.toString(16)}"`;
    this.lastModified = httpDate(this.mtimeSec);
    this.contentLength = String(st.size);
    this.body = body;
    this.headers304 = ['Last-Modified', this.lastModified, 'ETag', this.etag];
  }

  matches(st: FileIdentity): boolean {
    return st.mtimeMs === this.mtimeMs && st.size === this.size && st.ino === this.ino && st.ctimeMs === this.ctimeMs;
  }

  /** The 200 headers for `type`, rebuilt only when the type differs from the last request's. */
  headersFor(type: string): string[] {
    if (type !== this.type) {
      this.type = type;
      this.headers200 = [
        'Content-Type', type,
        'Content-Length', this.contentLength,
        'Last-Modified', this.lastModified,
        'ETag', this.etag,
        'Accept-Ranges', 'bytes',
      ];
    }
    return this.headers200;
  }
}

/** The open_file_cache settings of a location, as trust() reads them (times in ms). */
export interface TrustPolicy {
  openFileCache: { inactive: number } | null;
  openFileCacheValid: number;
  openFileCacheMinUses: number;
  openFileCacheErrors: boolean;
}

/** A failed lookup remembered under open_file_cache_errors. */
export class CachedError {
  constructor(readonly error: NodeJS.ErrnoException, readonly checkedAt: number, public usedAt: number) {}
}

export class OpenFileCache {
  private readonly entries = new Map<string, CachedFile>();
  private readonly errors = new Map<string, CachedError>();
  private bytes = 0;

  constructor(public limits: OpenFileCacheLimits = { ...DEFAULT_LIMITS }) {}

  get size(): number {
    return this.entries.size;
  }

  get contentBytes(): number {
    return this.bytes;
  }

  /** The entry for `path` if it describes the file `st` describes; a stale entry is dropped. */
  lookup(path: string, st: FileIdentity): CachedFile | undefined {
    const entry = this.entries.get(path);
    if (entry === undefined) return undefined;
    if (entry.matches(st)) {
      entry.referenced = true;
      return entry;
    }
    this.remove(path, entry);
    return undefined;
  }

  /**
   * open_file_cache: what nginx would answer from its cache without a system call — the entry or
   * the remembered error for `path`, if checked less than open_file_cache_valid ago, used at
   * least min_uses times and not inactive. Otherwise the uses of the path counting this one:
   * stat the file, then confirm() what it found with them (or rememberError()). nginx keeps the
   * count per name, across changes of the file.
   */
  trust(path: string, policy: TrustPolicy, now: number): CachedFile | CachedError | number {
    const inactive = policy.openFileCache!.inactive;
    const entry = this.entries.get(path);
    if (entry !== undefined) {
      if (now - entry.usedAt > inactive) {
        // nginx has dropped an entry unused for `inactive`: this use looks the file up again and
        // counts as its first.
        entry.uses = 1;
        entry.usedAt = now;
        return 1;
      }
      entry.usedAt = now;
      entry.uses++;
      // The uses before this one reached min_uses: nginx kept the file open and answers from it.
      if (entry.uses > policy.openFileCacheMinUses && now - entry.checkedAt < policy.openFileCacheValid) {
        entry.referenced = true;
        return entry;
      }
      return entry.uses;
    }
    if (!policy.openFileCacheErrors) return 1;
    const failed = this.errors.get(path);
    if (failed === undefined) return 1;
    if (now - failed.checkedAt >= policy.openFileCacheValid || now - failed.usedAt > inactive) {
      this.errors.delete(path);
      return 1;
    }
    failed.usedAt = now;
    return failed;
  }

  /**
   * open_file_cache: a stat at `now` found the file as `entry` describes it (the entry found
   * again, or a new one for a changed file); `uses`: what trust() counted.
   */
  confirm(entry: CachedFile, now: number, uses: number): void {
    entry.checkedAt = now;
    entry.usedAt = now;
    entry.uses = uses;
  }

  /** open_file_cache_errors: remembers that looking `path` up failed. */
  rememberError(path: string, error: NodeJS.ErrnoException, now: number): void {
    if (this.errors.size >= this.limits.maxEntries) this.errors.clear();
    this.errors.set(path, new CachedError(error, now, now));
  }

  /** Whether content read starting at `readStartMs` can be trusted until the file's stat changes. */
  settled(st: FileIdentity, readStartMs: number): boolean {
    const fine = st.mtimeMs % 1000 !== 0 && st.ctimeMs % 1000 !== 0;
    return Math.max(st.mtimeMs, st.ctimeMs) < readStartMs - (fine ? this.limits.racyFineMs : this.limits.racyMs);
  }

  insert(path: string, entry: CachedFile): void {
    const old = this.entries.get(path);
    if (old !== undefined) this.remove(path, old);
    const cost = ENTRY_OVERHEAD + (entry.body === null ? 0 : entry.body.length);
    if (cost > this.limits.maxBytes) return;
    this.entries.set(path, entry);
    this.bytes += cost;
    this.evict();
  }

  clear(): void {
    this.entries.clear();
    this.errors.clear();
    this.bytes = 0;
  }

  private remove(path: string, entry: CachedFile): void {
    this.entries.delete(path);
    this.bytes -= ENTRY_OVERHEAD + (entry.body === null ? 0 : entry.body.length);
  }

  private evict(): void {
    const { maxEntries, maxBytes } = this.limits;
    while (this.entries.size > maxEntries || this.bytes > maxBytes) {
      const first = this.entries.entries().next().value as [string, CachedFile];
      const [path, entry] = first;
      if (entry.referenced && this.entries.size > 1) {
        // Second chance: clear the bit and move the entry to the back of the clock.
        entry.referenced = false;
        this.entries.delete(path);
        this.entries.set(path, entry);
      } else {
        this.remove(path, entry);
      }
    }
  }
}

/** The worker's cache, shared by every location and kept across config generations. */
export const openFileCache = new OpenFileCache();
