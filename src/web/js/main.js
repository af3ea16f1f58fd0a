// The page's wiring: the key, the two tracks and the section, Preview (a synchronous mix of the
// section) and Mix (a job), and what a finished mix feeds: the figures, the downloads and the A/B
// player, whose "original" is rebuilt here from the user's own files.
import { apiFetch, apiJson, getInfo, getKey, setKey } from './api.js';
import { decodeBytes, decodeFile } from './audio.js';
import { readOptions, setUpLoudness } from './controls.js';
import { Downloads, resultPath } from './downloads.js';
import { clearFigures, showFigures } from './figures.js';
import { JobTracker, forgetJob, rememberedJob } from './job.js';
import { clearAlert, clearKeyAlert, say, showError, UserError } from './messages.js';
import { buildOriginal } from './original.js';
import { $, isUnavailable, setUnavailable } from './dom.js';
import { ABPlayer } from './player.js';
import { refreshRecent, shortId } from './recent.js';
import { loudestSection, MAX_SECTION_SECONDS, sectionInputs } from './section.js';
import { Track } from './tracks.js';

const seconds = (s) => `${s.toFixed(1)} s`;

let info = null;
/** The Files behind this page's uploads, by upload id: what the original is built from. */
const localFiles = new Map();
/** What the player holds: { jobId, report, options, mixed } (mixed: the decoded result). */
let current = null;
let previewing = false;
let submitting = false;

// ---- tracks and section -------------------------------------------------------------------

const section = sectionInputs({ startInput: $('section-start'), lengthInput: $('section-length'), onChange: () => sectionMoved() });

function trackElements(name) {
  return {
    input: $(`${name}-file`),
    drop: document.querySelector(`[data-drop="${name}"]`),
    progress: $(`${name}-progress`),
    info: $(`${name}-info`),
    waveform: document.querySelector(`[data-testid="waveform-${name}"]`),
  };
}

const vocal = new Track('Vocal', trackElements('vocal'), {
  limits: () => info?.limits,
  section: (upload) => {
    const { start, length } = loudestSection(upload.peaks, upload.durationSeconds);
    return { start, end: start + length, maxLength: MAX_SECTION_SECONDS, onChange: (s, e) => section.fromRegion(s, e) };
  },
  onWaveform: (waveform) => section.reset(vocal.upload.durationSeconds, loudestSection(vocal.upload.peaks, vocal.upload.durationSeconds), waveform),
  onChange: tracksChanged,
});
const beat = new Track('Beat', trackElements('beat'), { limits: () => info?.limits, onChange: tracksChanged });

function tracksChanged() {
  for (const track of [vocal, beat]) if (track.upload) localFiles.set(track.upload.id, track.file);
  if (!vocal.upload) section.clear();
  updateAvailability();
}

// ---- what can be used when -----------------------------------------------------------------

function updateAvailability() {
  const keyed = getKey() !== '';
  const uploading = vocal.busy || beat.busy;
  $('tracks').disabled = !keyed;
  $('controls').disabled = !keyed;
  $('section').disabled = !keyed || !vocal.upload;
  $('actions').disabled = !keyed;
  setUnavailable($('preview'), !vocal.upload || uploading || previewing);
  setUnavailable($('mix'), !vocal.upload || uploading || submitting || jobs.running);
}

// ---- the key -------------------------------------------------------------------------------

let keyTimer = null;
$('api-key').value = getKey();
$('api-key').addEventListener('input', () => {
  setKey($('api-key').value.trim());
  updateAvailability();
  clearTimeout(keyTimer);
  // Checked against the server once typing stops: the recent list needs a valid key.
  keyTimer = setTimeout(() => {
    if (getKey()) {
      say('');
      updateRecent();
      resumeRemembered();
    }
  }, 600);
});

// ---- results into the player ----------------------------------------------------------------

const player = new ABPlayer({
  playButton: $('play'),
  originalRadio: $('ab-original'),
  mixedRadio: $('ab-mixed'),
  matchBox: $('match'),
  position: $('position'),
  note: $('original-note'),
  what: $('player-what'),
  meter: { lufs: $('meter-lufs'), seconds: $('meter-seconds') },
});

const jobs = new JobTracker({
  progressBar: $('mix-progress'),
  stageText: $('mix-stage'),
  onFinished: (job) => jobFinished(job),
  onFollowing: () => {
    updateAvailability();
    if (jobs.running) say(`Following mix ${shortId(jobs.jobId)}: you may close this page and come back.`);
  },
});

