import { describe, expect, it } from 'vitest';
import { ApiError } from '../../lib/api';
import { evidence } from './testData';
import { percentOf, uploadError, uploadFile, type UploadProgress } from './upload';

/** A stand-in for XMLHttpRequest that the test drives by hand. */
class FakeXhr {
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: FormData | null = null;
  status = 0;
  responseText = '';
  withCredentials = false;
  aborted = false;
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = {
    onprogress: null,
  };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  send(body: FormData) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  answer(status: number, body: unknown) {
    this.status = status;
    this.responseText = typeof body === 'string' ? body : JSON.stringify(body);
    this.onload?.();
  }
}

function start(description = '') {
  const xhr = new FakeXhr();
  const progress: UploadProgress[] = [];
  const file = new File(['a,b\n1,2\n'], 'ledger.csv', { type: 'text/csv' });
  const u = uploadFile(
    '/cases/4/evidence',
    file,
    description,
    (p) => progress.push(p),
    () => xhr as unknown as XMLHttpRequest,
  );
  return { xhr, progress, file, u };
}

describe('uploadFile', () => {
  it('posts the file and its description as multipart, reports progress, and resolves with the evidence', async () => {
    const { xhr, progress, file, u } = start(' From the ERP ');
    expect(xhr.method).toBe('POST');
    expect(xhr.url).toBe('/api/cases/4/evidence');
    expect(xhr.body?.get('description')).toBe('From the ERP');
    expect((xhr.body?.get('file') as File).name).toBe('ledger.csv');
    xhr.upload.onprogress?.({ loaded: 4, total: 8, lengthComputable: true });
    xhr.answer(201, { success: true, data: evidence });
    await expect(u.promise).resolves.toEqual(evidence);
    expect(progress.map((p) => p.percent)).toEqual([50, 100]);
    expect(progress.at(-1)?.total).toBe(file.size);
  });

  it('leaves out an empty description', () => {
    const { xhr } = start('  ');
    expect(xhr.body?.has('description')).toBe(false);
  });

  it('rejects with the server error, 413 included', async () => {
    const { xhr, u } = start();
    xhr.answer(413, { success: false, error: { code: 'PAYLOAD_TOO_LARGE', message: 'the file exceeds 100 MiB' } });
    const err = await u.promise.catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(413);
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
    expect(err.message).toBe('the file exceeds 100 MiB');
  });

  it('names a dropped connection and a cancel', async () => {
    const a = start();
    a.xhr.onerror?.();
    expect((await a.u.promise.catch((e) => e)).code).toBe('NETWORK_ERROR');
    const b = start();
    b.u.abort();
    expect(b.xhr.aborted).toBe(true);
    expect((await b.u.promise.catch((e) => e)).code).toBe('ABORTED');
  });
});

describe('uploadError', () => {
  it('reads the envelope, and a bare 413 or 500 without one', () => {
    expect(uploadError(201, JSON.stringify({ success: true, data: evidence }))).toBeNull();
    expect(uploadError(413, '<html>too big</html>')?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(uploadError(500, '')?.message).toBe('Upload failed (HTTP 500)');
    const v = uploadError(
      400,
      JSON.stringify({
        success: false,
        error: { code: 'VALIDATION_ERROR', message: 'no', fields: { file: 'is required' } },
      }),
    );
    expect(v?.fields).toEqual({ file: 'is required' });
  });

  it('computes whole percentages within 0..100', () => {
    expect(percentOf(1, 3)).toBe(33);
    expect(percentOf(5, 0)).toBe(0);
    expect(percentOf(9, 8)).toBe(100);
  });
});
