// The mix graph: tracks (each through its own chain, then gain, constant-power pan and mute),
// optional send buses fed post-fader, and the master chain, rendered offline at one session rate.
// Every chain render compensates its own latency, so all paths arrive aligned to the sample.
import { Chain, type ChainSlot } from '../host/chain.js';
import { invalidArgument } from '../errors.js';
import { normalizeLoudness, type NormalizeOptions, type NormalizeReport } from '../audio/loudness.js';
import { measureLoudness, measureLoudnessAsync, resampleAsync, type Loudness } from '../audio/dsp.js';
import type { PluginOptions } from '../host/plugin.js';

export interface GraphAudio {
  sampleRate: number;
  channels: Float32Array[];
}

export interface GraphTrack {
  name: string;
  audio: GraphAudio;
  chain?: ChainSlot[];
  /** Fader gain in dB. Default 0. */
  gainDb?: number;
  /** -1 (left) … 0 (centre) … 1 (right), constant power. Default 0. */
  pan?: number;
  mute?: boolean;
  /** Post-fader send levels in dB, by bus name. */
  sends?: Record<string, number>;
}

export interface GraphBus {
  name: string;
  chain: ChainSlot[];
  gainDb?: number;
}

export interface MixGraph {
  tracks: GraphTrack[];
  buses?: GraphBus[];
  master?: ChainSlot[];
}

/**
 * Where a graph gets its chains. By default each is loaded for the render and closed after it;
 * a render-pool worker keeps them warm instead (see `WarmChains`).
 */
export interface ChainSource {
  acquire(slots: ChainSlot[], options: PluginOptions): Promise<Chain>;
  /** Takes the chain back after its render; `failed` when the render threw. */
  release(chain: Chain, failed: boolean): Promise<void>;
}

export const freshChains: ChainSource = {
  acquire: (slots, options) => Chain.load(slots, options),
  release: (chain) => chain.closeAsync(),
};

/** The stages of a graph's render after its tracks' chains, in the order they begin. */
export type GraphStage = 'buses' | 'master' | 'loudness';

export interface GraphOptions extends Omit<PluginOptions, 'sampleRate' | 'channels'> {
  /** The session rate every input is resampled to. Default 44100. */
  sampleRate?: number;
  /** Tail rendered after each chain: seconds or 'auto'. Default 'auto'. */
  tail?: number | 'auto';
  /** Loudness normalisation of the master; omit for none. */
  loudness?: NormalizeOptions;
  /** Where the chains come from. Default: loaded fresh, closed after. */
  chains?: ChainSource;
  /** Non-zero stops the render at the next block of any chain (`ERR_ABORTED`). */
  cancel?: Int32Array;
  /** Called as each stage begins, once the tracks are rendered: 'buses' only when the graph has any. */
  onStage?: (stage: GraphStage) => void;
}

export interface TrackReport {
  name: string;
  inputSeconds: number;
  inputSampleRate: number;
  inputChannels: number;
  latencySamples: number;
  /** Length out of its chain (the input plus the tail), in seconds. */
  outputSeconds: number;
  /** The fader gain it was mixed at, in dB. */
  gainDb: number;
  loudness: Loudness;
  warnings: string[];
}

export interface GraphReport {
  sampleRate: number;
  seconds: number;
  tracks: TrackReport[];
  /** Each bus that was fed: its latency and its output length (input plus tail) in seconds. */
  buses: Array<{ name: string; latencySamples: number; outputSeconds: number }>;
  masterLatencySamples: number;
  loudness: NormalizeReport | null;
  master: Loudness;
  renderSeconds: number;
  /** Where the time went, in seconds since the graph started, as each stage ended. */
  stages: { tracks: number; buses: number; master: number; loudness: number };
}

export const DEFAULT_SESSION_RATE = 44100;

/** Stereo from any channel count: mono on both sides; more than two folded down (with a warning). */
export function toStereo(channels: Float32Array[], warnings: string[]): [Float32Array, Float32Array] {
  if (channels.length === 1) return [channels[0]!, Float32Array.from(channels[0]!)];
  if (channels.length === 2) return [channels[0]!, channels[1]!];
  warnings.push(`${channels.length} channels folded down to stereo (even channels left, odd channels right)`);
  const frames = channels[0]!.length;
  const out: [Float32Array, Float32Array] = [new Float32Array(frames), new Float32Array(frames)];
  channels.forEach((channel, c) => {
    const side = out[c % 2]!;
    const share = 1 / Math.ceil((channels.length - (c % 2)) / 2);
    for (let i = 0; i < frames; i++) side[i]! += channel[i]! * share;
  });
  return out;
}

/**
 * Left and right gains of the constant-power pan law: L² + R² = 2 everywhere, unity on both
 * sides at the centre (exactly), +3 dB on one side and silence on the other at the extremes.
 */
