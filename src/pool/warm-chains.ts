// Warm chains for a render-pool worker: the chains a render used are kept, keyed by what they
// were loaded with (slots, rate, block size…), and handed to the next render that asks for the
// same; an LRU bound on the number of plugin instances closes the least recently used.
import { Chain, type ChainSlot } from '../host/chain.js';
import type { ChainSource } from '../mix/graph.js';
import type { PluginOptions } from '../host/plugin.js';

interface Idle {
  key: string;
  chain: Chain;
  lastUsed: number;
}

export class WarmChains implements ChainSource {
  private readonly idle: Idle[] = [];
  private readonly keys = new WeakMap<Chain, string>();
  private inUse = 0;
  private clock = 0;

  constructor(private readonly maxInstances: number) {}

  /** Plugin instances alive: idle and rendering. */
  get instances(): number {
    return this.inUse + this.idle.reduce((sum, i) => sum + i.chain.plugins.length, 0);
  }

  async acquire(slots: ChainSlot[], options: PluginOptions): Promise<Chain> {
    const key = JSON.stringify([slots, options]);
    const index = this.idle.findIndex((i) => i.key === key);
    const chain = index >= 0 ? this.idle.splice(index, 1)[0]!.chain : await Chain.load(slots, options);
    this.keys.set(chain, key);
    this.inUse += chain.plugins.length;
    return chain;
  }

  async release(chain: Chain, failed: boolean): Promise<void> {
    this.inUse -= chain.plugins.length;
    const key = this.keys.get(chain);
    // A chain whose render failed (a NaN, an abort mid-block) is not trusted with another.
    if (failed || key === undefined) {
      await chain.closeAsync();
      return;
    }
    this.idle.push({ key, chain, lastUsed: ++this.clock });
    // Re-activating a plugin that processed audio takes time (~40 ms for ZamVerb); done now,
    // after this render, the next one finds its chain fresh and starts at once.
    setImmediate(() => {
      if (this.idle.some((i) => i.chain === chain)) chain.reset();
    });
    await this.evict();
  }

  private async evict(): Promise<void> {
    const closing: Array<Promise<void>> = [];
    while (this.instances > this.maxInstances && this.idle.length > 0) {
      const oldest = this.idle.reduce((a, b) => (a.lastUsed <= b.lastUsed ? a : b));
      this.idle.splice(this.idle.indexOf(oldest), 1);
      closing.push(oldest.chain.closeAsync());
    }
    await Promise.all(closing);
  }
}
