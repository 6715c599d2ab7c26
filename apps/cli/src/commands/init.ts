import { createInterface } from 'node:readline';
import {
  type InitQuestion,
  type InitResult,
  type InitSetting,
  initEnvFile,
  initQuestions,
  MeshError,
  validateInitValue,
} from '@mesh/core';
import type { Output } from '../output/output.js';

/** `mesh init`'s options; each setting's flag (`--server-url`...) arrives under its own name. */
export interface InitArgs {
  json: boolean;
  file?: string | undefined;
  dryRun?: boolean | undefined;
  force?: boolean | undefined;
  [flag: string]: unknown;
}

/** One sitting of questions on a terminal. */
export interface Questioner {
  /** A line for the person answering (the description above a question, a refusal). */
  say(text: string): void;
  /** The line typed after `prompt`. */
  ask(prompt: string): Promise<string>;
  close(): void;
}

/** How init reaches a person: tests pass their own. */
export interface InitTerminal {
  /** Whether someone is there to answer (stdin is a terminal). */
  interactive: boolean;
  questioner(): Questioner;
}

/**
 * `mesh init`: writes the settings file. On a terminal it asks about every setting, the flags
 * given filling in what Enter keeps; without one only the flags count. Core builds, checks and
 * writes the file; this only asks and prints.
 */
export async function init(
  a: InitArgs,
  out: Output,
  terminal: InitTerminal = processTerminal(),
): Promise<number> {
  const target = a.file === undefined ? {} : { file: a.file };
  const { path, questions } = await initQuestions(target);
  const flags = flagAnswers(a, questions);
  let answers = flags;
  let replace = a.force === true;
  if (terminal.interactive) {
    // One sitting for the settings and the confirmation: a second reader of stdin (confirm.ts)
    // would miss lines pasted ahead, which this one has already read.
    const q = terminal.questioner();
    try {
      answers = await askAll(q, path, questions, flags);
      if (!replace && !a.dryRun) {
        const plan = await initEnvFile({ ...target, answers, dryRun: true });
        if (plan.existed && plan.changed) {
          for (const c of plan.changes) out.info(`would ${c}`);
          const yes = await q.ask(
            `Replace ${plan.path}? The old file is kept as ${plan.path}.mesh-bak-TIME. [y/N] `,
          );
          replace = /^y(es)?$/i.test(yes.trim());
        }
      }
    } finally {
      q.close();
    }
  }
  const r = await initEnvFile({
    ...target,
    answers,
    ...(a.dryRun ? { dryRun: true } : {}),
    replace,
  });
  print(r, a.dryRun === true, out);
  out.result({
    ok: true,
    changed: r.changed,
    path: r.path,
    backup: r.backup ?? null,
    content: r.content,
  });
  return 0;
}

function print(r: InitResult, dryRun: boolean, out: Output): void {
  for (const w of r.warnings) out.warnErr(w);
  if (dryRun) {
    out.info(
      `--dry-run: nothing was written; ${r.path} ${r.changed ? 'would read' : 'reads already'}:`,
    );
    out.line(r.content.replace(/\r?\n$/, ''));
    return;
  }
  if (!r.changed) {
    out.ok(`${r.path} has these settings already: nothing to change`);
    return;
  }
  out.changes(r);
  out.ok(`Wrote ${r.path}${r.backup ? `; the old file is kept as ${r.backup}` : ''}`);
  out.info('Next: mesh status --verbose shows each setting and where it came from');
}

/** The settings given as flags: a value, or `''` to leave one unset. */
export function flagAnswers(
  a: InitArgs,
  questions: readonly InitQuestion[],
): Partial<Record<InitSetting, string>> {
  const answers: Partial<Record<InitSetting, string>> = {};
  for (const q of questions) {
    const given = a[q.flag.slice(2)];
    if (given === undefined) continue;
    if (typeof given !== 'string') {
      throw new MeshError(`${q.flag} was given more than once`, {
        kind: 'badInput',
        hint: `give ${q.flag} once; nothing was written`,
      });
    }
    answers[q.key] = given;
  }
  return answers;
}

/**
 * One question per setting. Enter keeps the value shown (the flag's, else the file's, else
 * unset, which the default stands for); `-` leaves the setting unset. A value loading would
 * refuse is asked again, so the file is never written half-checked.
 */
async function askAll(
  q: Questioner,
  file: string,
  questions: readonly InitQuestion[],
  flags: Partial<Record<InitSetting, string>>,
): Promise<Partial<Record<InitSetting, string>>> {
  const answers: Partial<Record<InitSetting, string>> = { ...flags };
  q.say(`Settings for ${file}. Enter keeps the value in brackets; - leaves a setting unset.`);
  for (const question of questions) {
    const flag = flags[question.key];
    const shown = flag ?? question.current;
    const label = shown
      ? shown
      : question.default !== undefined
        ? `unset: ${question.default}`
        : 'unset';
    q.say('');
    q.say(`# ${question.description}`);
    for (;;) {
      const typed = (await q.ask(`${question.key} [${label}]: `)).trim();
      const answer = typed === '' ? flag : typed === '-' ? '' : typed;
      try {
        // Enter on a bad value the file has would only fail at the end: ask again now.
        validateInitValue(question.key, answer ?? question.current ?? '');
      } catch (error) {
        q.say(`${(error as Error).message}; try again`);
        continue;
      }
      if (answer === undefined) delete answers[question.key];
      else answers[question.key] = answer;
      break;
    }
  }
  return answers;
}

function processTerminal(): InitTerminal {
  return {
    interactive: process.stdin.isTTY === true,
    questioner: readlineQuestioner,
  };
}

/** Questions on stdin, asked on stderr so stdout keeps only the result (`--json`). */
function readlineQuestioner(): Questioner {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  // Lines are read through the iterator, which keeps those typed (or pasted) ahead of their
  // question; rl.question() would drop them, and never settles when the input closes.
  const lines = rl[Symbol.asyncIterator]();
  // Without a listener, Ctrl-C only pauses readline: end the sitting instead.
  rl.on('SIGINT', () => rl.close());
  return {
    say: (text) => process.stderr.write(`${text}\n`),
    ask: async (prompt) => {
      rl.setPrompt(prompt);
      rl.prompt();
      const line = await lines.next();
      if (line.done) {
        throw new MeshError('mesh init was cancelled: nothing was written', {
          hint: 'run mesh init again, or give every setting as a flag',
        });
      }
      return line.value;
    },
    close: () => rl.close(),
  };
}
