/** The child process of the fuzz harness: runs one input at a time for the parent and reports the outcome. */
import { isFormatError, runTarget, type Parser } from './targets.mts';

interface Job {
  id: number;
  parser: Parser;
  bytes: Uint8Array;
}

process.on('message', async (job: Job) => {
  const t0 = performance.now();
  try {
    const digest = await runTarget(job.parser, job.bytes);
    process.send!({ id: job.id, ok: true, digest, ms: performance.now() - t0 });
  } catch (e) {
    const err = e as Error;
    process.send!({
      id: job.id,
      ok: false,
      formatError: isFormatError(e),
      name: err?.name ?? typeof e,
      message: String(err?.message ?? e).slice(0, 300),
      stack: String(err?.stack ?? '')
        .split('\n')
        .slice(0, 6)
        .join('\n'),
      ms: performance.now() - t0,
    });
  }
});
// Load what a parser loads lazily before reporting ready, so the per-input time limit never includes it.
if (process.argv[2] === 'hdf5') await import('h5wasm/node').then((m) => m.ready);
process.send!({ ready: true });
