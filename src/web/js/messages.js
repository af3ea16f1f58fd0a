// What the page tells the user: progress and outcomes in the polite status region, errors in the
// alert region in words, each with what to do about it.
import { ApiError } from './api.js';

const status = () => document.getElementById('status');
const alertRegion = () => document.getElementById('alert');
/** The error the alert region shows, if any. */
let shown = null;
/** The frame that puts a repeated error back (see showError). */
let repeat = 0;

/** Rewritten only when the words change: the same words again would be announced again. */
export function say(text) {
  const region = status();
  if (region.textContent !== text) region.textContent = text;
}

export function clearAlert() {
  cancelAnimationFrame(repeat);
  alertRegion().textContent = '';
  shown = null;
}

/** Clears the alert only when it is about the key (a call with the key just succeeded). */
export function clearKeyAlert() {
  if (shown instanceof ApiError && shown.status === 401) clearAlert();
}

/** Shows an error; `what` names the action that failed ("The preview"), for errors without a detail. */
export function showError(error, what = '') {
  const region = alertRegion();
  const text = describe(error, what);
  cancelAnimationFrame(repeat);
  shown = error;
  if (region.textContent === text) {
    // The same error again (a retry that failed alike) is announced only if the text changes:
    // emptied now, written back on the next frame.
    region.textContent = '';
    repeat = requestAnimationFrame(() => (region.textContent = text));
  } else {
    region.textContent = text;
  }
  // Brought into view when it is above what the user is looking at (a phone scrolled down).
  region.scrollIntoView({ block: 'nearest' });
  if (!(error instanceof ApiError) && !(error instanceof UserError)) console.error(error);
}

/** A problem found by the page itself, before asking the server; its message says what to do. */
export class UserError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UserError';
  }
}

function sentence(text) {
  const trimmed = String(text).trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function describe(error, what = '') {
  if (error instanceof UserError) return error.message;
  if (!(error instanceof ApiError)) return `${what ? `${what} failed` : 'Something failed'} in the page (${error?.message ?? error}): reload the page and try again.`;
  const detail = sentence(error.detail);
  const { status, code } = error;
  if (status === 0) return 'The server did not answer: check that it is running and reachable, then try again.';
  if (status === 401) return `${detail} The key was refused: check the key.`;
  if (status === 429 || status === 503) {
    const wait = error.retryAfter === null ? 'retry in a few seconds' : `retry in ${error.retryAfter} s`;
    return `The server is busy: ${wait}. ${detail}`;
  }
  if (code === 'ERR_NOT_AUDIO' || code === 'ERR_UNSUPPORTED_MEDIA_TYPE') return `${detail} This is not an audio file the server reads: choose an audio file (WAV, FLAC, MP3, Ogg, Opus).`;
  if (code === 'ERR_UPLOAD_TOO_LARGE') return `${detail} Choose a smaller file.`;
  if (code === 'ERR_AUDIO_TOO_LONG') return `${detail} Choose a shorter take, or use Mix instead of Preview.`;
  if (['ERR_AUDIO_DECODE', 'ERR_AUDIO_TRUNCATED', 'ERR_EMPTY_INPUT', 'ERR_AUDIO_FORMAT'].includes(code)) return `${detail} Choose another audio file (or export it again from your editor).`;
  if (code === 'ERR_UPLOAD_NOT_FOUND') return `${detail} The upload has expired: choose the file again.`;
  if (code === 'ERR_JOB_NOT_FOUND') return `${detail} The job may have expired or been deleted: start a new mix.`;
  if (status === 400 || status === 422) return `${detail} Check the settings and try again.`;
  if (status === 504) return `${detail} The render took too long: try a shorter section, or use Mix.`;
  if (status >= 500) return `${detail} The server failed: try again; if it keeps failing, tell whoever runs it.`;
  return `${detail} Try again.`;
}
