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
   * `elements`: { input, drop, progress, info, waveform }; `limits()` gives /info's limits;
   * `section(upload)` gives the region to draw on this track ({ start, end, maxLength, onChange })
   * or null; `onChange()` after the upload changed (chosen, uploaded, failed).
   */
  constructor(label, elements, { limits, section = () => null, onChange, onWaveform = () => {} }) {
    this.label = label;
    this.elements = elements;
    this.options = { limits, section, onChange, onWaveform };
    this.file = null;
    this.upload = null;
    this.busy = false;
    this.waveform = null;
    this.generation = 0;
    const { input, drop } = elements;
    input.addEventListener('change', () => {
      if (input.files?.[0]) this.choose(input.files[0]);
    });
    drop.addEventListener('dragover', (event) => {
      event.preventDefault();
      drop.classList.add('dragging');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('dragging'));
    drop.addEventListener('drop', (event) => {
      event.preventDefault();
      drop.classList.remove('dragging');
      if (input.disabled) return;
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
  }

  async choose(file) {
    const generation = ++this.generation;
    const { progress, info, input } = this.elements;
    this.clearWaveform();
    this.file = file;
    this.upload = null;
    this.busy = true;
    progress.value = 0;
    info.textContent = `Uploading ${file.name}…`;
    clearAlert();
    this.options.onChange();
    try {
      const upload = await uploadFile(file, {
        maxUploadMb: this.options.limits()?.maxUploadMb,
        label: this.label,
        onProgress: (percent) => {
          if (generation === this.generation) progress.value = percent;
        },
      });
      if (generation !== this.generation) return;
      progress.value = 100;
      this.upload = upload;
      info.textContent = describeUpload(upload);
      say(`${this.label} uploaded: ${describeUpload(upload)}.`);
      this.draw();
    } catch (error) {
      if (generation !== this.generation) return;
      this.file = null;
      progress.value = 0;
      info.textContent = '';
      input.value = '';
      showError(error, `The ${this.label.toLowerCase()} upload`);
    } finally {
      if (generation === this.generation) {
        this.busy = false;
        this.options.onChange();
      }
    }
  }

  draw() {
    const { upload } = this;
    if (!upload.peaks) {
      this.elements.info.textContent += ' · no waveform (the server sent no peaks)';
      this.options.onWaveform(null);
      return;
    }
    this.waveform = drawWaveform(this.elements.waveform, upload, this.options.section(upload));
    this.options.onWaveform(this.waveform);
  }

  clearWaveform() {
    this.waveform?.destroy();
    this.waveform = null;
  }
}
