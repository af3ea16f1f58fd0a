// The typed contract of the compiled addon (native/addon). Only the library's own wrappers use
// it: they validate their arguments first, so the addon receives exactly these shapes.

export interface NativePluginConfig {
  bundlePath: string;
  className?: string;
  sampleRate: number;
  maxBlockSize: number;
  channels: number;
  tempo: number;
  timeSigNumerator: number;
  timeSigDenominator: number;
}

export interface ClassInfo {
  /** 32 hex digits, the id .vstpreset files carry. */
  id: string;
  name: string;
  category: string;
  subCategories: string;
  vendor: string;
  version: string;
  sdkVersion: string;
}

export interface BundleScan {
  bundlePath: string;
  binaryPath: string;
  factoryVendor: string;
  factoryUrl: string;
  classes: ClassInfo[];
}

export interface NativePluginInfo {
  bundlePath: string;
  binaryPath: string;
  class: ClassInfo;
  factoryVendor: string;
  factoryUrl: string;
  sampleRate: number;
  maxBlockSize: number;
  channels: number;
  layout: 'native' | 'dual-mono' | 'mono-through-stereo';
  buses: { inputs: number[]; outputs: number[] };
  latencySamples: number;
  tailSamples: number;
}

export interface NativeParameterInfo {
  id: number;
  title: string;
  shortTitle: string;
  units: string;
  stepCount: number;
  defaultNormalized: number;
  canAutomate: boolean;
  readOnly: boolean;
  hidden: boolean;
  bypass: boolean;
  list: boolean;
  programChange: boolean;
}

export interface NativeParameterValue {
  normalized: number;
  plain: number;
  text: string;
}

export interface NativePlugin {
  info(): NativePluginInfo;
  parameters(): NativeParameterInfo[];
  findParameter(key: string): NativeParameterInfo;
  normalizedFromDisplay(id: number, value: number): number;
  normalizedFromText(id: number, text: string): number;
  textFor(id: number, normalized: number): string;
  getParameter(id: number): NativeParameterValue;
  setNormalized(id: number, normalized: number): void;
  automate(id: number, samples: Float64Array, normalized: Float64Array): void;
  clearAutomation(): void;
  getState(): Uint8Array;
  setState(state: Uint8Array): void;
  savePreset(path: string): void;
  loadPreset(path: string): void;
  latency(): number;
  reset(): void;
  process(input: Float32Array[], output: Float32Array[]): void;
  close(): void;
  closeAsync(): Promise<void>;
  closed(): boolean;
}

export interface NativeRenderOptions {
  tail?: number | 'auto';
  rejectNonFinite?: boolean;
  cancel?: Int32Array;
}

export interface NativeRenderResult {
  /** The output, aligned sample-exactly to the input, as long as the input plus the tail. */
  channels: Float32Array[];
  inputFrames: number;
  tailFrames: number;
  /** The chain's latency, compensated in `channels`. */
  latencySamples: number;
  /** Blocks processed, latency and tail included. */
  blocks: number;
  /** Time the render took, and CPU time of the thread that ran it. */
  wallSeconds: number;
  cpuSeconds: number;
}

export interface NativeChain {
  latency(): number;
  setBypass(slot: number, bypassed: boolean): void;
  bypassed(slot: number): boolean;
  reset(): void;
  process(channels: Float32Array[]): void;
  render(input: Float32Array[], options: NativeRenderOptions): NativeRenderResult;
  renderAsync(input: Float32Array[], options: NativeRenderOptions): Promise<NativeRenderResult>;
}

export interface NativeAudioFile {
  sampleRate: number;
  format: string;
  sampleType: string;
  channels: Float32Array[];
}

export interface NativeAudioInfo {
  sampleRate: number;
  channels: number;
  frames: number;
  format: string;
  sampleType: string;
  /** Empty series unless peak buckets were asked for. */
  peaks: { bucketSeconds: number; min: Float32Array; max: Float32Array; rms: Float32Array };
}

export interface NativeLoudness {
  integratedLufs: number;
  rangeLu: number;
  samplePeakDbfs: number;
  truePeakDbtp: number;
}

/** A line a plugin printed; plugin, phase (a crash-marker number) and task when a call was known. */
export interface NativeOutputLine {
  stream: 'stdout' | 'stderr';
  text: string;
  plugin?: string;
  phase?: number;
  task?: number;
}

export interface NativeBinding {
  createPlugin(config: NativePluginConfig): NativePlugin;
  createPluginAsync(config: NativePluginConfig): Promise<NativePlugin>;
  scanBundle(path: string): BundleScan;
  liveInstances(): number;
  /** The render-pool task this JS thread works for (0: none), charged with its plugins' crashes. */
  setCrashTask(tag: number): void;
  captureOutput(onLine?: (line: NativeOutputLine) => void): { stdoutFd: number; stderrFd: number };
  stopOutputCapture(): void;
  Chain: new (plugins: NativePlugin[]) => NativeChain;
  readAudioFile(path: string, maxSeconds: number): NativeAudioFile;
  probeAudioFileAsync(path: string, maxSeconds: number, peakBuckets: number): Promise<NativeAudioInfo>;
  writeAudioFile(path: string, channels: Float32Array[], sampleRate: number, options: { format?: string; sampleType?: string; bitrateMode?: string }): void;
  resample(channels: Float32Array[], fromRate: number, toRate: number): Float32Array[];
  measureLoudness(channels: Float32Array[], sampleRate: number): NativeLoudness;
  resampleAsync(channels: Float32Array[], fromRate: number, toRate: number): Promise<Float32Array[]>;
  measureLoudnessAsync(channels: Float32Array[], sampleRate: number): Promise<NativeLoudness>;
  normalizeLoudness(
    channels: Float32Array[],
    sampleRate: number,
    targetLufs: number | null,
    ceilingDbtp: number,
  ): { before: NativeLoudness; after: NativeLoudness; gainDb: number; limiter: { maxReductionDb: number; limitedSamples: number } | null };
}
