// Bad input: each gets a coded error that names what was expected and what arrived, and the
// process carries on.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Chain, loadPlugin, loadPluginSync, readAudio, writeAudio, type Plugin } from '../src/index.js';
import { testBundle, testSignal } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'mixchain-errors-'));
const open: Plugin[] = [];
afterAll(() => {
  for (const p of open) if (!p.closed) p.close();
  rmSync(scratch, { recursive: true, force: true });
});

function coded(code: string, message?: RegExp) {
  return expect.objectContaining({ name: 'MixchainError', code, ...(message ? { message: expect.stringMatching(message) } : {}) });
}

function fakeBundle(name: string, arch: string, binary?: (path: string) => void): string {
  const bundle = join(scratch, `${name}.vst3`);
  const folder = join(bundle, 'Contents', arch);
  mkdirSync(folder, { recursive: true });
  binary?.(join(folder, `${name}.so`));
  return bundle;
}

describe('loading', () => {
  it('a missing bundle', async () => {
    await expect(loadPlugin(join(scratch, 'Nowhere.vst3'))).rejects.toThrow(coded('ERR_BUNDLE_NOT_FOUND', /Nowhere\.vst3/));
    expect(() => loadPluginSync('NoSuchPluginAnywhere')).toThrow(coded('ERR_BUNDLE_NOT_FOUND', /NoSuchPluginAnywhere\.vst3 in .*\/usr\/lib\/vst3/));
  });

  it('a bundle without a binary for this architecture', () => {
    const bundle = fakeBundle('OtherArch', 'aarch64-linux', (path) => writeFileSync(path, ''));
    expect(() => loadPluginSync(bundle)).toThrow(coded('ERR_NO_BINARY_FOR_ARCH', /x86_64-linux.*aarch64-linux/));
  });

  it('a file that is not a shared library', () => {
    const bundle = fakeBundle('NotElf', 'x86_64-linux', (path) => writeFileSync(path, 'plain text, not ELF'));
    expect(() => loadPluginSync(bundle)).toThrow(coded('ERR_DLOPEN', /NotElf\.so/));
  });

  it('a library that needs a library this machine lacks, named in the error', () => {
    const bundle = fakeBundle('NeedsMissing', 'x86_64-linux', (path) => {
      const source = join(scratch, 'needs.c');
      writeFileSync(source, 'int missing_dependency(void); int use(void) { return missing_dependency(); }\n');
      const dependency = join(scratch, 'libmixchain-gone.so');
      writeFileSync(join(scratch, 'gone.c'), 'int missing_dependency(void) { return 1; }\n');
      execFileSync('cc', ['-shared', '-fPIC', '-o', dependency, join(scratch, 'gone.c')]);
      execFileSync('cc', ['-shared', '-fPIC', '-o', path, source, `-L${scratch}`, '-lmixchain-gone']);
      rmSync(dependency);
    });
    expect(() => loadPluginSync(bundle)).toThrow(coded('ERR_DLOPEN', /libmixchain-gone\.so/));
  });

  it('a shared library that is not a VST3 module', () => {
    const bundle = fakeBundle('NoEntry', 'x86_64-linux', (path) => {
      writeFileSync(join(scratch, 'noentry.c'), 'int nothing(void) { return 0; }\n');
      execFileSync('cc', ['-shared', '-fPIC', '-o', path, join(scratch, 'noentry.c')]);
    });
    expect(() => loadPluginSync(bundle)).toThrow(coded('ERR_NOT_A_VST3_MODULE', /GetPluginFactory/));
  });

  it('a class name the bundle does not hold, or none when it holds several', () => {
    expect(() => loadPluginSync(testBundle, { className: 'Nope' })).toThrow(coded('ERR_NO_AUDIO_EFFECT', /'Nope'.*'Mixchain Gain'/));
    expect(() => loadPluginSync(testBundle)).toThrow(coded('ERR_CLASS_AMBIGUOUS', /className/));
  });

  it('sample rates and block sizes out of range', () => {
    for (const sampleRate of [0, -44100, 10_000_000]) {
      expect(() => loadPluginSync(testBundle, { className: 'Mixchain Gain', sampleRate })).toThrow(coded('ERR_INVALID_SAMPLE_RATE', /8000 and 384000.*got/));
    }
    expect(() => loadPluginSync(testBundle, { className: 'Mixchain Gain', sampleRate: Number.NaN })).toThrow(coded('ERR_INVALID_SAMPLE_RATE', /finite number/));
    for (const maxBlockSize of [0, 1000, 16384, -512]) {
      expect(() => loadPluginSync(testBundle, { className: 'Mixchain Gain', maxBlockSize })).toThrow(coded('ERR_INVALID_BLOCK_SIZE', /power of two.*got/));
    }
    expect(() => loadPluginSync(testBundle, { className: 'Mixchain Gain', maxBlockSize: 512.5 })).toThrow(coded('ERR_INVALID_BLOCK_SIZE', /integer/));
    expect(() => loadPluginSync(testBundle, { className: 'Mixchain Gain', channels: 6 as 2 })).toThrow(coded('ERR_CHANNELS', /1 or 2/));
  });

  it('a plugin that throws from setupProcessing', () => {
    expect(() => loadPluginSync(testBundle, { className: 'Mixchain Setup Throws' })).toThrow(coded('ERR_PLUGIN_THREW', /refuses every set-up/));
  });
});

