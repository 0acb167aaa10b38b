/**
 * The classic Java client (org.apache.rocketmq:rocketmq-client 5.4.0, DefaultMQProducer): bench/java-classic/ is a
 * Maven module with one main class that keeps N async sends in flight and prints a JSON line when each window
 * starts and one with its result. Built once with Maven (classpath and classes cached under
 * bench/java-classic/target/), then run in ONE JVM for all windows, since a JVM start costs seconds on a small
 * machine. When Java or Maven is missing or the run fails, the caller gets the reason (never a silent omission).
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The module's sources (bench/ is not copied into build/, so resolve from the compiled file back to the repo). */
const MODULE_DIR = fileURLToPath(new URL('../../../bench/java-classic/', import.meta.url));
const MAIN_SOURCE = join(MODULE_DIR, 'src/main/java/dev/apogee/bench/ClassicSendBench.java');
const MAIN_CLASS_FILE = join(MODULE_DIR, 'target/classes/dev/apogee/bench/ClassicSendBench.class');
const CLASSPATH_FILE = join(MODULE_DIR, 'target/classpath.txt');

async function onPath(cmd: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      await access(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, killing it after `timeoutMs`; stdout is handed over line by line as well. */
function run(cmd: string, args: string[], cwd: string, timeoutMs: number, onLine?: (line: string) => void, done?: () => boolean): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      if (onLine) for (const l of lines) onLine(l);
      // Every result is in: the client's shutdown (seconds on a busy machine) measures nothing, so skip it.
      if (done?.()) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 64 * 1024) stderr += d;
    });
    const timer = setTimeout(() => {
      stderr += `\nkilled after ${timeoutMs} ms`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: err.message });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function mtime(file: string): Promise<number> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return -1;
  }
}

/** Compiles the module and writes its dependency classpath, unless both are newer than the pom and the source. */
async function prepare(): Promise<string> {
  const built = Math.min(await mtime(MAIN_CLASS_FILE), await mtime(CLASSPATH_FILE));
  const sources = Math.max(await mtime(join(MODULE_DIR, 'pom.xml')), await mtime(MAIN_SOURCE));
  if (built < sources) {
    const r = await run('mvn', ['-B', '-q', '-Dmdep.outputFile=target/classpath.txt', 'dependency:build-classpath', 'compile'], MODULE_DIR, 300_000);
    if (r.code !== 0) throw new Error(`mvn failed (exit ${r.code}): ${lastLine(r.stdout + r.stderr)}`);
  }
  const deps = (await readFile(CLASSPATH_FILE, 'utf8')).trim();
  return [join(MODULE_DIR, 'target/classes'), deps].join(delimiter);
}

function lastLine(s: string): string {
  const lines = s.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  return lines.at(-1) ?? '(no output)';
}

/** The thrown exception's own line ("Exception in thread ..."), not the stack trace's last "... N more". */
function javaError(stderr: string): string {
  const line = stderr.split('\n').find((l) => /^(Exception in thread|\S+(Exception|Error)\b)/.test(l));
  return (line ?? lastLine(stderr)).trim().slice(0, 300);
}

export interface JavaWindow {
  inFlight: number;
  count: number;
  perSec: number;
  p50: number;
  p99: number;
  p999: number;
  errors: number;
  firstError: string | null;
}

export interface JavaHooks {
  /** Called when a window's sends begin (the JVM is warm by then). */
  onStart(inFlight: number): void;
  onResult(w: JavaWindow): void;
}

/**
 * Runs the windows against the name server `namesrv` on `topic`; resolves with null when all went well, else
 * with why (missing tools, Maven or JVM failure).
 */
export async function runJavaClassic(namesrv: string, topic: string, windows: readonly number[], seconds: number, bodyBytes: number, hooks: JavaHooks): Promise<string | null> {
  const missing = [];
  for (const cmd of ['java', 'mvn']) if (!(await onPath(cmd))) missing.push(cmd);
  if (missing.length > 0) return `${missing.join(' and ')} not on PATH`;
  let classpath: string;
  try {
    classpath = await prepare();
  } catch (err) {
    return (err as Error).message;
  }
  const logs = join(MODULE_DIR, 'target/client-logs');
  const args = [
    '-Xmx256m',
    `-Drocketmq.client.logRoot=${logs}`,
    `-Drocketmq.log.root=${logs}`,
    '-cp',
    classpath,
    'dev.apogee.bench.ClassicSendBench',
    namesrv,
    topic,
    windows.join(','),
    String(seconds),
    String(bodyBytes),
  ];
  let seen = 0;
  let bad: string | null = null;
  // JVM start, warm-up, each window plus its drain (up to 30 s), with room to spare.
  const timeoutMs = 60_000 + windows.length * (seconds + 35) * 1000;
  const r = await run('java', args, MODULE_DIR, timeoutMs, (line) => {
    if (!line.startsWith('{')) return;
    try {
      const o = JSON.parse(line) as Partial<JavaWindow> & { start?: number };
      if (o.start !== undefined) hooks.onStart(o.start);
      else {
        seen++;
        hooks.onResult(o as JavaWindow);
      }
    } catch {
      bad = `unreadable line from the JVM: ${line.slice(0, 200)}`;
    }
  }, () => seen >= windows.length);
  if (bad) return bad;
  if (r.code !== 0 && seen < windows.length) return `java exited ${r.code}: ${javaError(r.stderr)}`;
  return null;
}