const downloads = new Downloads([...document.querySelectorAll('button[data-format]')], $('download-what'));

/** The user's Files for a mix's inputs, or null when the page no longer has them. */
function filesFor(options) {
  const vocalFile = localFiles.get(options?.vocal);
  const beatFile = options?.beat ? localFiles.get(options.beat) : null;
  if (!vocalFile || (options?.beat && !beatFile)) return null;
  return { vocal: vocalFile, beat: beatFile };
}

/**
 * The gains each track was mixed at: the report's own when it names them per track (they include
 * the recipe's), else the ones the user chose.
 */
function gainsOf(report, options) {
  const reported = (name) => report?.tracks?.find((track) => track.name === name)?.gainDb;
  const vocalGainDb = reported('vocal');
  const beatGainDb = reported('beat');
  return {
    vocalGainDb: Number.isFinite(vocalGainDb) ? vocalGainDb : (options?.vocalGainDb ?? 0),
    beatGainDb: Number.isFinite(beatGainDb) ? beatGainDb : (options?.beatGainDb ?? 0),
  };
}

/** The original over [loop.start, loop.end) at the mix's gains, or null without the files. */
async function originalFor(report, options, loop) {
  const files = filesFor(options);
  if (!files) return null;
  const [vocalBuffer, beatBuffer] = await Promise.all([decodeFile(files.vocal), files.beat ? decodeFile(files.beat) : null]);
  return buildOriginal({ vocal: vocalBuffer, beat: beatBuffer }, { start: loop.start, length: loop.end - loop.start, ...gainsOf(report, options) });
}

/** A full mix loops the chosen section (within the mix); without one, the whole mix. */
function loopForFullMix(duration) {
  const { start, length } = section.value;
  if (!(length > 0) || start >= duration) return { start: 0, end: duration };
  return { start, end: Math.min(duration, start + length) };
}

async function loadResult(jobId, report, options) {
  say('Loading the result into the player…');
  const bytes = await (await apiFetch(resultPath(jobId, 'wav'))).arrayBuffer();
  const mixed = await decodeBytes(bytes);
  const preview = report?.preview ?? null;
  const loop = preview ? { start: preview.start, end: preview.start + preview.duration } : loopForFullMix(mixed.duration);
  let original = null;
  let note = '';
  try {
    original = await originalFor(report, options, loop);
    if (!original) note = 'Original is not available: this page no longer has the files the mix was made from (after a reload, choose them again and preview).';
  } catch (error) {
    note = `Original is not available: your browser could not decode the files (${error?.message ?? error}).`;
  }
  if (!report?.original) note = `${note} The server reported no loudness for the original, so Match loudness has nothing to match.`.trim();
  current = { jobId, report, options, mixed, preview };
  const what = preview ? `Preview ${shortId(jobId)}: ${seconds(loop.start)} to ${seconds(loop.end)}, looped.` : `Mix ${shortId(jobId)}: looping ${seconds(loop.start)} to ${seconds(loop.end)} of ${seconds(mixed.duration)}.`;
  player.load({
    mixed: { buffer: mixed, start: preview ? preview.start : 0 },
    original: original && { buffer: original, start: loop.start },
    loop,
    loudness: { original: report?.original?.integratedLufs ?? null, mixed: report?.master?.integratedLufs ?? null },
    note,
    what,
  });
  say(`${preview ? 'Preview' : 'Mix'} ready: press Play to listen, and switch between Original and Mixed.`);
}

/** Moving the section while a full mix is loaded moves its loop (and rebuilds the original). */
let loopTimer = null;
function sectionMoved() {
  if (!current || current.preview) return;
  clearTimeout(loopTimer);
  loopTimer = setTimeout(async () => {
    const loop = loopForFullMix(current.mixed.duration);
    const original = await originalFor(current.report, current.options, loop).catch(() => null);
    player.setLoop(loop, original && { buffer: original, start: loop.start });
    player.describe(`Mix ${shortId(current.jobId)}: looping ${seconds(loop.start)} to ${seconds(loop.end)} of ${seconds(current.mixed.duration)}.`);
  }, 250);
}

function showResult(jobId, report, what) {
  showFigures(report);
  downloads.offer(jobId, what);
}

// ---- Preview ------------------------------------------------------------------------------