describe('parameters', () => {
  const gain = loadPluginSync(testBundle, { className: 'Mixchain Gain' });
  open.push(gain);

  it('an unknown parameter lists the ones there are', () => {
    expect(() => gain.setParameter('Volume', 1)).toThrow(coded('ERR_PARAM_UNKNOWN', /'Gain'.*got 'Volume'/));
    expect(() => gain.getParameter(99)).toThrow(coded('ERR_PARAM_UNKNOWN'));
  });

  it('values out of range name the range', () => {
    expect(() => gain.setParameter('Gain', 30)).toThrow(coded('ERR_VALUE_OUT_OF_RANGE', /from -60.* to 24.* dB .*got 30/));
    expect(() => gain.setParameter('Gain', 1.5, { normalized: true })).toThrow(coded('ERR_VALUE_OUT_OF_RANGE', /0 to 1/));
    expect(() => gain.setParameter('Gain', Number.NaN)).toThrow(coded('ERR_VALUE_OUT_OF_RANGE'));
    expect(() => gain.automate('Gain', [{ sample: -5, value: 0 }])).toThrow(coded('ERR_VALUE_OUT_OF_RANGE', /-5/));
  });

  it('read-only and hidden parameters are listed but cannot be set', async () => {
    await using maxim = await loadPlugin('ZaMaximX2');
    const meter = maxim.parameters.find((p) => p.title === 'Gain Reduction');
    expect(meter).toMatchObject({ readOnly: true });
    expect(() => maxim.setParameter('Gain Reduction', 0)).toThrow(coded('ERR_PARAM_READ_ONLY', /read-only/));
    expect(() => maxim.setParameter('Buffer Size', 0)).toThrow(coded('ERR_PARAM_READ_ONLY'));
  });

  it('text a list parameter cannot show names the choices', () => {
    const misbehave = loadPluginSync(testBundle, { className: 'Mixchain Misbehave' });
    open.push(misbehave);
    expect(() => misbehave.setParameter('Fault', 'explode')).toThrow(coded('ERR_VALUE_INVALID', /'none', 'crash', 'hang', 'nan'.*got 'explode'/));
  });
});