export function panGains(pan: number): [number, number] {
  const angle = ((pan + 1) * Math.PI) / 4;
  const centre = Math.cos(Math.PI / 4);
  // cos(π/2 - angle) rather than sin(angle): both are exactly `centre` at the centre.
  return [Math.cos(angle) / centre, Math.cos(Math.PI / 2 - angle) / centre];
}

/**
 * A chain the graph uses: loading starts at once (on the addon's control thread, alongside
 * whatever renders) so it is ready when its input is, and it goes back to its source exactly
 * once, rendered or not. An empty chain is null.
 */
class ChainLease {
  readonly loading: Promise<Chain | null>;
  private returned = false;

  constructor(private readonly source: ChainSource, slots: ChainSlot[] | undefined, options: GraphOptions, sampleRate: number) {
    const { tail: _tail, loudness: _loudness, sampleRate: _rate, chains: _chains, cancel: _cancel, onStage: _onStage, ...pluginOptions } = options;
    this.loading = !slots || slots.length === 0 ? Promise.resolve(null) : source.acquire(slots, { ...pluginOptions, sampleRate, channels: 2 });
    this.loading.catch(() => {});  // observed when awaited; never an unhandled rejection meanwhile
  }

  async giveBack(failed: boolean): Promise<void> {
    if (this.returned) return;
    this.returned = true;
    const chain = await this.loading.catch(() => null);
    if (chain) await this.source.release(chain, failed);
  }
}

async function renderThrough(lease: ChainLease, input: Float32Array[], options: GraphOptions) {
  const chain = await lease.loading;
  if (!chain) return { channels: input, latencySamples: 0 };
  let failed = true;
  try {
    const result = await chain.renderAsync(input, {
      tail: options.tail ?? 'auto',
      ...(options.cancel ? { cancel: options.cancel } : {}),
    });
    failed = false;
    return { channels: result.channels, latencySamples: result.latencySamples };
  } finally {
    await lease.giveBack(failed);
  }
}

function addInto(target: Float32Array[], source: Float32Array[], gains: [number, number]): void {
  for (let c = 0; c < 2; c++) {
    const into = target[c]!;
    const from = source[c]!;
    const gain = gains[c]!;
    for (let i = 0; i < from.length; i++) into[i]! += from[i]! * gain;
  }
}

const dbToGain = (db: number) => 10 ** (db / 20);

function validate(graph: MixGraph): void {
  if (!Array.isArray(graph.tracks) || graph.tracks.length === 0) throw invalidArgument('tracks', 'at least one track', graph.tracks, 'ERR_MIX_INVALID');
  const buses = new Set((graph.buses ?? []).map((b) => b.name));
  for (const track of graph.tracks) {
    if (track.pan !== undefined && !(track.pan >= -1 && track.pan <= 1)) throw invalidArgument(`tracks.${track.name}.pan`, 'a number from -1 to 1', track.pan, 'ERR_MIX_INVALID');
    if (track.gainDb !== undefined && !Number.isFinite(track.gainDb)) throw invalidArgument(`tracks.${track.name}.gainDb`, 'a finite number of dB', track.gainDb, 'ERR_MIX_INVALID');
    for (const bus of Object.keys(track.sends ?? {})) {
      if (!buses.has(bus)) throw invalidArgument(`tracks.${track.name}.sends`, `one of the buses (${[...buses].join(', ') || 'none'})`, bus, 'ERR_MIX_INVALID');
    }
    if (!track.audio?.channels?.length || !(track.audio.channels[0]!.length > 0)) {
      throw invalidArgument(`tracks.${track.name}.audio`, 'audio of at least one frame', track.audio?.channels?.[0]?.length ?? 0, 'ERR_EMPTY_INPUT');
    }
  }
}

/**
 * Renders the graph: each track is resampled to the session rate, made stereo, rendered
 * through its chain (latency compensated, tail rendered), scaled, panned and summed with the
 * others; post-fader sends feed the buses, whose outputs join the sum; the sum goes through the
 * master chain and, when asked, loudness normalisation. The mix is as long as the longest path.
 */
export async function renderGraph(graph: MixGraph, options: GraphOptions = {}): Promise<{ channels: Float32Array[]; report: GraphReport }> {
  const started = performance.now();
  validate(graph);
  const sampleRate = options.sampleRate ?? DEFAULT_SESSION_RATE;
  // Every chain starts loading at once (creating a ZamVerb takes about half a second) and is
  // ready by the time the audio reaches it. Should anything fail, every chain goes back.
  const source = options.chains ?? freshChains;
  const trackChains = graph.tracks.map((t) => new ChainLease(source, t.chain, options, sampleRate));
  const busChains = (graph.buses ?? []).map((b) => new ChainLease(source, b.chain, options, sampleRate));
  const masterChain = new ChainLease(source, graph.master, options, sampleRate);
  try {
    return await mixDown(graph, options, sampleRate, started, trackChains, busChains, masterChain);
  } catch (error) {
    await Promise.allSettled([...trackChains, ...busChains, masterChain].map((lease) => lease.giveBack(true)));
    throw error;
  }
}

