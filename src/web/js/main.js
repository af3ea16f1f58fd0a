// The page's wiring: the key, the two tracks and the section, Preview (a synchronous mix of the
// section) and Mix (a job), the recent jobs, and the results they feed (results.js).
import { apiJson, getInfo, getKey, setKey } from './api.js';
import { decodeFile } from './audio.js';
import { readOptions, setUpLoudness, setUpReverb } from './controls.js';
import { Downloads } from './downloads.js';
import { forgetJob, isRunning, JobTracker, rememberedJob } from './job.js';
import { clearAlert, clearKeyAlert, say, showError, UserError } from './messages.js';
import { $, isUnavailable, setUnavailable } from './dom.js';
import { ABPlayer } from './player.js';
import { refreshRecent, shortId } from './recent.js';
import { Results } from './results.js';
import { loudestSection, MAX_SECTION_SECONDS, sectionInputs } from './section.js';
import { Track } from './tracks.js';

const seconds = (s) => `${s.toFixed(1)} s`;

let info = null;
let previewing = false;
let submitting = false;

// ---- tracks and section -------------------------------------------------------------------

const section = sectionInputs({ startInput: $('section-start'), lengthInput: $('section-length'), onChange: () => results.sectionMoved() });

function trackElements(name) {
  return {
    input: $(`${name}-file`),
    drop: document.querySelector(`[data-drop="${name}"]`),
    progress: $(`${name}-progress`),
    info: $(`${name}-info`),
    waveform: document.querySelector(`[data-testid="waveform-${name}"]`),
    remove: $(`${name}-remove`),
  };
}

// The tracks are disabled only while there is no key.
const unavailable = () => 'Enter your API key first: the tracks take files once it is in.';

const vocal = new Track('Vocal', trackElements('vocal'), {
  limits: () => info?.limits,
  // Preselected once per upload, then drawn as the region and set in the inputs (onWaveform).
  section: (upload) => {
    const { start, length } = loudestSection(upload.peaks, upload.durationSeconds);
    return { start, end: start + length, maxLength: MAX_SECTION_SECONDS, onChange: (s, e) => section.fromRegion(s, e) };
  },
  onWaveform: (waveform, region) => section.reset(vocal.upload.durationSeconds, { start: region.start, length: region.end - region.start }, waveform),
  onChange: tracksChanged,
  unavailable,
});
const beat = new Track('Beat', trackElements('beat'), { limits: () => info?.limits, onChange: tracksChanged, unavailable });

function tracksChanged() {
  if (!vocal.upload) section.clear();
  updateAvailability();
}

/** The File behind one of the current uploads. */
function trackFile(id) {
  return [vocal, beat].find((track) => track.upload?.id === id)?.file ?? null;
}

// ---- results and the job ------------------------------------------------------------------

const player = new ABPlayer({
  playButton: $('play'),
  versions: $('ab'),
  originalRadio: $('ab-original'),
  mixedRadio: $('ab-mixed'),
  matchBox: $('match'),
  position: $('position'),
  note: $('original-note'),
  what: $('player-what'),
  meter: { lufs: $('meter-lufs'), seconds: $('meter-seconds') },
});

const downloads = new Downloads([...document.querySelectorAll('button[data-format]')], $('download-what'));
const results = new Results({ player, downloads, trackFile, section: () => section.value });

const jobs = new JobTracker({
  progressBar: $('mix-progress'),
  stageText: $('mix-stage'),
  onFinished: (job) => jobFinished(job),
  onFollowing: () => {
    updateAvailability();
    if (jobs.running) say(`Following mix ${shortId(jobs.jobId)}: you may close this page and come back.`);
  },
});

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
/** The key the page's state belongs to: the last one typing stopped at. */
let settledKey = getKey();
$('api-key').value = settledKey;
$('api-key').addEventListener('input', () => {
  setKey($('api-key').value.trim());
  updateAvailability();
  clearTimeout(keyTimer);
  // Acted on once typing stops: the recent list needs a whole key.
  keyTimer = setTimeout(keySettled, 600);
});

