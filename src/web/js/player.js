// The A/B player: the original and the mix started on the same clock at the same offset, each
// through its own GainNode, looping the section. Switching only moves the two gains (gliding
// with a 10 ms time constant, so nearly there after 30 ms): there is no gap and the position is
// kept. Matching turns the louder side down by the difference of the two loudnesses it is given.
import { audioContext } from './audio.js';
import { LoudnessMeter } from './meter.js';

const GLIDE_TIME_CONSTANT = 0.01;
const START_DELAY = 0.05;

export class ABPlayer {
  constructor({ playButton, versions, originalRadio, mixedRadio, matchBox, position, note, what, meter }) {
    this.ui = { playButton, versions, originalRadio, mixedRadio, matchBox, position, note, what };
    // What the page says while nothing is loaded, as the page first shows it.
    this.idleText = what.textContent;
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
   * Loads a comparison. `mixed` is { buffer, start } (the song time at which the buffer begins);
   * `loop` is { start, end } in song time; `comparison` is what setLoop takes.
   */
  load({ mixed, loop, comparison, what = '' }) {
    this.pause();
    this.graph();
    this.track = { mixed, original: null, loudness: null };
    const { versions, matchBox, playButton } = this.ui;
    versions.disabled = false;
    matchBox.disabled = false;
    playButton.disabled = false;
    this.describe(what);
    this.setLoop(loop, comparison);
  }

  /**
   * Replaces the loop and what the mix is compared with over it: `original` ({ buffer, start })
   * or null with `note` saying why, and `loudness` ({ original, mixed } in LUFS, either may be
   * null) to match. Restarts if playing.
   */
  setLoop(loop, { original, loudness, note = '' }) {
    const wasPlaying = Boolean(this.playing);
    this.pause();
    this.track.original = original;
    this.track.loudness = loudness;
    const { originalRadio, mixedRadio } = this.ui;
    // Without an original there is only the mix to hear, and the note says why.
    originalRadio.disabled = !original;
    if (!original) mixedRadio.checked = true;
    this.ui.note.hidden = !note;
    this.ui.note.textContent = note;
    const sides = [this.track.mixed, original].filter(Boolean);
    // One loop length for both, within what each buffer holds, so neither drifts from the other.
    const length = Math.min(loop.end - loop.start, ...sides.map((s) => s.buffer.duration - (loop.start - s.start)));
    this.loop = { start: loop.start, length: Math.max(length, 0.01) };
    this.offset = this.loop.start;
    this.showPosition(this.loop.start);
    this.applyGains(false);
    this.meter.reset();
    if (wasPlaying) this.play();
  }

  /** Back to nothing loaded: silent, its controls unavailable, saying `what` (by default that nothing is). */
  clear(what = this.idleText) {
    this.pause();
    this.track = null;
    const { versions, matchBox, playButton, mixedRadio, note, position } = this.ui;
    versions.disabled = true;
    matchBox.disabled = true;
    playButton.disabled = true;
    mixedRadio.checked = true;
    note.hidden = true;
    note.textContent = '';
    this.describe(what);
    position.value = '0.00';
    this.meter?.reset();
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
      if (glide) node.gain.setTargetAtTime(value, now, GLIDE_TIME_CONSTANT);
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
    const playing = { sources: [], when: Infinity, from: this.offset };
    this.playing = playing;
    this.ui.playButton.textContent = 'Pause';
    await context.resume();
    // Paused (and perhaps played again) while the context resumed: that later start plays, not this one.
    if (this.playing !== playing) return;
    const when = context.currentTime + START_DELAY;
    const { start, length } = this.loop;
    for (const name of ['original', 'mixed']) {
      const side = this.track[name];
      if (!side) continue;
      const loopStart = start - side.start;
      const source = new AudioBufferSourceNode(context, { buffer: side.buffer, loop: true, loopStart, loopEnd: loopStart + length });
      source.connect(this.sides[name]);
      source.start(when, this.offset - side.start);
      playing.sources.push(source);
    }
    playing.when = when;
    this.meter.reset();
    this.meter.start(when);
    const tick = () => {
      if (this.playing !== playing) return;
      this.showPosition(this.position());
      playing.frame = requestAnimationFrame(tick);
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
