import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KysoContext } from '../../../src/app/context.js';
import { startTwoInstances, type TwoInstances } from './two-instances-postgres.js';
import { AUTHORITY, certifyForm, originalPdf, type CopySetup } from './setup.js';
import { sendWithKey, untilAnswered } from '../http/idempotency-client.js';

/**
 * Idempotency-Key across two `kyso serve` processes on one PostgreSQL database: the same copy
 * request sent three times, in turn to either instance and then all at once, takes one register
 * number and gets the same bytes each time. The (caller, key) primary key decides the one
 * instance that runs it; the other answers 409 IDEMPOTENCY_IN_PROGRESS until the answer is stored.
 */
let ctx: KysoContext;
let servers: TwoInstances['servers'];
let s: CopySetup;
let instances: TwoInstances | undefined;

beforeAll(async () => {
  instances = await startTwoInstances('idem');
  ({ ctx, servers, setup: s } = instances);
}, 180_000);

afterAll(async () => {
  await instances?.close();
}, 60_000);

const entries = async () => ctx.store.registers.list({ authorityId: AUTHORITY, limit: 1000 });

describe('Idempotency-Key with two service processes on PostgreSQL', () => {
  it('ok/the same copy request three times in turn to both instances → one register number, the same bytes', async () => {
    const before = (await entries()).length;
    const original = await originalPdf(1);
    const key = randomUUID();
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push(
        await sendWithKey(servers[i % 2]!.url, 'POST', '/api/v1/copies', {
          token: s.certifierToken,
          key,
          form: certifyForm(s, { original }, { level: 'B-B' }),
        }),
      );
    for (const a of answers) expect(a.status, a.text()).toBe(200);
    for (const a of answers.slice(1)) {
      expect(a.headers.get('idempotent-replayed')).toBe('true');
      expect(a.body.equals(answers[0]!.body)).toBe(true);
    }
    expect(new Set(answers.map((a) => a.headers.get('x-kyso-copy-number'))).size).toBe(1);
    expect((await entries()).length).toBe(before + 1);
  }, 120_000);

  it('ok/the same copy request three times at once over both instances → one winner, one register number, the same bytes', async () => {
    for (let round = 0; round < 3; round++) {
      const before = (await entries()).length;
      const original = await originalPdf(1 + round);
      const key = randomUUID();
      const answers = await Promise.all(
        [0, 1, 2].map((i) =>
          untilAnswered(() =>
            sendWithKey(servers[i % 2]!.url, 'POST', '/api/v1/copies', {
              token: s.certifierToken,
              key,
              form: certifyForm(s, { original }, { level: 'B-B' }),
            }),
          ),
        ),
      );
      for (const a of answers) expect(a.status, a.text()).toBe(200);
      for (const a of answers.slice(1)) expect(a.body.equals(answers[0]!.body)).toBe(true);
      expect(answers.filter((a) => a.headers.get('idempotent-replayed') === null)).toHaveLength(1);
      const after = await entries();
      expect(after.length).toBe(before + 1);
      expect(new Set(after.map((e) => e.number)).size).toBe(after.length);
    }
  }, 180_000);

  it('fail/the key reused with another body on the other instance → 422, nothing certified', async () => {
    const key = randomUUID();
    const first = await sendWithKey(servers[0]!.url, 'POST', '/api/v1/copies', {
      token: s.certifierToken,
      key,
      form: certifyForm(s, { original: await originalPdf(1) }, { level: 'B-B' }),
    });
    expect(first.status, first.text()).toBe(200);
    const before = (await entries()).length;
    const other = await sendWithKey(servers[1]!.url, 'POST', '/api/v1/copies', {
      token: s.certifierToken,
      key,
      form: certifyForm(s, { original: await originalPdf(1) }, { level: 'B-B', copies: 2 }),
    });
    expect(other.status).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await entries()).length).toBe(before);
  }, 120_000);
});