describe('audio', () => {
  const gain = loadPluginSync(testBundle, { className: 'Mixchain Gain', maxBlockSize: 256 });
  open.push(gain);
  const chain = new Chain([gain]);

  it('wrong channel counts, lengths and types', () => {
    expect(() => chain.render([new Float32Array(100)])).toThrow(coded('ERR_CHANNELS', /2 channels/));
    expect(() => chain.render([new Float32Array(100), new Float32Array(99)])).toThrow(coded('ERR_CHANNELS', /equal length/));
    expect(() => chain.render([new Float64Array(100), new Float64Array(100)] as never)).toThrow(coded('ERR_CHANNELS', /Float32Array/));
    expect(() => gain.process([new Float32Array(100), new Float32Array(100)])).toThrow(coded('ERR_BLOCK_LENGTH', /multiple of the block size 256/));
  });

  it('a zero-length buffer', () => {
    expect(() => chain.render([new Float32Array(0), new Float32Array(0)])).toThrow(coded('ERR_EMPTY_INPUT', /at least one frame/));
    expect(() => gain.process([new Float32Array(0), new Float32Array(0)])).toThrow(coded('ERR_BLOCK_LENGTH'));
  });

  it('bad tails and slots', () => {
    expect(() => chain.render(testSignal(10), { tail: -1 })).toThrow(coded('ERR_INVALID_TAIL', /'auto'.*-1/));
    expect(() => chain.render(testSignal(10), { tail: 'forever' as 'auto' })).toThrow(coded('ERR_INVALID_TAIL'));
    expect(() => chain.setBypass(3, true)).toThrow(coded('ERR_SLOT_UNKNOWN', /from 0 to 0/));
  });

  it('an aborted render', () => {
    expect(() => chain.render(testSignal(10_000), { signal: AbortSignal.abort() })).toThrow(coded('ERR_ABORTED'));
  });

  it('NaN from a plugin fails the render and names the plugin', () => {
    const misbehave = loadPluginSync(testBundle, { className: 'Mixchain Misbehave', maxBlockSize: 256 });
    open.push(misbehave);
    misbehave.setParameter('Fault', 'nan');
    misbehave.setParameter('After', 0.1);
    expect(() => new Chain([gain, misbehave]).render(testSignal(44100))).toThrow(coded('ERR_NONFINITE_OUTPUT', /'Mixchain Misbehave' \(slot 1\) produced NaN at sample 4[0-9]{3}/));
  });

  it('chains of mismatched plugins, and closed plugins', () => {
    const other = loadPluginSync(testBundle, { className: 'Mixchain Gain', maxBlockSize: 512 });
    expect(() => new Chain([gain, other])).toThrow(coded('ERR_CHAIN_MISMATCH', /block 256.*block 512/));
    const chained = loadPluginSync(testBundle, { className: 'Mixchain Gain', maxBlockSize: 512 });
    const chain2 = new Chain([chained]);
    chained.close();
    expect(() => chain2.latencySamples).toThrow(coded('ERR_CLOSED', /Slot 0/));
    expect(() => chain2.render(testSignal(100))).toThrow(coded('ERR_CLOSED'));
    other.close();
    expect(() => other.getParameter('Gain')).toThrow(coded('ERR_CLOSED'));
    expect(() => new Chain([other])).toThrow(coded('ERR_CLOSED'));
    expect(() => new Chain([])).toThrow(coded('ERR_CHAIN_EMPTY'));
  });

  it('audio files that are missing, not audio, or asked for in formats we do not write', () => {
    expect(() => readAudio(join(scratch, 'missing.wav'))).toThrow(coded('ERR_FILE_NOT_FOUND'));
    const text = join(scratch, 'text.wav');
    writeFileSync(text, 'not audio');
    expect(() => readAudio(text)).toThrow(coded('ERR_AUDIO_DECODE', /text\.wav/));
    expect(() => writeAudio(join(scratch, 'out.xyz'), testSignal(10), 44100)).toThrow(coded('ERR_AUDIO_FORMAT', /wav, flac, mp3, ogg or opus.*'xyz'/));
    expect(() => writeAudio(join(scratch, 'out.flac'), testSignal(10), 44100, { sampleType: 'float' })).toThrow(coded('ERR_AUDIO_FORMAT'));
    expect(() => writeAudio(join(scratch, 'no-extension'), testSignal(10), 44100)).toThrow(coded('ERR_AUDIO_FORMAT', /got ''/));
  });

  it('the plugin still works after all of the above', () => {
    const result = chain.render(testSignal(1000));
    expect(result.channels[0]).toHaveLength(1000);
  });
});
