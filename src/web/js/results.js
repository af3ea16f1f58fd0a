// What a finished mix feeds: its figures, its downloads and the A/B player, shown together for
// one result at a time. A load takes several steps (the file fetched and decoded, the original
// rebuilt from the user's files, a full mix's loop measured) and loads may overlap (a preview
// answering, a job finishing, "Open" in the recent jobs). A load first empties what the previous
// result showed, so no download offered meanwhile is an older result's; it takes a token, a newer
// load aborts the older's fetch, and a load whose token is no longer current shows nothing.
import { apiFetch } from './api.js';
import { decodeBytes } from './audio.js';
import { resultPath } from './downloads.js';
import { clearFigures, showFigures } from './figures.js';
import { measureLoudness } from './loudness.js';
import { say } from './messages.js';
import { buildOriginal } from './original.js';
import { shortId } from './recent.js';

const seconds = (s) => `${s.toFixed(1)} s`;
/** How long the section must rest before a full mix's loop follows it (rebuilding is not free). */
const SETTLE_MS = 250;

export class Results {
  /**
   * `trackFile(uploadId)` is the File behind one of the page's current uploads, or null;
   * `section()` is the chosen section ({ start, length }), which a full mix loops.
   */
  constructor({ player, downloads, trackFile, section }) {
    this.player = player;
    this.downloads = downloads;
    this.trackFile = trackFile;
    this.section = section;
    /** What the player holds: { jobId, report, options, files, mixed, preview }. */
    this.current = null;
    this.token = 0;
    this.fetching = null;
    this.loopTimer = null;
    /** Counts loop moves: one still rebuilding when the section moved again is dropped. */
    this.moves = 0;
  }

  /** The Files for a mix's inputs ({ vocal, beat }), or null when the page no longer has them. */
  filesFor(options) {
    const vocal = this.fileOf(options?.vocal);
    const beat = options?.beat ? this.fileOf(options.beat) : null;
    return vocal && (beat || !options?.beat) ? { vocal, beat } : null;
  }

  /** A current track's File, or one the loaded result was built from: no other File is kept. */
  fileOf(id) {
    if (!id) return null;
    const { options, files } = this.current ?? {};
    if (files && options.vocal === id) return files.vocal;
    if (files && options.beat === id) return files.beat;
    return this.trackFile(id);
  }

  /** A new token: loads and loop moves begun before it stop at their next step. */
  supersede() {
    this.token++;
    this.fetching?.abort();
    this.fetching = new AbortController();
    clearTimeout(this.loopTimer);
    return { token: this.token, signal: this.fetching.signal };
  }

  /**
   * Loads a completed job's result; `files` are the Files its inputs were made from (by default
   * those the page has now). Resolves to whether it is shown (false: a newer load took over).
   * When the player cannot take it (the result does not decode) the player stays empty and the
   * figures and downloads are this result's all the same: the file may still be downloaded.
   */
  async load({ jobId, report, options, files = this.filesFor(options) }) {
    const { token, signal } = this.clear('Loading the result…');
    const live = () => token === this.token;
    const preview = report?.preview ?? null;
    const caption = preview ? `The preview (${seconds(preview.start)} to ${seconds(preview.start + preview.duration)}), job ${shortId(jobId)}.` : `The mix, job ${shortId(jobId)}.`;
    say('Loading the result into the player…');
    try {
      const bytes = await (await apiFetch(resultPath(jobId, 'wav'), { signal })).arrayBuffer();
      if (!live()) return false;
      const mixed = await decodeBytes(bytes);
      if (!live()) return false;
      const result = { jobId, report, options, files, mixed, preview };
      const loop = preview ? { start: preview.start, end: preview.start + preview.duration } : this.fullMixLoop(mixed.duration);
      const comparison = await this.comparison(result, loop);
      if (!live()) return false;
      this.current = result;
      showFigures(report);
      this.downloads.offer(jobId, caption);
      this.player.load({ mixed: { buffer: mixed, start: preview ? preview.start : 0 }, loop, comparison, what: this.describe(result, loop) });
      say(`${preview ? 'Preview' : 'Mix'} ready: press Play to listen, and switch between Original and Mixed.`);
      return true;
    } catch (error) {
      if (!live()) return false;
      this.player.clear();
      showFigures(report);
      this.downloads.offer(jobId, caption);
      say('');
      throw error;
    }
  }

