// Sending a file to the evidence endpoint with its progress: XMLHttpRequest, since fetch
// reports no upload progress. The answer is read as the API client reads any other.
import { ApiError } from '../../lib/api';
import { isUnavailableStatus, setOnline } from '../../lib/connection';
import type { Evidence } from './types';

export interface UploadProgress {
  loaded: number;
  total: number;
  /** 0..100, whole numbers. */
  percent: number;
}

export interface Upload {
  promise: Promise<Evidence>;
  abort: () => void;
}

/** The error an upload's answer stands for, or null when it succeeded (JSON envelope as elsewhere). */
export function uploadError(status: number, responseText: string): ApiError | null {
  let json: { success?: boolean; error?: { code: string; message: string; fields?: Record<string, string> } } | null =
    null;
  try {
    json = JSON.parse(responseText);
  } catch {
    json = null;
  }
  if (status >= 200 && status < 300 && json && json.success !== false) return null;
  if (json?.error) return new ApiError(status, json.error);
  if (status === 413) {
    return new ApiError(413, { code: 'PAYLOAD_TOO_LARGE', message: 'The file is larger than the server accepts.' });
  }
  return new ApiError(status, { code: 'SERVER_ERROR', message: `Upload failed (HTTP ${status})` });
}

export function percentOf(loaded: number, total: number): number {
  if (!total || total <= 0) return 0;
  return Math.min(100, Math.max(0, Math.round((loaded / total) * 100)));
}

/**
 * Uploads `file` (multipart: `file` and, when given, `description`) to `path` under /api.
 * The returned promise holds the stored evidence; a refusal rejects with the ApiError the
 * server sent (413 PAYLOAD_TOO_LARGE for a file over the limit).
 */
export function uploadFile(
  path: string,
  file: File,
  description: string,
  onProgress: (p: UploadProgress) => void,
  makeRequest: () => XMLHttpRequest = () => new XMLHttpRequest(),
): Upload {
  const xhr = makeRequest();
  const promise = new Promise<Evidence>((resolve, reject) => {
    const body = new FormData();
    // The description goes first so the server knows it before the file's bytes stream in.
    if (description.trim()) body.append('description', description.trim());
    body.append('file', file, file.name);
    xhr.open('POST', `/api${path}`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.withCredentials = true;
    xhr.upload.onprogress = (e) => {
      const total = e.lengthComputable ? e.total : file.size;
      onProgress({ loaded: e.loaded, total, percent: percentOf(e.loaded, total) });
    };
    xhr.onload = () => {
      setOnline(!isUnavailableStatus(xhr.status));
      const err = uploadError(xhr.status, xhr.responseText);
      if (err) {
        if (err.status === 401) window.dispatchEvent(new CustomEvent('strata:unauthenticated'));
        reject(err);
        return;
      }
      onProgress({ loaded: file.size, total: file.size, percent: 100 });
      resolve(JSON.parse(xhr.responseText).data as Evidence);
    };
    // No answer at all: a server that stops reading an oversized body may close the
    // connection before it answers, so the likely cause is named with the plain one.
    xhr.onerror = () =>
      reject(
        new ApiError(0, {
          code: 'NETWORK_ERROR',
          message:
            'The upload was interrupted before the server answered: the connection dropped, or the file is larger than the server accepts.',
        }),
      );
    xhr.onabort = () => reject(new ApiError(0, { code: 'ABORTED', message: 'The upload was cancelled.' }));
    xhr.send(body);
  });
  return { promise, abort: () => xhr.abort() };
}
