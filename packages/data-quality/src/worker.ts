/** Worker-thread entry of the scorer: receives { seq, job, options }, answers { seq, record }. */
import { parentPort } from 'node:worker_threads';
import { scoreSample, type SampleScoreOptions, type ScoreJob } from './score-sample.js';

if (parentPort) {
  const port = parentPort;
  port.on('message', async (msg: { seq: number; job: ScoreJob; options: SampleScoreOptions }) => {
    const record = await scoreSample(msg.job, msg.options);
    port.postMessage({ seq: msg.seq, record });
  });
}
