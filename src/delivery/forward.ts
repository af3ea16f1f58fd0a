// One forward attempt: the job's result file and its metadata as multipart/form-data to the
// configured endpoint, with its API key as a bearer token. The endpoint is read at each attempt:
// after a restart with another FORWARD_URL, the key goes only where it is meant to.
import { MixchainError } from '../errors.js';
import type { DeliveryTask } from './delivery-store.js';
import type { SendContext } from './dispatcher.js';
import { sendRequest, type OutboundResponse } from './http-client.js';
import { multipartForm } from './multipart.js';
import { parseTarget } from './targets.js';

export async function sendForward(task: DeliveryTask, context: SendContext): Promise<OutboundResponse> {
  const forward = context.sources.forward;
  if (!forward) throw new MixchainError('ERR_FORWARD_NOT_CONFIGURED', 'Expected forwarding to be configured (FORWARD_URL) but this server has none now');
  if (forward.url !== task.url) await context.retarget(forward.url);
  const url = parseTarget(forward.url);
  const file = await context.sources.forwardFile(task.keyId, task.jobId);
  if (!file) throw new MixchainError('ERR_FORWARD_FILE_GONE', `Expected the result of job ${task.jobId} to forward but it is gone`);
  const form = await multipartForm(file.metadata, { field: 'file', path: file.path, filename: file.filename, contentType: file.contentType });
  return sendRequest({
    url,
    method: 'POST',
    headers: { 'content-type': form.contentType, 'content-length': form.length, ...(forward.apiKey ? { authorization: `Bearer ${forward.apiKey}` } : {}) },
    body: form.body,
    timeoutMs: context.options.forwardTimeoutMs,
    allowPrivate: context.options.allowPrivate,
    signal: context.signal,
  });
}
