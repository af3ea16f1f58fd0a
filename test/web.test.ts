// The web page in a real browser (Debian's chromium driven by playwright-core) against a real
// `mixchain serve` on loopback, as a singer uses it: key, a generated vocal and beat uploaded,
// waveforms drawn, a preview of a section that plays and reports its loudness (the figures being
// the API's own), the whole song mixed through the progress bar and downloaded byte for byte; a
// reload mid-mix finds the job again; the A/B player is loudness-matched and keeps its position;
// the API's errors are shown with what to do; every control has its name and works from the
// keyboard. Everything is awaited on what the page shows (DOM states, responses, downloads),
// never on sleeps. Screenshots of the main states land in test/artifacts/ (not committed).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeAudio } from '../src/audio/audio-file.js';
import { synthesizeBeat } from '../src/demo/material.js';
import { callApi, uploadThroughApi, type CallInit } from './fixtures/api-client.js';
import { DESKTOP, PHONE, launchBrowser, openPage, screenshot, type OpenPage } from './fixtures/browser.js';
import { killServers, startServe, until, type ServeProcess } from './fixtures/serve-process.js';
import { makeAudio, type AudioFixtures } from './fixtures/server.js';

// Rendering a minute of song takes seconds: long enough to be caught, and reloaded, mid-mix.
const LONG_BEAT_SECONDS = 60;
// The previewed section: 3 s inside the spoken vocal (about 4.4 s long).
const SECTION = { start: 0.5, length: 3 };

const scratch = mkdtempSync(join(tmpdir(), 'mixchain-web-'));
let audio: AudioFixtures;
let longBeat: string;
let notAudio: string;
let server: ServeProcess;
let key: string;
let browser: Browser;

// Pages opened by the running test, and the console errors it expects (the API's refusals,
// which chromium logs as failed loads); anything else the page logs as an error fails the test.
let opened: OpenPage[] = [];
let expectedErrors: RegExp[] = [];

const call = (path: string, init: Omit<CallInit, 'key'> = {}) => callApi(server.url, path, { ...init, key });
const uploadToServer = (path: string) => uploadThroughApi(server.url, path, key);

/** The key's newest job as the API reports it. */
async function newestJob(): Promise<any> {
  const { status, body } = await call('/jobs?limit=1');
  expect(status).toBe(200);
  expect(body.items).toHaveLength(1);
  return (await call(`/jobs/${body.items[0].id}`)).body;
}

async function open(viewport = DESKTOP): Promise<Page> {
  const handle = await openPage(browser, viewport);
  opened.push(handle);
  const response = await handle.page.goto(server.url);
  expect(response?.status()).toBe(200);
  return handle.page;
}

/** What the page says in its status and alert regions: the context of a failed wait. */
async function said(page: Page): Promise<string> {
  const texts = await page
    .locator('[role="status"], [role="alert"]')
    .allTextContents()
    .catch((error: Error) => [`(unreadable: ${error.message})`]);
  return texts.map((text) => text.trim()).filter(Boolean).join(' | ');
}

/** `until`, naming what the page said when it times out. */
async function waitOn<T>(page: Page, what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  return until(what, probe, timeoutMs).catch(async (error: Error) => {
    throw new Error(`${error.message}; the page says: ${await said(page)}`);
  });
}

/** A figure or readout as a number (one decimal, possibly with a typographic minus), NaN when it shows none. */
function numberIn(text: string | null): number {
  const match = /[-\u2212]?\d+(?:\.\d+)?/.exec(text ?? '');
  return match ? Number(match[0].replace('\u2212', '-')) : Number.NaN;
}

const readout = async (page: Page, testId: string) => numberIn(await page.getByTestId(testId).textContent());

const progressOf = (page: Page, name: string) =>
  page.getByRole('progressbar', { name, exact: true }).evaluate((bar) => (bar instanceof HTMLProgressElement ? bar.value : Number(bar.getAttribute('aria-valuenow'))));

