// The key's last ten jobs, newest first, each with its status, when it was made and a button
// that reopens it.
import { apiJson } from './api.js';
import { stageWords } from './job.js';

export const shortId = (id) => id.slice(0, 8);

function describeJob(job) {
  const kind = job.report?.preview || job.options?.duration != null ? 'Preview' : 'Mix';
  const when = new Date(job.createdAt).toLocaleString();
  const words = stageWords(job.status, job.stage);
  const state = job.status === 'processing' && Number.isFinite(job.progress) ? `${words} ${job.progress}%` : words;
  return { kind, when, state };
}

function row(job, onOpen) {
  const { kind, when, state } = describeJob(job);
  const item = document.createElement('li');
  const text = document.createElement('span');
  text.className = 'recent-text';
  // The button's description: "Open 1a2b3c4d" alone does not say which job that is.
  text.id = `recent-${job.id}`;
  const status = document.createElement('strong');
  status.className = `job-status status-${job.status}`;
  status.textContent = state;
  const time = document.createElement('time');
  time.dateTime = job.createdAt;
  time.textContent = when;
  text.append(`${kind} `, status, ' · ', time);
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = `Open ${shortId(job.id)}`;
  button.dataset.jobId = job.id;
  button.setAttribute('aria-describedby', text.id);
  button.addEventListener('click', () => onOpen(job.id));
  item.append(text, button);
  return item;
}

/** Renders the list into `list`; `onOpen(id)` when a job's button is pressed. */
export async function refreshRecent(list, onOpen) {
  const { items } = await apiJson('/jobs?limit=10');
  const rows = items.map((job) => row(job, onOpen));
  if (!rows.length) {
    const empty = document.createElement('li');
    empty.className = 'hint';
    empty.textContent = 'No jobs yet.';
    rows.push(empty);
  }
  // The list is rebuilt while someone may be tabbing through it: the focus stays on that job's button.
  const focused = list.contains(document.activeElement) ? document.activeElement.dataset.jobId : undefined;
  list.replaceChildren(...rows);
  if (focused) list.querySelector(`button[data-job-id="${CSS.escape(focused)}"]`)?.focus();
}
