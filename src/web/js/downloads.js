// Downloads of the current result in each format the page offers. The bytes are fetched here
// with the key (redirect=false: from this origin, even when results live in a bucket) and saved
// through a blob link, so no key ever ends up in a URL.
import { apiFetch } from './api.js';
import { isUnavailable, setUnavailable } from './dom.js';
import { say, showError, clearAlert } from './messages.js';

const NAMES = { wav: 'WAV', flac: 'FLAC', mp3: 'MP3' };

export function resultPath(jobId, format) {
  return `/jobs/${encodeURIComponent(jobId)}/result?format=${format}&redirect=false`;
}

export class Downloads {
  constructor(buttons, caption) {
    this.buttons = buttons;
    this.caption = caption;
    this.jobId = null;
    for (const button of buttons) button.addEventListener('click', () => this.download(button));
  }

  /** Offers the result of `jobId` (null: nothing to offer); `what` says which result it is. */
  offer(jobId, what = '') {
    this.jobId = jobId;
    for (const button of this.buttons) setUnavailable(button, !jobId);
    this.caption.textContent = jobId ? what : 'Nothing to download yet.';
  }

  async download(button) {
    const { jobId } = this;
    const format = button.dataset.format;
    if (!jobId || isUnavailable(button)) return;
    setUnavailable(button, true);
    clearAlert();
    say(`Preparing the ${NAMES[format]} file…`);
    try {
      const blob = await (await apiFetch(resultPath(jobId, format))).blob();
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = `mix-${jobId}.${format}`;
      link.hidden = true;
      document.body.append(link);
      link.click();
      link.remove();
      // Revoked once the browser has taken the download over.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      say(`Downloaded mix-${jobId}.${format} (${(blob.size / 1024 / 1024).toFixed(1)} MB).`);
    } catch (error) {
      say('');
      showError(error, 'The download');
    } finally {
      setUnavailable(button, this.jobId === null);
    }
  }
}
