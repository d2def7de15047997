import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Checkpoints of a SQLite database in WAL mode, run on a worker thread with its own connection.
 *
 * A checkpoint copies the pages committed to the write-ahead log back into the database file and
 * syncs both files. Left to SQLite, it runs inside the COMMIT that takes the log past 1,000 pages
 * (`wal_autocheckpoint`), on the connection's thread: for a long-running service that is the
 * event loop, which then waits on the disk for the whole checkpoint (measured: about 15 ms every
 * 60 certificate issuances, about half of it the two fsyncs). SQLite's own guidance for
 * applications that cannot afford that pause is to checkpoint from another thread ("Write-Ahead
 * Logging", §"Application-Initiated Checkpoints"); a PASSIVE checkpoint never waits for readers
 * or writers, so the service's connection goes on committing while it runs.
 *
 * The service's connection keeps its automatic checkpoint as the safety net: should this thread
 * lag or stop, the log is still checkpointed at 1,000 pages on commit, as without it. The worker's
 * code is given as text, not as a file beside this module, so it runs the same from the sources
 * (tests) and from the build; it loads the same better-sqlite3 the service does.
 */
export interface WalCheckpointer {
  /** Stops the thread after closing its connection (resolves once it has exited). */
  stop(): Promise<void>;
}

/**
 * The running service's interval. Certificate issuance, the busiest writer, logs about 16 pages
 * per certificate, some 8,000 pages a second at full speed on two cores: 50 ms is about 400 pages,
 * so the log is checkpointed long before a commit would reach the automatic 1,000. An idle tick
 * finds nothing to copy and costs microseconds.
 */
export const SERVICE_WAL_CHECKPOINT_MS = 50;

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.filename, { fileMustExist: true });
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // a lock held for a moment or a file being closed: the next tick tries again
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export function startWalCheckpointer(filename: string, intervalMs: number): WalCheckpointer {
  if (!(Number.isSafeInteger(intervalMs) && intervalMs > 0))
    throw new TypeError('startWalCheckpointer: interval must be a positive integer');
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { filename, intervalMs, module } });
  // the safety net above covers a thread that failed to start or died: it never takes the service down
  worker.on('error', () => undefined);
  // a process that forgets to close its store still exits
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      // held by the thread again while it closes, or a process with nothing else to do would exit
      // before the close (and its final checkpoint) is done
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
