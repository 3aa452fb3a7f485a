import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SafetensorsFile } from '@anydepth/core';
import { describe, expect, it } from 'vitest';

const here = import.meta.dirname;
const worker = join(here, 'train-worker.mts');
const run = promisify(execFile);

/** Runs the worker to completion. */
async function runToEnd(outDir: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', worker, outDir], { cwd: here, maxBuffer: 1 << 24 });
  return stdout;
}

/** Runs the worker and resolves with its exit signal/code. */
function runUntilExit(
  outDir: string,
  args: string[],
  onLine?: (line: string, child: ChildProcess) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, outDir, ...args], { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      const text = d.toString();
      stdout += text;
      for (const line of text.split('\n')) if (line) onLine?.(line, child);
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => (code && code !== 0 ? reject(new Error(`worker failed (${code}): ${stderr}`)) : resolve({ code, signal, stdout })));
  });
}

function finalWeights(dir: string): Map<string, Float32Array> {
  const file = SafetensorsFile.fromBytes(new Uint8Array(readFileSync(join(dir, 'final.safetensors'))));
  return new Map(file.keys().map((k) => [k, Float32Array.from(file.get(k)!.data as ArrayLike<number>)]));
}

describe('resume after SIGKILL', () => {
  it('continues a killed run (also killed mid-checkpoint-write) to the same weights as an uninterrupted run', async () => {
    const reference = mkdtempSync(join(tmpdir(), 'anydepth-train-ref-'));
    const resumed = mkdtempSync(join(tmpdir(), 'anydepth-train-kill-'));
    const [refOut] = await Promise.all([
      runToEnd(reference),
      // 1) killed while writing its 3rd checkpoint (step 6): half a temporary file is left behind
      runUntilExit(resumed, ['3']),
    ]);
    expect(refOut).toContain('done');
    expect(readdirSync(resumed).some((f) => f.endsWith('.tmp'))).toBe(true);

    // 2) resumes from step 4, and is SIGKILLed from outside at step 9 (between checkpoints at 8 and 10)
    let killedAt = 0;
    const second = await runUntilExit(resumed, [], (line, child) => {
      const m = /^step (\d+)$/.exec(line);
      if (m && Number(m[1]) >= 9 && !killedAt) {
        killedAt = Number(m[1]);
        child.kill('SIGKILL');
      }
    });
    expect(second.signal).toBe('SIGKILL');
    expect(second.stdout).not.toContain('step 1\n');
    expect(second.stdout).toMatch(/^step 5$/m); // continued after the step-4 checkpoint

    // 3) resumes again and finishes
    const third = await runUntilExit(resumed, []);
    expect(third.stdout).toContain('done');
    expect(readdirSync(resumed).some((f) => f.endsWith('.tmp'))).toBe(false);

    const a = finalWeights(reference);
    const b = finalWeights(resumed);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    let maxDiff = 0;
    for (const [k, va] of a) {
      const vb = b.get(k)!;
      for (let i = 0; i < va.length; i++) maxDiff = Math.max(maxDiff, Math.abs(va[i] - vb[i]));
    }
    console.log(`resume: ${a.size} tensors, max |uninterrupted − killed twice and resumed| = ${maxDiff}`);
    expect(maxDiff).toBeLessThanOrEqual(1e-6);

    // the log has each step once, in order, after the truncation on resume
    const steps = readFileSync(join(resumed, 'train.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((r) => r.type === 'train')
      .map((r) => r.step);
    expect(steps).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    expect(existsSync(join(resumed, 'curves.png'))).toBe(true);
  });
});