function mixInputs() {
  if (!vocal.upload) throw new UserError('Choose a vocal first.');
  return { vocal: vocal.upload.id, ...(beat.upload ? { beat: beat.upload.id } : {}) };
}

$('preview').addEventListener('click', async () => {
  if (isUnavailable($('preview'))) return;
  clearAlert();
  let body;
  try {
    const { start, length } = section.value;
    body = { ...mixInputs(), ...readOptions(), start: Number(start.toFixed(3)), duration: Number(length.toFixed(3)), format: 'wav' };
  } catch (error) {
    showError(error);
    return;
  }
  previewing = true;
  updateAvailability();
  say(`Rendering the preview of ${seconds(body.start)} to ${seconds(body.start + body.duration)}…`);
  // The local files decode while the server renders.
  const files = filesFor(body);
  if (files) for (const file of Object.values(files)) if (file) decodeFile(file).catch(() => {});
  try {
    const answer = await apiJson('/mix', { method: 'POST', body });
    showResult(answer.jobId, answer.report, `The preview (${seconds(body.start)} to ${seconds(body.start + body.duration)}), job ${shortId(answer.jobId)}.`);
    await loadResult(answer.jobId, answer.report, body);
    updateRecent();
  } catch (error) {
    say('');
    showError(error, 'The preview');
  } finally {
    previewing = false;
    updateAvailability();
  }
});

// ---- Mix ----------------------------------------------------------------------------------

async function jobFinished(job) {
  updateAvailability();
  updateRecent();
  if (job.status === 'completed') {
    const kind = job.report?.preview ? 'The preview' : 'The mix';
    showResult(job.id, job.report, `${kind}, job ${shortId(job.id)}.`);
    try {
      await loadResult(job.id, job.report, job.options);
    } catch (error) {
      showError(error, 'Loading the result');
    }
    return;
  }
  if (job.status === 'failed') {
    const reason = job.error?.message ?? 'no reason given';
    showError(new UserError(`Mix ${shortId(job.id)} failed: ${reason.replace(/\.?$/, '.')} Check the files and the settings, then press Mix again.`));
    return;
  }
  say(`Mix ${shortId(job.id)} was cancelled.`);
}

async function follow(start) {
  updateAvailability();
  try {
    await start();
  } catch (error) {
    showError(error, 'The mix');
    $('mix-stage').textContent = '';
  } finally {
    updateAvailability();
  }
}

$('mix').addEventListener('click', async () => {
  if (isUnavailable($('mix'))) return;
  clearAlert();
  let body;
  try {
    body = { ...mixInputs(), ...readOptions(), format: 'wav' };
  } catch (error) {
    showError(error);
    return;
  }
  submitting = true;
  say('Sending the mix…');
  await follow(() =>
    jobs
      .submit(body, () => {
        submitting = false;
        updateRecent();
      })
      .finally(() => {
        submitting = false;
      }),
  );
});

/** On load (and when a key is entered), the job this browser last followed. */
let resumed = false;
function resumeRemembered() {
  const id = rememberedJob();
  if (resumed || !id || !getKey()) return;
  resumed = true;
  say(`Looking for mix ${shortId(id)}, the one this browser last followed…`);
  follow(async () => {
    try {
      await jobs.open(id);
    } catch (error) {
      // Gone (expired, deleted, another key): nothing to resume.
      if (error?.status === 404) {
        forgetJob();
        say('');
        $('mix-stage').textContent = '';
        return;
      }
      resumed = false;
      throw error;
    }
  });
}

// ---- recent jobs ---------------------------------------------------------------------------

function updateRecent() {
  if (!getKey()) return;
  refreshRecent($('recent'), (id) => {
    clearAlert();
    say(`Opening job ${shortId(id)}…`);
    follow(() => jobs.open(id));
  })
    .then(clearKeyAlert)
    .catch((error) => showError(error, 'Listing the recent jobs'));
}

// ---- start ---------------------------------------------------------------------------------

async function start() {
  clearFigures();
  updateAvailability();
  try {
    info = await getInfo();
  } catch (error) {
    showError(error, 'Reading the server’s limits');
  }
  setUpLoudness(info?.loudnessPresets ?? null);
  if (getKey()) {
    updateRecent();
    resumeRemembered();
  } else {
    say('Enter your API key to begin.');
    $('api-key').focus();
  }
}

start();
