import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/**
 * Questions to the official sitting at the agent: the agent never decides alone to pair with a
 * web page or to sign. One question at a time (two pages asking at once get their prompts one
 * after the other, so an answer can never be taken for another question).
 */
export interface Prompter {
  /** Shows `question` and resolves with the answer line ('' when nobody can answer: input closed). */
  ask(question: string): Promise<string>;
  /** Like ask, without echoing what is typed when the input is a terminal (PINs). */
  askSecret(question: string): Promise<string>;
  close(): void;
}

/**
 * Answers read line by line from `input` (the terminal, a pipe, or the `--confirm-with` file or
 * FIFO). After the input ends every further question is answered '' (refused).
 */
export function linePrompter(input: Readable & { isTTY?: boolean }, output: Writable): Prompter {
  const waiting: Array<(line: string) => void> = [];
  const early: string[] = [];
  let ended = false;
  const rl = createInterface({ input, terminal: false, crlfDelay: Infinity });
  rl.on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else early.push(line);
  });
  rl.on('close', () => {
    ended = true;
    for (const w of waiting.splice(0)) w('');
  });
  let chain: Promise<unknown> = Promise.resolve();
  const next = (): Promise<string> =>
    new Promise((resolve) => {
      if (early.length) resolve(early.shift()!);
      else if (ended) resolve('');
      else waiting.push(resolve);
    });
  const ask = (question: string, secret: boolean): Promise<string> => {
    const run = chain.then(async () => {
      output.write(question);
      // On a real terminal the PIN must not be readable on screen: SGR 8 (conceal, ECMA-48
      // §8.3.117) while it is typed, SGR 28 (reveal) after.
      const conceal = secret && input.isTTY === true;
      if (conceal) output.write('\x1b[8m');
      try {
        return (await next()).trim();
      } finally {
        if (conceal) output.write('\x1b[28m');
      }
    });
    chain = run.catch(() => undefined);
    return run;
  };
  return {
    ask: (q) => ask(q, false),
    askSecret: (q) => ask(q, true),
    close: () => rl.close(),
  };
}

/** "y", "yes", "c", "có" (Vietnamese) … */
export function isYes(answer: string): boolean {
  return /^(y|yes|c|co|có|đồng ý|dong y)$/i.test(answer.trim());
}

/** "a": yes, and do not ask again for this origin until the agent stops. */
export function isAlways(answer: string): boolean {
  return /^(a|always|l|luôn|luon)$/i.test(answer.trim());
}
