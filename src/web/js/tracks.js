// One input track (the vocal or the beat): a file input that is also a drop zone, its upload
// with a progress bar, and its waveform from the server's peaks. It keeps the File (the page
// builds the "original" from it) and the upload record (the mix names it by id).
import { uploadFile } from './upload.js';
import { drawWaveform } from './waveform.js';
import { say, showError, clearAlert } from './messages.js';

function describeUpload(upload) {
  const minutes = Math.floor(upload.durationSeconds / 60);
  const seconds = (upload.durationSeconds % 60).toFixed(1).padStart(4, '0');
  const channels = upload.channels === 1 ? 'mono' : upload.channels === 2 ? 'stereo' : `${upload.channels} channels`;
  return `${upload.filename ?? 'file'} · ${minutes}:${seconds} · ${(upload.sampleRate / 1000).toFixed(1)} kHz · ${channels}`;
}

export class Track {
  /**
   * `elements`: { input, drop, progress, info, waveform, remove? (a button that removes the
   * file) }; `limits()` gives /info's limits; `section(upload)` gives the region to draw on this
   * track ({ start, end, maxLength, onChange }) or null; `onWaveform(waveform, region)` once the
   * upload is drawn (waveform null when it could not be); `onChange()` after the upload changed
   * (chosen, uploaded, failed, removed); `unavailable()` says why the input is disabled.
   */
  constructor(label, elements, { limits, section = () => null, onChange, onWaveform = () => {}, unavailable }) {
    this.label = label;
    this.elements = elements;
    this.options = { limits, section, onChange, onWaveform };
    this.file = null;
    this.upload = null;
    this.busy = false;
    this.waveform = null;
    this.uploading = null;
    this.generation = 0;
    const { input, drop, remove } = elements;
    // Disabled through its fieldset too, which the input's own `disabled` does not show.
    const disabled = () => input.matches(':disabled');
    input.addEventListener('change', () => {
      if (input.files?.[0]) this.choose(input.files[0]);
    });
    // Cancelled even while disabled: a file dropped where nothing takes it would replace the page.
    drop.addEventListener('dragover', (event) => {
      event.preventDefault();
      if (disabled()) event.dataTransfer.dropEffect = 'none';
      else drop.classList.add('dragging');
    });
    drop.addEventListener('dragenter', () => {
      if (disabled()) say(unavailable());
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('dragging'));
    drop.addEventListener('drop', (event) => {
      event.preventDefault();
      drop.classList.remove('dragging');
      if (disabled()) return;
      const file = event.dataTransfer?.files?.[0];
      if (!file) return;
      // Shown in the input too, as if chosen there.
      try {
        input.files = event.dataTransfer.files;
      } catch {
        // Older browsers keep the input as it was; the upload goes on.
      }
      this.choose(file);
    });
    remove?.addEventListener('click', () => {
      this.clear();
      say(`${label} removed.`);
      // The button hides itself: the focus goes where the next file would be chosen.
      input.focus();
    });
  }

  async choose(file) {
    const generation = this.reset();
    const { progress, info, remove } = this.elements;
    const uploading = new AbortController();
    this.uploading = uploading;
    this.file = file;
    this.busy = true;
    info.textContent = `Uploading ${file.name}…`;
    if (remove) remove.hidden = false;
    clearAlert();
    this.options.onChange();
    let upload;
    try {
      upload = await uploadFile(file, {
        maxUploadMb: this.options.limits()?.maxUploadMb,
        label: this.label,
        signal: uploading.signal,
        onProgress: (percent) => {
          if (generation === this.generation) progress.value = percent;
        },
        // The bytes are there; the server now reads the file and computes its peaks.
        onSent: () => {
          if (generation !== this.generation) return;
          progress.value = 100;
          info.textContent = `Analysing ${file.name}…`;
        },
      });
    } catch (error) {
      if (generation !== this.generation) return;
      this.clear();
      showError(error, `The ${this.label.toLowerCase()} upload`);
      return;
    }
    if (generation !== this.generation) return;
    this.uploading = null;
    this.busy = false;
    this.upload = upload;
    progress.value = 100;
    info.textContent = describeUpload(upload);
    say(`${this.label} uploaded: ${describeUpload(upload)}.`);
    this.draw();
    this.options.onChange();
  }

  /** Draws the upload; a drawing that fails leaves the upload usable, only without its picture. */
  draw() {
    const { upload } = this;
    const region = this.options.section(upload);
    let waveform = null;
    try {
      if (upload.peaks) waveform = drawWaveform(this.elements.waveform, upload, region);
      else this.elements.info.textContent += ' · no waveform (the server sent no peaks)';
    } catch (error) {
      this.elements.info.textContent += ' · no waveform (it could not be drawn)';
      showError(error, `Drawing the ${this.label.toLowerCase()} waveform`);
    }
    this.waveform = waveform;
    this.options.onWaveform(waveform, region);
  }

  /** Back to no file, keeping the input as it is; an upload on its way is cut off and its answer ignored. */
  reset() {
    this.generation++;
    this.uploading?.abort();
    this.uploading = null;
    this.waveform?.destroy();
    this.waveform = null;
    this.file = null;
    this.upload = null;
    this.busy = false;
    const { progress, info, remove } = this.elements;
    progress.value = 0;
    info.textContent = '';
    if (remove) remove.hidden = true;
    return this.generation;
  }

  /** Removes the file (the Remove button, a failed upload, another key). */
  clear() {
    this.reset();
    this.elements.input.value = '';
    this.options.onChange();
  }
}