async function mixDown(
  graph: MixGraph,
  options: GraphOptions,
  sampleRate: number,
  started: number,
  trackChains: ChainLease[],
  busChains: ChainLease[],
  masterChain: ChainLease,
): Promise<{ channels: Float32Array[]; report: GraphReport }> {
  // Tracks render concurrently: each chain on a thread of its own, while this thread decodes
  // and resamples the next input.
  const rendered = await Promise.all(
    graph.tracks.map(async (track, index) => {
      const warnings: string[] = [];
      // Resampled on a thread of its own, before the mono-to-stereo copy (half the work for mono).
      let source = track.audio.channels;
      if (track.audio.sampleRate !== sampleRate) source = await resampleAsync(source, track.audio.sampleRate, sampleRate);
      const output = await renderThrough(trackChains[index]!, toStereo(source, warnings), options);
      const [left, right] = panGains(track.pan ?? 0);
      const fader = dbToGain(track.gainDb ?? 0);
      const mixed = { channels: output.channels, gains: [left * fader, right * fader] as [number, number], sends: track.sends ?? {}, mute: track.mute ?? false };
      const report: Omit<TrackReport, 'loudness'> = {
        name: track.name,
        inputSeconds: track.audio.channels[0]!.length / track.audio.sampleRate,
        inputSampleRate: track.audio.sampleRate,
        inputChannels: track.audio.channels.length,
        latencySamples: output.latencySamples,
        outputSeconds: output.channels[0]!.length / sampleRate,
        gainDb: track.gainDb ?? 0,
        warnings,
      };
      return { mixed, report };
    }),
  );
  const tracks = rendered.map((r) => r.mixed);
  const unmeasured = rendered.map((r) => r.report);
  const since = () => (performance.now() - started) / 1000;
  const stages = { tracks: since(), buses: 0, master: 0, loudness: 0 };
  if (graph.buses?.length) options.onStage?.('buses');

  const busOutputs: Array<{ channels: Float32Array[]; gain: number }> = [];
  const busReports: GraphReport['buses'] = [];
  for (const [index, bus] of (graph.buses ?? []).entries()) {
    const fed = tracks.filter((t) => !t.mute && t.sends[bus.name] !== undefined);
    const length = Math.max(0, ...fed.map((t) => t.channels[0]!.length));
    const input = [new Float32Array(length), new Float32Array(length)];
    for (const t of fed) {
      const send = dbToGain(t.sends[bus.name]!);
      addInto(input, t.channels, [t.gains[0] * send, t.gains[1] * send]);
    }
    if (length === 0) {
      await busChains[index]!.giveBack(false);
      continue;
    }
    const rendered = await renderThrough(busChains[index]!, input, options);
    busOutputs.push({ channels: rendered.channels, gain: dbToGain(bus.gainDb ?? 0) });
    busReports.push({ name: bus.name, latencySamples: rendered.latencySamples, outputSeconds: rendered.channels[0]!.length / sampleRate });
  }

  stages.buses = since();
  options.onStage?.('master');
  const audible = tracks.filter((t) => !t.mute);
  const length = Math.max(1, ...audible.map((t) => t.channels[0]!.length), ...busOutputs.map((b) => b.channels[0]!.length));
  const sum = [new Float32Array(length), new Float32Array(length)];
  for (const t of audible) addInto(sum, t.channels, t.gains);
  for (const b of busOutputs) addInto(sum, b.channels, [b.gain, b.gain]);

  // The inputs' loudness is only reported: it is measured while the master renders (on one core),
  // not while the tracks' chains need both.
  const rendering = renderThrough(masterChain, sum, options);
  const inputLoudness = Promise.all(graph.tracks.map((t) => measureLoudnessAsync(t.audio.channels, t.audio.sampleRate)));
  const [master, loudnesses] = await Promise.all([rendering, inputLoudness]);
  const trackReports: TrackReport[] = unmeasured.map((report, i) => ({ ...report, loudness: loudnesses[i]! }));
  stages.master = since();
  options.onStage?.('loudness');
  const loudness = options.loudness ? normalizeLoudness(master.channels, sampleRate, options.loudness) : null;
  stages.loudness = since();
  return {
    channels: master.channels,
    report: {
      sampleRate,
      seconds: master.channels[0]!.length / sampleRate,
      tracks: trackReports,
      buses: busReports,
      masterLatencySamples: master.latencySamples,
      loudness,
      master: loudness?.after ?? measureLoudness(master.channels, sampleRate),
      renderSeconds: since(),
      stages,
    },
  };
}