  /**
   * Nothing shown (another key, or a load begins): no figures, no downloads, an empty player
   * saying `what`; loads begun before stop. Returns the new token and its fetches' signal.
   */
  clear(what) {
    const ticket = this.supersede();
    this.current = null;
    clearFigures();
    this.downloads.offer(null);
    this.player.clear(what);
    return ticket;
  }

  /** The section moved: a loaded full mix loops it once it rests (a preview keeps its own). */
  sectionMoved() {
    if (!this.current || this.current.preview) return;
    clearTimeout(this.loopTimer);
    this.loopTimer = setTimeout(() => this.moveLoop(), SETTLE_MS);
  }

  async moveLoop() {
    const result = this.current;
    const token = this.token;
    const move = ++this.moves;
    const loop = this.fullMixLoop(result.mixed.duration);
    const comparison = await this.comparison(result, loop);
    // Another result loaded, the key changed or the section moved again while the original was
    // rebuilt: this loop is no longer wanted.
    if (token !== this.token || move !== this.moves || this.current !== result) return;
    this.player.setLoop(loop, comparison);
    this.player.describe(this.describe(result, loop));
  }

  /** A full mix loops the chosen section (within the mix); without one, the whole mix. */
  fullMixLoop(duration) {
    const { start, length } = this.section();
    if (!(length > 0) || start >= duration) return { start: 0, end: duration };
    return { start, end: Math.min(duration, start + length) };
  }

  describe({ jobId, mixed, preview }, loop) {
    return preview ? `Preview ${shortId(jobId)}: ${seconds(loop.start)} to ${seconds(loop.end)}, looped.` : `Mix ${shortId(jobId)}: looping ${seconds(loop.start)} to ${seconds(loop.end)} of ${seconds(mixed.duration)}.`;
  }

  /**
   * What the player compares the mix with over `loop` (as ABPlayer.setLoop takes it): the
   * original, when the page has its files, and the two loudnesses to match. A preview's figures
   * cover its section, the loop itself; a full mix's cover the whole song, so its loop is measured
   * here, the same way the meter measures it.
   */
  async comparison({ report, options, files, mixed, preview }, loop) {
    let buffer = null;
    let note = '';
    try {
      buffer = files ? await buildOriginal(files, loop, report, options) : null;
      if (!buffer) note = 'Original is not available: this page no longer has the files the mix was made from (after a reload, choose them again and preview).';
    } catch (error) {
      note = `Original is not available: your browser could not decode the files (${error?.message ?? error}).`;
    }
    const original = buffer && { buffer, start: loop.start };
    let loudness = { original: report?.original?.integratedLufs ?? null, mixed: report?.master?.integratedLufs ?? null };
    let unmatched = 'the server reported no loudness for one of the two';
    if (!preview && original) {
      const length = loop.end - loop.start;
      try {
        const [originalLufs, mixedLufs] = await Promise.all([measureLoudness(buffer, 0, length), measureLoudness(mixed, loop.start, length)]);
        loudness = { original: originalLufs, mixed: mixedLufs };
        unmatched = 'one of the two is silent over this loop';
      } catch (error) {
        loudness = { original: null, mixed: null };
        unmatched = `your browser could not measure this loop (${error?.message ?? error})`;
      }
    }
    if (original && !(Number.isFinite(loudness.original) && Number.isFinite(loudness.mixed))) note = `Match loudness has nothing to match: ${unmatched}.`;
    return { original, loudness, note };
  }
}
