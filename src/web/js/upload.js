// Uploads with XMLHttpRequest, the one browser API that reports upload progress. The size is
// checked against the server's limit first, so a file that would be refused is never sent.
import { ApiError, authHeaders, problemError } from './api.js';
import { UserError } from './messages.js';

const MB = 1024 * 1024;

/**
 * Resolves to the upload record (with its peaks); `onProgress(0..100)` as the bytes go,
 * `onSent()` once they all went (the server then reads the file and draws its peaks). Rejects
 * with an AbortError when `signal` aborts (another file was chosen): the request is cut off.
 */
export function uploadFile(file, { maxUploadMb, label, onProgress, onSent, signal }) {
  if (maxUploadMb && file.size > maxUploadMb * MB) {
    return Promise.reject(new UserError(`${label}: '${file.name}' is ${(file.size / MB).toFixed(1)} MB, more than this server takes (${maxUploadMb} MB): choose a smaller file, or export it compressed (FLAC or MP3).`));
  }
  if (file.size === 0) return Promise.reject(new UserError(`${label}: '${file.name}' is empty: choose an audio file.`));
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/uploads/media');
    for (const [name, value] of Object.entries(authHeaders({ Accept: 'application/json' }))) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(Math.round((event.loaded / event.total) * 100));
    });
    xhr.upload.addEventListener('load', onSent);
    const abort = () => xhr.abort();
    signal?.addEventListener('abort', abort, { once: true });
    xhr.addEventListener('loadend', () => signal?.removeEventListener('abort', abort));
    xhr.addEventListener('abort', () => reject(new DOMException('The upload was replaced', 'AbortError')));
    xhr.addEventListener('load', () => {
      if (xhr.status === 201) {
        try {
          resolve(JSON.parse(xhr.responseText));
        } catch {
          reject(new ApiError({ status: 502, code: 'ERR_BAD_ANSWER', detail: 'The server answered the upload with something that is not JSON' }));
        }
        return;
      }
      reject(problemError(xhr.status, xhr.responseText, xhr.getResponseHeader('Retry-After')));
    });
    // A connection cut mid-upload (also what a proxy's size limit looks like to the page).
    xhr.addEventListener('error', () => reject(new ApiError({ status: 0, code: 'ERR_NETWORK', detail: 'The upload was cut off' })));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}
