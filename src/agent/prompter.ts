import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/**
 * Questions to the official sitting at the agent: the agent never decides alone to pair with a
 * web page or to sign. One question at a time (two pages asking at once get their prompts one
 * after the other, so an answer can never be taken for another question), and only a line typed
 * after a question was printed answers it: a stray "y" typed earlier must not approve a question
 * the official has not seen.
 */
export interface Prompter {
  /** Shows `question` and resolves with the answer line ('' when nobody can answer: input closed, question cancelled). */
  ask(question: string, o?: AskOptions): Promise<string>;
  /** Like ask, without echoing what is typed when the input is a terminal (PINs). */
  askSecret(question: string, o?: AskOptions): Promise<string>;
  close(): void;
}

export interface AskOptions {
  /**
   * The asker gave up (its request closed, its time ran out): a question not yet printed is
   * dropped unseen, one showing is marked withdrawn; either answers ''.
   */
  readonly signal?: AbortSignal;
  /** 'low': printed only when no question of normal priority is waiting (pairing requests of pages not yet paired). */
  readonly priority?: 'normal' | 'low';
}

interface Pending {
  readonly question: string;
  readonly secret: boolean;
  readonly low: boolean;
  readonly settle: (answer: string) => void;
}

const WITHDRAWN = '\n(Câu hỏi đã bị hủy / question withdrawn: the request ended before an answer)\n';
const IGNORED = '(Không có câu hỏi nào, dòng vừa gõ bị bỏ qua / no question is showing: line ignored)\n';

/**
 * Answers read line by line from `input` (the terminal, a pipe, or the `--confirm-with` file or
 * FIFO). A line read while no question is showing is dropped. After the input ends every
 * question is answered '' (refused).
 */
export function linePrompter(input: Readable & { isTTY?: boolean }, output: Writable): Prompter {
  const queue: Pending[] = [];
  let showing: Pending | undefined;
  let ended = false;
  const rl = createInterface({ input, terminal: false, crlfDelay: Infinity });
  rl.on('line', (line) => {
    const p = showing;
    if (!p) {
      if (line.trim()) output.write(IGNORED);
      return;
    }
    p.settle(line.trim());
  });
  rl.on('close', () => {
    ended = true;
    showing?.settle('');
    for (const p of queue.splice(0)) p.settle('');
  });

  // The next question is printed on a later turn of the event loop, after the lines already read
  // with the answer (one burst of input, "y\ny\n") have been dropped, so typing ahead never
  // answers a question that was not yet on the screen.
  let scheduled = false;
  const next = (): void => {
    if (scheduled || showing || ended || queue.length === 0) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (showing || ended) return;
      const p = queue.shift();
      if (!p) return;
      showing = p;
      output.write(p.question);
      // On a real terminal the PIN must not be readable on screen: SGR 8 (conceal, ECMA-48
      // §8.3.117) while it is typed, SGR 28 (reveal) after.
      if (p.secret && input.isTTY === true) output.write('\x1b[8m');
    });
  };

  const ask = (question: string, secret: boolean, o: AskOptions = {}): Promise<string> =>
    new Promise((resolve) => {
      if (ended || o.signal?.aborted) return resolve('');
      const onAbort = (): void => {
        if (showing === p) output.write(WITHDRAWN);
        p.settle('');
      };
      const p: Pending = {
        question,
        secret,
        low: o.priority === 'low',
        settle: (answer) => {
          o.signal?.removeEventListener('abort', onAbort);
          const i = queue.indexOf(p);
          if (i >= 0) queue.splice(i, 1);
          if (showing === p) {
            showing = undefined;
            if (secret && input.isTTY === true) output.write('\x1b[28m');
          }
          resolve(answer);
          next();
        },
      };
      o.signal?.addEventListener('abort', onAbort, { once: true });
      // A normal question goes before every low-priority one still waiting.
      const at = p.low ? -1 : queue.findIndex((q) => q.low);
      if (at < 0) queue.push(p);
      else queue.splice(at, 0, p);
      next();
    });

  return {
    ask: (q, o) => ask(q, false, o),
    askSecret: (q, o) => ask(q, true, o),
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