function keySettled() {
  const key = getKey();
  if (settledKey && key !== settledKey) forgetKeyState();
  settledKey = key;
  if (key) {
    say('');
    updateRecent();
    resumeRemembered();
  }
}

/**
 * Another key sees other uploads and jobs: nothing of the previous key's stays on the page (the
 * section goes with the vocal). Its running job goes on on the server and stays remembered for it.
 */
function forgetKeyState() {
  jobs.clear();
  openings++;
  results.clear();
  vocal.clear();
  beat.clear();
  $('recent').replaceChildren();
  resumed = false;
  updateAvailability();
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
    body = { ...mixInputs(), ...readOptions({ withBeat: Boolean(beat.upload) }), start: Number(start.toFixed(3)), duration: Number(length.toFixed(3)), format: 'wav' };
  } catch (error) {
    showError(error);
    return;
  }
  previewing = true;
  updateAvailability();
  say(`Rendering the preview of ${seconds(body.start)} to ${seconds(body.start + body.duration)}…`);
  // The Files as they are now: the original is built from these, whatever is chosen meanwhile.
  const files = results.filesFor(body);
  // They decode while the server renders.
  if (files) for (const file of Object.values(files)) if (file) decodeFile(file).catch(() => {});
  try {
    const answer = await apiJson('/mix', { method: 'POST', body });
    updateRecent();
    await results.load({ jobId: answer.jobId, report: answer.report, options: body, files });
  } catch (error) {
    say('');
    showError(error, 'The preview');
  } finally {
    previewing = false;
    updateAvailability();
  }
});

// ---- Mix ----------------------------------------------------------------------------------

/** A job's outcome: a completed one's result loaded, a failed or cancelled one said. */
async function showOutcome(job) {
  if (job.status === 'completed') {
    try {
      await results.load({ jobId: job.id, report: job.report, options: job.options });
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

function jobFinished(job) {
  updateAvailability();
  updateRecent();
  showOutcome(job);
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
    body = { ...mixInputs(), ...readOptions({ withBeat: Boolean(beat.upload) }), format: 'wav' };
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

/** On load (and when a key is entered), the running job this browser last followed with the key. */
let resumed = false;
function resumeRemembered() {
  const id = rememberedJob();
  if (resumed || !id || !getKey()) return;
  resumed = true;
  say(`Looking for mix ${shortId(id)}, the one this browser last followed…`);
  follow(async () => {
    try {
      await jobs.resume(id);
    } catch (error) {
      // Gone (expired, deleted): nothing to resume.
      if (error?.status === 404) {
        forgetJob(id);
        say('');
        return;
      }
      resumed = false;
      throw error;
    }
  });
}

// ---- recent jobs ---------------------------------------------------------------------------

/** Counts "Open" clicks: only the last one's answer is acted on. */
let openings = 0;

/**
 * Reopens a job from the list: a queued or processing one is followed instead of the current
 * one; a finished one only shows its outcome, and the followed (and remembered) job stays.
 */
async function openJob(id) {
  const opening = ++openings;
  clearAlert();
  say(`Opening job ${shortId(id)}…`);
  try {
    const job = await apiJson(`/jobs/${encodeURIComponent(id)}`);
    if (opening !== openings) return;
    if (isRunning(job)) follow(() => jobs.follow(job));
    else await showOutcome(job);
  } catch (error) {
    if (opening === openings) showError(error, 'Opening the job');
  }
}

function updateRecent() {
  if (!getKey()) return;
  refreshRecent($('recent'), openJob)
    .then(clearKeyAlert)
    .catch((error) => showError(error, 'Listing the recent jobs'));
}

// ---- start ---------------------------------------------------------------------------------

async function start() {
  updateAvailability();
  try {
    info = await getInfo();
  } catch (error) {
    showError(error, 'Reading the server’s limits');
  }
  setUpLoudness(info?.loudnessPresets ?? null);
  setUpReverb(info?.reverbChoices);
  if (getKey()) {
    updateRecent();
    resumeRemembered();
  } else {
    say('Enter your API key to begin.');
    $('api-key').focus();
  }
}

start();