const statusSays = async (page: Page, words: RegExp) => (await page.getByRole('status').allTextContents()).some((text) => words.test(text));

async function enterKey(page: Page, value = key): Promise<void> {
  await page.getByLabel('API key', { exact: true }).fill(value);
}

/** Chooses the files and waits until both are uploaded and drawn from the server's peaks. */
async function uploadBoth(page: Page, vocal: string, beat: string): Promise<void> {
  await page.getByLabel('Vocal', { exact: true }).setInputFiles(vocal);
  await page.getByLabel('Beat', { exact: true }).setInputFiles(beat);
  await waitOn(page, 'both uploads to reach 100', async () => (await progressOf(page, 'Vocal upload')) === 100 && (await progressOf(page, 'Beat upload')) === 100, 60_000);
  await waitOn(page, 'both waveforms to be drawn', async () => (await page.locator('[data-testid^="waveform-"][data-drawn="true"]').count()) === 2);
}

/** Sets the previewed section as a user types it (length first: the preselection may end at the vocal's end). */
async function chooseSection(page: Page, section = SECTION): Promise<void> {
  for (const [name, value] of [['Section length', section.length], ['Section start', section.start]] as const) {
    const input = page.getByRole('spinbutton', { name, exact: true });
    await input.fill(String(value));
    await input.press('Tab');
  }
  // Kept as typed: the section fits in the vocal.
  expect(Number(await page.getByRole('spinbutton', { name: 'Section start', exact: true }).inputValue())).toBe(section.start);
  expect(Number(await page.getByRole('spinbutton', { name: 'Section length', exact: true }).inputValue())).toBe(section.length);
}

/** Clicks Preview and waits for the figures; returns the API's record of the preview job. */
async function preview(page: Page): Promise<any> {
  const answered = page.waitForResponse((response) => isPost(response, '/api/v1/mix'), { timeout: 60_000 });
  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  expect((await answered).status()).toBe(200);
  await waitOn(page, 'the figures to show numbers', async () => Number.isFinite(await readout(page, 'fig-lufs-mixed')) && Number.isFinite(await readout(page, 'fig-lufs-original')));
  const job = await newestJob();
  expect(job.report.preview).toMatchObject({ start: SECTION.start, duration: SECTION.length });
  return job;
}

const isPost = (response: Response, path: string) => response.request().method() === 'POST' && new URL(response.url()).pathname === path;

/** Waits until the Mix progress bar reaches 100 and a status region says the job completed. */
async function mixCompletes(page: Page, timeoutMs = 120_000): Promise<void> {
  await waitOn(page, 'the mix to complete', async () => (await progressOf(page, 'Mix progress')) === 100 && (await statusSays(page, /complete/i)), timeoutMs);
}

/** Screenshots at desktop and phone width; at phone width nothing may overflow sideways. */
async function screenshots(page: Page, state: string): Promise<void> {
  await screenshot(page, state);
  await page.setViewportSize(PHONE);
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, window: window.innerWidth }));
  expect(widths.scroll, `the page is wider than a phone's screen in state ${state}`).toBeLessThanOrEqual(widths.window);
  await screenshot(page, state);
  await page.setViewportSize(DESKTOP);
}

