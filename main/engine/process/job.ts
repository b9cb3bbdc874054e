/** What the engine and its supervisors tell each other through the lab's run directory. */

export interface SupervisedJob {
  name: string;
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
  logCapBytes: number;
  runFile: string;
  exitFile: string;
  /** Extra facts recorded in the run file (for example whether the agent serves the UI). */
  meta: Record<string, unknown>;
}

export interface RunRecord {
  name: string;
  supervisorPid: number;
  /** Start times (see procs.startTime): with the pids, the identity of the processes recorded. */
  supervisorStartTime: string | null;
  pid: number;
  startTime: string | null;
  argv: string[];
  startedAt: number;
  meta: Record<string, unknown>;
}

export interface ExitRecord {
  name: string;
  code: number | null;
  signal: number | null;
  at: number;
}

/** How long a supervisor started ahead of a job (armed) waits for it before giving it up. */
export const ARMED_WAIT_MS = 120_000;

/** What the engine writes in place of a job to call off an armed one. */
export const CANCELLED = '{"cancelled":true}';
