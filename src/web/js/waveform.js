// Waveforms drawn from the peaks the server returns with an upload: wavesurfer gets the peaks and
// the duration and no audio, so a long file draws at once and nothing is decoded here. The
// vocal's waveform carries one region, the preview section.
import WaveSurfer from '/vendor/wavesurfer.esm.js';
import RegionsPlugin from '/vendor/regions.esm.js';

const COLORS = { wave: '#4a5568', region: 'rgba(37, 99, 235, 0.22)' };
// The page's CSP allows no inline style but this nonce's: wavesurfer puts it on its <style>.
const cspNonce = document.querySelector('meta[name="csp-nonce"]')?.content ?? '';

/** The server's min/max per bucket as one interleaved channel: wavesurfer draws its extent. */
function interleave({ min, max }) {
  const out = new Float32Array(min.length * 2);
  for (let i = 0; i < min.length; i++) {
    out[2 * i] = min[i];
    out[2 * i + 1] = max[i];
  }
  return out;
}

/**
 * Draws `upload.peaks` into `container` and marks it data-drawn="true" once drawn. With
 * `section` ({ start, end, maxLength, onChange }), adds the draggable, resizable section region;
 * `onChange(start, end)` runs while it is dragged.
 */
export function drawWaveform(container, upload, section = null) {
  container.removeAttribute('data-drawn');
  const regions = section ? RegionsPlugin.create() : null;
  const surfer = WaveSurfer.create({
    container,
    height: 72,
    waveColor: COLORS.wave,
    progressColor: COLORS.wave,
    cursorWidth: 0,
    interact: false,
    normalize: true,
    peaks: [interleave(upload.peaks)],
    duration: upload.durationSeconds,
    plugins: regions ? [regions] : [],
    cspNonce,
  });
  let region = null;
  surfer.once('redrawcomplete', () => container.setAttribute('data-drawn', 'true'));
  if (regions) {
    surfer.once('ready', () => {
      region = regions.addRegion({
        start: section.start,
        end: section.end,
        color: COLORS.region,
        drag: true,
        resize: true,
        minLength: 0.5,
        maxLength: section.maxLength,
      });
      const report = () => section.onChange(region.start, region.end);
      region.on('update', report);
      region.on('update-end', report);
    });
  }
  return {
    /** Moves the region (from the number inputs); no onChange echo. */
    setSection(start, end) {
      region?.setOptions({ start, end });
    },
    destroy() {
      surfer.destroy();
      container.removeAttribute('data-drawn');
    },
  };
}
