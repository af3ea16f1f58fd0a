// The A/B player: the original and the mix started on the same clock at the same offset, each
// through its own GainNode, looping the section. Switching only moves the two gains (a 10 ms
// glide), so there is no gap and the position is kept. Matching turns the louder side down by
// the difference of the two integrated loudnesses of the report.
import { audioContext } from './audio.js';
import { LoudnessMeter } from './meter.js';

const GLIDE_SECONDS = 0.01;
const START_DELAY = 0.05;

export class ABPlayer {
  constructor({ playButton, originalRadio, mixedRadio, matchBox, position, note, what, meter }) {
    this.ui = { playButton, originalRadio, mixedRadio, matchBox, position, note, what };
    this.meterOutputs = meter;
    this.context = null;
    this.sides = null;
    this.track = null;
    this.playing = null;
    this.offset = 0;
    playButton.addEventListener('click', () => (this.playing ? this.pause() : this.play()));
    for (const radio of [originalRadio, mixedRadio]) radio.addEventListener('change', () => this.changed());
    matchBox.addEventListener('change', () => this.changed());
  }

  /** The graph, made on first use: two side gains into one bus, heard and measured. */
  graph() {
    if (this.sides) return;
    this.context = audioContext();
    const bus = new GainNode(this.context);
    bus.connect(this.context.destination);
    this.sides = {};
    for (const name of ['original', 'mixed']) {
      const gain = new GainNode(this.context);
      gain.gain.setValueAtTime(0, 0);
      gain.connect(bus);
      this.sides[name] = gain;
    }
    this.meter = new LoudnessMeter(this.context, bus, this.meterOutputs);
  }

  /**
   * Loads a comparison. `mixed` and `original` are { buffer, start } (the song time at which the
   * buffer begins); `original` may be null (with `note` saying why); `loop` is { start, end } in
   * song time; `loudness` is { original, mixed } in LUFS from the report (either may be null).
   */
  load({ mixed, original, loop, loudness, note = '', what = '' }) {
    this.pause();
    this.graph();
    this.track = { mixed, original, loudness };
    this.setLoop(loop);
    const { originalRadio, mixedRadio, playButton } = this.ui;
    originalRadio.disabled = !original;
    if (!original) mixedRadio.checked = true;
    this.ui.note.hidden = !note;
    this.ui.note.textContent = note;
    this.describe(what);
    playButton.disabled = false;
    this.applyGains(false);
    this.meter.reset();
  }

  /** Replaces the loop (and the original built for it) keeping the mix; restarts if playing. */
  setLoop(loop, original) {
    const wasPlaying = Boolean(this.playing);
    if (wasPlaying) this.pause();
    if (original !== undefined) this.track.original = original;
    const sides = [this.track.mixed, this.track.original].filter(Boolean);
    // One loop length for both, within what each buffer holds, so neither drifts from the other.
    const length = Math.min(loop.end - loop.start, ...sides.map((s) => s.buffer.duration - (loop.start - s.start)));
    this.loop = { start: loop.start, length: Math.max(length, 0.01) };
    this.offset = this.loop.start;
    this.showPosition(this.loop.start);
    if (wasPlaying) this.play();
  }

  /** Says what is loaded (which job, which stretch of it loops). */
  describe(text) {
    this.ui.what.textContent = text;
  }

  selected() {
    return this.ui.originalRadio.checked && this.track?.original ? 'original' : 'mixed';
  }

  /** Match gains: the louder side down by the difference; both 1 when matching is off or unknown. */
  matchGains() {
    const { original, mixed } = this.track?.loudness ?? {};
    if (!this.ui.matchBox.checked || !Number.isFinite(original) || !Number.isFinite(mixed)) return { original: 1, mixed: 1 };
    const difference = mixed - original;
    return difference > 0 ? { original: 1, mixed: 10 ** (-difference / 20) } : { original: 10 ** (difference / 20), mixed: 1 };
  }

  applyGains(glide) {
    if (!this.sides) return;
    const match = this.matchGains();
    const selected = this.selected();
    const now = this.context.currentTime;
    for (const [name, node] of Object.entries(this.sides)) {
      const value = name === selected ? match[name] : 0;
      node.gain.cancelScheduledValues(now);
      if (glide) node.gain.setTargetAtTime(value, now, GLIDE_SECONDS);
      else node.gain.setValueAtTime(value, now);
    }
  }

  changed() {
    if (!this.track) return;
    this.applyGains(Boolean(this.playing));
    this.meter.reset();
  }

  async play() {
    if (!this.track || this.playing) return;
    const { context } = this;
    this.playing = { sources: [], when: Infinity, from: this.offset };
    this.ui.playButton.textContent = 'Pause';
    await context.resume();
    if (!this.playing) return;
    const when = context.currentTime + START_DELAY;
    const { start, length } = this.loop;
    for (const name of ['original', 'mixed']) {
      const side = this.track[name];
      if (!side) continue;
      const loopStart = start - side.start;
      const source = new AudioBufferSourceNode(context, { buffer: side.buffer, loop: true, loopStart, loopEnd: loopStart + length });
      source.connect(this.sides[name]);
      source.start(when, this.offset - side.start);
      this.playing.sources.push(source);
    }
    this.playing.when = when;
    this.meter.reset();
    this.meter.start();
    const tick = () => {
      if (!this.playing) return;
      this.showPosition(this.position());
      this.playing.frame = requestAnimationFrame(tick);
    };
    tick();
  }

  pause() {
    if (!this.playing) return;
    this.offset = this.position();
    for (const source of this.playing.sources) source.stop();
    cancelAnimationFrame(this.playing.frame);
    this.playing = null;
    this.meter.stop();
    this.ui.playButton.textContent = 'Play';
    this.showPosition(this.offset);
  }

  /** Song time now: where playback started plus the time since, wrapped into the loop. */
  position() {
    const { start, length } = this.loop;
    if (!this.playing) return this.offset;
    const elapsed = Math.max(0, this.context.currentTime - this.playing.when);
    return start + ((this.playing.from - start + elapsed) % length);
  }

  showPosition(songTime) {
    this.ui.position.value = (songTime - this.loop.start).toFixed(2);
  }
}
