// The preview section: at most 30 s of the vocal, shown as the region on its waveform and as the
// "Section start" / "Section length" inputs, each following the other. On upload it starts on
// the loudest stretch (by the server's per-bucket RMS), where a singer's take usually is.

export const MAX_SECTION_SECONDS = 30;

/** The `length` seconds of the file with the most energy (sum of rms² over the window). */
export function loudestSection(peaks, duration, length = MAX_SECTION_SECONDS) {
  const span = Math.min(length, duration);
  const rms = peaks?.rms ?? [];
  const bucket = peaks?.bucketSeconds ?? 0;
  if (!rms.length || !(bucket > 0) || span >= duration) return { start: 0, length: span };
  const window = Math.max(1, Math.min(rms.length, Math.round(span / bucket)));
  let energy = 0;
  for (let i = 0; i < window; i++) energy += rms[i] ** 2;
  let best = energy;
  let bestAt = 0;
  for (let i = window; i < rms.length; i++) {
    energy += rms[i] ** 2 - rms[i - window] ** 2;
    if (energy > best) {
      best = energy;
      bestAt = i - window + 1;
    }
  }
  return { start: Math.min(bestAt * bucket, duration - span), length: span };
}

const round = (seconds) => Math.round(seconds * 10) / 10;

/** Keeps the inputs and the region in step; `onChange(start, length)` after either moves. */
export function sectionInputs({ startInput, lengthInput, onChange }) {
  let duration = 0;
  let region = null;
  let current = { start: 0, length: 0 };

  function clamp(start, length) {
    const len = Math.min(Math.max(length, 0.5), MAX_SECTION_SECONDS, duration);
    return { start: Math.min(Math.max(start, 0), Math.max(0, duration - len)), length: len };
  }

  function show({ start, length }) {
    startInput.value = String(round(start));
    lengthInput.value = String(round(length));
    startInput.max = String(round(Math.max(0, duration - length)));
    lengthInput.max = String(round(Math.min(MAX_SECTION_SECONDS, duration)));
  }

  function fromInputs() {
    const wanted = clamp(Number(startInput.value) || 0, Number(lengthInput.value) || MAX_SECTION_SECONDS);
    region?.setSection(wanted.start, wanted.start + wanted.length);
    current = wanted;
    onChange(current.start, current.length);
  }

  // While typing the region follows; once the field is left its text shows what was kept.
  for (const input of [startInput, lengthInput]) {
    input.addEventListener('input', () => {
      if (duration > 0 && input.value !== '') fromInputs();
    });
    input.addEventListener('change', () => {
      if (duration === 0) return;
      fromInputs();
      show(current);
    });
  }

  return {
    /** A new vocal: its duration, the preselected section, and the waveform that shows it. */
    reset(newDuration, selection, waveform) {
      duration = newDuration;
      region = waveform;
      current = clamp(selection.start, selection.length);
      show(current);
      onChange(current.start, current.length);
    },
    /** The region was dragged or resized. */
    fromRegion(start, end) {
      current = { start, length: end - start };
      show(current);
      onChange(current.start, current.length);
    },
    clear() {
      duration = 0;
      region = null;
      current = { start: 0, length: 0 };
      show({ start: 0, length: 0 });
    },
    get value() {
      return { ...current };
    },
  };
}
