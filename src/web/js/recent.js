// The key's last ten jobs, newest first, each with its status, when it was made and a button
// that reopens it.
import { apiJson } from './api.js';
import { stageWords } from './job.js';

export const shortId = (id) => id.slice(0, 8);

function describeJob(job) {
  const kind = job.report?.preview || job.options?.duration != null ? 'Preview' : 'Mix';
  const when = new Date(job.createdAt).toLocaleString();
  const state = job.status === 'processing' ? `${stageWords(job.status, job.stage)} ${job.progress}%` : stageWords(job.status);
  return { kind, when, state };
}

/** Renders the list into `list`; `onOpen(id)` when a job's button is pressed. */
export async function refreshRecent(list, onOpen) {
  const { items } = await apiJson('/jobs?limit=10');
  const rows = items.map((job) => {
    const { kind, when, state } = describeJob(job);
    const item = document.createElement('li');
    const text = document.createElement('span');
    text.className = 'recent-text';
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
    button.addEventListener('click', () => onOpen(job.id));
    item.append(text, button);
    return item;
  });
  if (!rows.length) {
    const empty = document.createElement('li');
    empty.className = 'hint';
    empty.textContent = 'No jobs yet.';
    rows.push(empty);
  }
  list.replaceChildren(...rows);
}
