import { Transport, type TransportOptions } from './transport.js';
import type {
  CertifiedCopy,
  CertifyRequest,
  CredentialSigner,
  FileInput,
  Job,
  Pkcs12Signer,
  SignOptions,
  VerificationReport,
} from './types.js';

export type KysoClientOptions = TransportOptions;

export interface WaitOptions {
  /** Called after each poll with the job's progress. */
  readonly onProgress?: (job: Job) => void;
  /** Poll interval. Default 1 s. */
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
}

function blob(data: Uint8Array, type: string): Blob {
  return new Blob([new Uint8Array(data)], { type });
}

function fileOf(f: FileInput, i: number): { name: string; data: Uint8Array } {
  return f instanceof Uint8Array ? { name: `file-${i + 1}.pdf`, data: f } : f;
}

/**
 * A typed client for kyso's HTTP API over `fetch` (Node ≥ 20 or a browser): sign, verify, certify,
 * lookup and jobs. Network errors, 5xx and 429 are retried a bounded number of times; creating
 * calls keep one Idempotency-Key across their retries. Failures throw `KysoError` with the
 * service's stable code (docs/errors.md).
 */
export class KysoClient {
  readonly #t: Transport;

  constructor(o: KysoClientOptions) {
    this.#t = new Transport(o);
  }

  /** `POST /api/v1/sign`: the signed PDF. */
  async sign(pdf: Uint8Array, o: SignOptions & { signer: CredentialSigner | Pkcs12Signer; image?: Uint8Array }): Promise<Uint8Array> {
    const { signer, image, ...options } = o;
    return this.#t.bytes({
      method: 'POST',
      path: '/api/v1/sign',
      idempotent: true,
      body: () => {
        const fd = new FormData();
        fd.set('pdf', blob(pdf, 'application/pdf'), 'document.pdf');
        const s = signer.kind === 'pkcs12' ? { kind: 'pkcs12', password: signer.password } : signer;
        fd.set('options', JSON.stringify({ ...options, signer: s }));
        if (signer.kind === 'pkcs12') fd.set('p12', blob(signer.pkcs12, 'application/x-pkcs12'), 'signer.p12');
        if (image) fd.set('image', blob(image, 'image/png'), 'image.png');
        return fd;
      },
    });
  }

  /** `POST /api/v1/verify`: the verification report (public). */
  async verify(pdf: Uint8Array, o: { lang?: 'vi' | 'en' } = {}): Promise<VerificationReport> {
    return this.#t.json({
      method: 'POST',
      path: `/api/v1/verify${o.lang ? `?lang=${o.lang}` : ''}`,
      body: () => {
        const fd = new FormData();
        fd.set('pdf', blob(pdf, 'application/pdf'), 'document.pdf');
        return fd;
      },
    });
  }

  /** `POST /api/v1/copies`: certify a copy of an original PDF (certifier token); the signed copy and its register facts. */
  async certify(original: Uint8Array, request: CertifyRequest): Promise<CertifiedCopy> {
    const res = await this.#t.call({
      method: 'POST',
      path: '/api/v1/copies',
      idempotent: true,
      accept: 'application/pdf',
      body: () => {
        const fd = new FormData();
        fd.set('original', blob(original, 'application/pdf'), 'original.pdf');
        fd.set('request', JSON.stringify(request));
        return fd;
      },
    });
    const h = (n: string) => res.headers.get(n) ?? '';
    return {
      pdf: new Uint8Array(await res.arrayBuffer()),
      id: h('x-kyso-copy-id'),
      number: Number(h('x-kyso-copy-number')),
      year: Number(h('x-kyso-copy-year')),
      lookupCode: h('x-kyso-lookup-code'),
      lookupUrl: h('x-kyso-lookup-url'),
    };
  }

  /** `GET /api/v1/copies/lookup?code=…`: the public facts of a certified copy. */
  async lookup(code: string): Promise<Record<string, unknown>> {
    return this.#t.json({ method: 'GET', path: `/api/v1/copies/lookup?code=${encodeURIComponent(code)}` });
  }

  /** Jobs for long work (docs/jobs.md). */
  readonly jobs = {
    /** `POST /api/v1/jobs/sign`: 202 with the job; the PIN is checked once by the service and not kept. */
    submitSign: (
      files: readonly FileInput[],
      o: SignOptions & { signer: CredentialSigner; webhook?: { url: string }; image?: Uint8Array },
    ): Promise<Job> => {
      const { image, ...options } = o;
      return this.#t.json<Job>({
        method: 'POST',
        path: '/api/v1/jobs/sign',
        idempotent: true,
        body: () => {
          const fd = new FormData();
          files.map(fileOf).forEach((f) => fd.append('pdf', blob(f.data, 'application/pdf'), f.name));
          fd.set('options', JSON.stringify(options));
          if (image) fd.set('image', blob(image, 'image/png'), 'image.png');
          return fd;
        },
      });
    },
    /** `POST /api/v1/jobs/certify` (certifier): one certified copy per original, on the same request fields as `certify`. */
    submitCertify: (originals: readonly FileInput[], request: CertifyRequest & { webhook?: { url: string } }): Promise<Job> =>
      this.#t.json<Job>({
        method: 'POST',
        path: '/api/v1/jobs/certify',
        idempotent: true,
        body: () => {
          const fd = new FormData();
          originals.map(fileOf).forEach((f) => fd.append('original', blob(f.data, 'application/pdf'), f.name));
          fd.set('request', JSON.stringify(request));
          return fd;
        },
      }),
    get: (id: string): Promise<Job> => this.#t.json<Job>({ method: 'GET', path: `/api/v1/jobs/${encodeURIComponent(id)}` }),
    /** Polls until the job is completed or cancelled, reporting progress. */
    wait: async (id: string, o: WaitOptions = {}): Promise<Job> => {
      for (;;) {
        o.signal?.throwIfAborted();
        const job = await this.jobs.get(id);
        o.onProgress?.(job);
        if (job.state !== 'running') return job;
        await new Promise((r) => setTimeout(r, o.intervalMs ?? 1000));
      }
    },
    /** `GET /api/v1/jobs/{id}/files/{n}`: a signed file. */
    download: (id: string, n: number): Promise<Uint8Array> =>
      this.#t.bytes({ method: 'GET', path: `/api/v1/jobs/${encodeURIComponent(id)}/files/${n}` }),
    cancel: (id: string): Promise<Job> => this.#t.json<Job>({ method: 'DELETE', path: `/api/v1/jobs/${encodeURIComponent(id)}` }),
  };

  /** `POST /api/v1/webhooks/secret`: creates or replaces the caller's webhook secret; keep it, it is shown once. */
  async rotateWebhookSecret(): Promise<string> {
    return (await this.#t.json<{ secret: string }>({ method: 'POST', path: '/api/v1/webhooks/secret' })).secret;
  }
}