beforeAll(async () => {
  audio = await makeAudio(6);
  longBeat = join(audio.folder, 'long-beat.wav');
  writeAudio(longBeat, synthesizeBeat(LONG_BEAT_SECONDS), 44100, { sampleType: 'pcm16' });
  // Named as audio, so that it is the server's sniffing, not the page's, that refuses it.
  notAudio = join(audio.folder, 'take.wav');
  writeFileSync(notAudio, 'These are the lyrics, not a recording of them.\n'.repeat(200));
  // No waiting room for synchronous mixes (MIXCHAIN_SYNC_QUEUE=0): one running preview or mix
  // fills the server, which is how the busy server's 503 is made below.
  [server, browser] = await Promise.all([startServe(join(scratch, 'data'), { workers: 1, env: { MIXCHAIN_SYNC_QUEUE: '0' } }), launchBrowser()]);
  key = server.firstKey!;
  expect(key).toBeTruthy();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await killServers();
  audio?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => {
  opened = [];
  expectedErrors = [];
});

afterEach(async () => {
  const problems = opened.flatMap((handle) => handle.problems).filter((problem) => !expectedErrors.some((expected) => expected.test(problem)));
  await Promise.all(opened.map((handle) => handle.close()));
  expect(problems, 'console errors, CSP violations or uncaught exceptions on the page').toEqual([]);
});

describe('the web page in chromium', () => {
  it('is served at / with a Content-Security-Policy that allows no inline or foreign script, and has no inline script', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const policy = response.headers.get('content-security-policy');
    expect(policy).toBeTruthy();
    const directives = new Map(policy!.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name!, values]));
    const scriptSrc = directives.get('script-src') ?? directives.get('default-src');
    expect(scriptSrc).toEqual(["'self'"]);
    const html = await response.text();
    // Every script is a file of the page's; no handler is written in an attribute.
    expect(html.match(/<script\b(?![^>]*\bsrc=)[^>]*>/gi) ?? []).toEqual([]);
    expect(html.match(/\son[a-z]+\s*=/gi) ?? []).toEqual([]);
  });

  it('takes a key, uploads a vocal and beat, previews a section with the API figures, plays it, mixes the song and downloads the same bytes as the API', async () => {
    const page = await open();
    await enterKey(page);
    await uploadBoth(page, audio.vocalWav, audio.beatWav);
    await chooseSection(page);

    const job = await preview(page);
    const { master, original, loudness, renderSeconds } = job.report;
    // The default target is streaming loudness, and the preview reaches it.
    expect(loudness.targetLufs).toBe(-14);
    expect(Math.abs((await readout(page, 'fig-lufs-mixed')) - -14)).toBeLessThanOrEqual(1);
    // Every figure is the API's, rounded to one decimal.
    const expected: Record<string, number> = {
      'fig-lufs-original': original.integratedLufs,
      'fig-lufs-mixed': master.integratedLufs,
      'fig-tp-original': original.truePeakDbtp,
      'fig-tp-mixed': master.truePeakDbtp,
      'fig-lra-original': original.rangeLu,
      'fig-lra-mixed': master.rangeLu,
      'fig-target': loudness.targetLufs,
      'fig-render-time': renderSeconds,
    };
    for (const [testId, value] of Object.entries(expected)) {
      const shown = await readout(page, testId);
      expect(Math.abs(shown - value), `${testId} shows ${shown}, the API says ${value}`).toBeLessThanOrEqual(0.051);
    }

    // The preview plays: the player's clock and meter advance.
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await waitOn(page, 'the meter to measure', async () => (await readout(page, 'meter-seconds')) > 0);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();

    await page.getByRole('button', { name: 'Mix', exact: true }).click();
    await mixCompletes(page);
    const mix = await newestJob();
    expect(mix).toMatchObject({ status: 'completed', result: { format: 'wav' } });
    expect(mix.report.preview).toBeNull();

    const downloadButton = page.getByRole('button', { name: 'Download WAV', exact: true }).or(page.getByRole('link', { name: 'Download WAV', exact: true }));
    const [download] = await Promise.all([page.waitForEvent('download'), downloadButton.click()]);
    const saved = await download.path();
    expect(download.suggestedFilename()).toMatch(/\.wav$/);
    const fromApi = await fetch(`${server.url}/api/v1/jobs/${mix.id}/result?redirect=false`, { headers: { authorization: `Bearer ${key}` } });
    expect(fromApi.status).toBe(200);
    const bytes = await readFile(saved);
    expect(bytes.length).toBe(mix.result.size);
    expect(bytes.equals(Buffer.from(await fromApi.arrayBuffer()))).toBe(true);
  }, 120_000);

  it('A/B: loudness-matched original and mix measure the same in the page, unmatched they differ by the report; switching keeps the position', async () => {
    const page = await open();
    await enterKey(page);
    await uploadBoth(page, audio.vocalWav, audio.beatWav);
    await chooseSection(page);
    const { report } = await preview(page);
    const difference = report.master.integratedLufs - report.original.integratedLufs;
    const matching = page.getByRole('checkbox', { name: 'Match loudness', exact: true });
    expect(await matching.isChecked()).toBe(true);

    const position = () => readout(page, 'position');
    // Switches between original and mix mid-loop (away from its end, where the position wraps to
    // the start) and checks the position went on from where it was.
    const switchTo = async (name: 'Original' | 'Mixed') => {
      await waitOn(page, 'the playback position to be mid-loop', async () => {
        const at = await position();
        // Whether the position counts from the section's start or from the vocal's, 0.8-1.9 s is
        // at least a second before the loop's end.
        return at >= 0.8 && at <= 1.9;
      });
      const before = await position();
      await page.getByRole('radio', { name, exact: true }).check();
      const after = await position();
      expect(after, `the position jumped back switching to ${name}`).toBeGreaterThanOrEqual(before);
      expect(after, `the position jumped ahead switching to ${name}`).toBeLessThan(before + 0.5);
    };
    // What the page's meter reads over one loop of the section, measured after a switch (which resets it).
    const measure = async (what: string) => {
      await waitOn(page, `the meter to reset for ${what}`, async () => (await readout(page, 'meter-seconds')) < SECTION.length);
      await waitOn(page, `a loop of ${what} to be measured`, async () => (await readout(page, 'meter-seconds')) >= SECTION.length, 20_000);
      const lufs = await readout(page, 'meter-lufs');
      expect(Number.isFinite(lufs), `the meter reads ${lufs} for ${what}`).toBe(true);
      return lufs;
    };

    await page.getByRole('radio', { name: 'Original', exact: true }).check();
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    const matchedOriginal = await measure('the matched original');
    await switchTo('Mixed');
    const matchedMix = await measure('the matched mix');
    // Soft: the rest (unmatched levels, positions) is still measured when this fails.
    expect.soft(Math.abs(matchedMix - matchedOriginal), `matched: original ${matchedOriginal}, mix ${matchedMix} (the report: original ${report.original.integratedLufs}, mix ${report.master.integratedLufs})`).toBeLessThanOrEqual(0.5);

    await matching.uncheck();
    await switchTo('Original');
    const original = await measure('the unmatched original');
    await switchTo('Mixed');
    const mixed = await measure('the unmatched mix');
    expect(Math.abs(mixed - original - difference), `unmatched: original ${original}, mix ${mixed}, the report's difference ${difference}`).toBeLessThanOrEqual(0.5);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
  }, 120_000);

  it('mixes a long song through its states (screenshots at desktop and phone width) and a reload mid-mix follows the same job to its end', async () => {
    const page = await open();
    await screenshots(page, 'empty');
    await enterKey(page);
    await uploadBoth(page, audio.vocalWav, longBeat);
    await screenshots(page, 'uploaded');
    await chooseSection(page);
    await preview(page);
    await screenshots(page, 'preview');

    const submitted = page.waitForResponse((response) => isPost(response, '/api/v1/jobs'));
    await page.getByRole('button', { name: 'Mix', exact: true }).click();
    expect((await submitted).status()).toBe(202);
    await waitOn(page, 'the mix to make progress', async () => (await progressOf(page, 'Mix progress')) > 0 || (await statusSays(page, /decoding|vocal|buses|master|loudness|encoding|storing/i)));
    const job = await newestJob();
    expect(job.report?.preview ?? null).toBeNull();
    expect(job.status, 'the mix ended before the reload: the test would prove nothing').toBe('processing');

    await page.reload();
    // The page finds the running job again: its id is shown, in the status or the recent jobs.
    await waitOn(page, 'the reloaded page to show the running job', async () => {
      const texts = [...(await page.getByRole('status').allTextContents()), ...(await page.getByRole('list', { name: 'Recent jobs', exact: true }).allTextContents())];
      return texts.some((text) => text.includes(job.id) || text.includes(job.id.slice(0, 8)));
    });
    await waitOn(page, 'the reloaded page to show progress', async () => (await progressOf(page, 'Mix progress')) > 0);
    await screenshots(page, 'mix-in-progress');
    await mixCompletes(page);
    await screenshots(page, 'mix-done');
    // Followed, not submitted again.
    expect((await newestJob()).id).toBe(job.id);
    expect((await call(`/jobs/${job.id}`)).body.status).toBe('completed');
  }, 180_000);

  it('names every control as the contract says, each one visible (or labelled by a visible label), and Mix works from the keyboard', async () => {
    const page = await open();
    await enterKey(page);
    await uploadBoth(page, audio.vocalWav, audio.beatWav);
    await chooseSection(page);
    await preview(page);

    const mix = page.getByRole('button', { name: 'Mix', exact: true });
    const submitted = page.waitForResponse((response) => isPost(response, '/api/v1/jobs'));
    await mix.focus();
    await page.keyboard.press('Enter');
    expect((await submitted).status()).toBe(202);
    await mixCompletes(page);

    const label = (name: string) => page.getByLabel(name, { exact: true });
    const role = (kind: Parameters<Page['getByRole']>[0], name: string) => page.getByRole(kind, { name, exact: true });
    const download = (name: string) => role('button', name).or(role('link', name));
    const controls: Array<[string, Locator]> = [
      ['API key', label('API key')],
      ['Vocal', label('Vocal')],
      ['Beat', label('Beat')],
      ['Reverb', role('combobox', 'Reverb')],
      ['Doubler', role('checkbox', 'Doubler')],
      ['Robot', role('checkbox', 'Robot')],
      ['Vocal gain', role('spinbutton', 'Vocal gain')],
      ['Beat gain', role('spinbutton', 'Beat gain')],
      ['Loudness target', role('combobox', 'Loudness target')],
      ['Loudness target (LUFS)', role('spinbutton', 'Loudness target (LUFS)')],
      ['Section start', role('spinbutton', 'Section start')],
      ['Section length', role('spinbutton', 'Section length')],
      ['Preview', role('button', 'Preview')],
      ['Mix', role('button', 'Mix')],
      ['Play', role('button', 'Play')],
      ['Original', role('radio', 'Original')],
      ['Mixed', role('radio', 'Mixed')],
      ['Match loudness', role('checkbox', 'Match loudness')],
      ['Download WAV', download('Download WAV')],
      ['Download FLAC', download('Download FLAC')],
      ['Download MP3', download('Download MP3')],
      ['Vocal upload', role('progressbar', 'Vocal upload')],
      ['Beat upload', role('progressbar', 'Beat upload')],
      ['Mix progress', role('progressbar', 'Mix progress')],
      ['Recent jobs', role('list', 'Recent jobs')],
    ];
    const missing: string[] = [];
    for (const [name, locator] of controls) {
      const count = await locator.count();
      if (count !== 1) {
        missing.push(`${name}: ${count} elements`);
        continue;
      }
      // A file input or checkbox may be hidden behind its label (the drop zone): the label is what is seen.
      const seen = await locator.evaluate((element) => {
        const visible = (e: Element) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
        return visible(element) || Array.from((element as HTMLInputElement).labels ?? []).some(visible);
      });
      if (!seen) missing.push(`${name}: not visible`);
    }
    expect(missing).toEqual([]);
    // The recent jobs list reopens each job by a named button.
    expect(await role('list', 'Recent jobs').getByRole('button', { name: /^Open \S+$/ }).count()).toBeGreaterThan(0);
  }, 120_000);

  it("shows the API's errors with what to do: a file that is not audio, a wrong key, a busy server's Retry-After", async () => {
    // The refusals themselves are logged by chromium as failed loads; nothing else may be.
    expectedErrors = [/Failed to load resource: the server responded with a status of (401|415|503)/];

    const notAudioPage = await open();
    await enterKey(notAudioPage);
    const refused = notAudioPage.waitForResponse((response) => isPost(response, '/api/v1/uploads/media'));
    await notAudioPage.getByLabel('Vocal', { exact: true }).setInputFiles(notAudio);
    const notAudioAnswer = await refused;
    expect(notAudioAnswer.status()).toBe(415);
    const notAudioProblem = (await notAudioAnswer.json()) as { detail: string; code: string };
    expect(notAudioProblem.code).toBe('ERR_NOT_AUDIO');
    const alert = (page: Page) => page.getByRole('alert');
    await waitOn(notAudioPage, 'the alert about the file', async () => {
      const text = (await alert(notAudioPage).textContent()) ?? '';
      return text.includes(notAudioProblem.detail) && /choose an audio file/i.test(text);
    });

    const wrongKeyPage = await open();
    // Whichever call the page makes first with the key (it may check it as soon as it is typed).
    const unauthorized = wrongKeyPage.waitForResponse((response) => response.url().includes('/api/v1/') && response.status() === 401);
    await enterKey(wrongKeyPage, `${key.slice(0, -4)}xxxx`);
    await wrongKeyPage.getByLabel('Vocal', { exact: true }).setInputFiles(audio.vocalWav);
    const unauthorizedProblem = (await (await unauthorized).json()) as { detail: string };
    await waitOn(wrongKeyPage, 'the alert about the key', async () => {
      const text = (await alert(wrongKeyPage).textContent()) ?? '';
      return text.includes(unauthorizedProblem.detail) && /check the key/i.test(text);
    });

    // The server full: its one place for a synchronous mix taken by a long one sent through the
    // API; the page's preview is turned away at once, and the page says when to retry.
    const busyPage = await open();
    await enterKey(busyPage);
    await uploadBoth(busyPage, audio.vocalWav, audio.beatWav);
    await chooseSection(busyPage);
    const [vocal, beat] = [await uploadToServer(audio.vocalWav), await uploadToServer(longBeat)];
    const occupying = new AbortController();
    const occupied = fetch(`${server.url}/api/v1/mix`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ vocal, beat }),
      signal: occupying.signal,
    }).catch(() => null);
    const busyWorkers = async () => Number(/^mixchain_pool_workers\{state="busy"\} (\d+)/m.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1] ?? 0);
    try {
      await until('the long synchronous mix to be rendering', async () => (await busyWorkers()) === 1);
      const turnedAway = busyPage.waitForResponse((response) => isPost(response, '/api/v1/mix'));
      await busyPage.getByRole('button', { name: 'Preview', exact: true }).click();
      const busy = await turnedAway;
      expect(busy.status()).toBe(503);
      const busyProblem = (await busy.json()) as { detail: string; code: string };
      expect(busyProblem.code).toBe('ERR_OVERLOADED');
      const retryAfter = Number(busy.headers()['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      await waitOn(busyPage, 'the alert about the busy server', async () => {
        const text = (await alert(busyPage).textContent()) ?? '';
        return text.includes(busyProblem.detail) && new RegExp(`retry in ${retryAfter} s`, 'i').test(text);
      });
    } finally {
      // Its client gone, the long mix stops, and the worker is free for whatever runs next.
      occupying.abort();
      await occupied;
      await until('the worker to be free', async () => (await busyWorkers()) === 0);
    }
  }, 120_000);
});
