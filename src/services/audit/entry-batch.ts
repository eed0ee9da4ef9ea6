/** Most entries in one INSERT, and most subject hashes carried inline by them (well under max_allowed_packet). */
const MAX_ENTRIES = 100;
const MAX_HASHES = 5_000;

interface Waiting<Row> {
  rows: Row[];
  hashes: number;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Group commit for audit entries: while one INSERT is under way, the entries of every request
 * arriving meanwhile wait and then go together in the next one. Each caller's promise settles
 * when the statement carrying its rows has been committed (autocommit), so a response still
 * leaves only after its entry is durable; an idle gateway writes at once, with no added wait.
 * When a shared INSERT fails, its entries are tried again one caller at a time, so a bad entry
 * fails only its own request.
 */
export class EntryBatch<Row> {
  private readonly queue: Waiting<Row>[] = [];
  private writing = false;

  constructor(private readonly insert: (rows: Row[]) => Promise<unknown>) {}

  /** Resolves once `rows` are committed; `hashes` is how many subject hashes they carry inline. */
  write(rows: Row[], hashes: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ rows, hashes, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length) {
        const batch = this.take();
        try {
          await this.insert(batch.flatMap((w) => w.rows));
          for (const w of batch) w.resolve();
        } catch (err) {
          if (batch.length === 1) batch[0].reject(err);
          else for (const w of batch) await this.insert(w.rows).then(w.resolve, w.reject);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /** The longest run of waiting callers within the limits (always at least one). */
  private take(): Waiting<Row>[] {
    let entries = 0;
    let hashes = 0;
    let n = 0;
    for (const w of this.queue) {
      if (n > 0 && (entries + w.rows.length > MAX_ENTRIES || hashes + w.hashes > MAX_HASHES)) break;
      entries += w.rows.length;
      hashes += w.hashes;
      n++;
    }
    return this.queue.splice(0, n);
  }
}
