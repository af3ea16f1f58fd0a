// The 404 of a job: the same words whether the id is unknown or another key's.
import { MixchainError } from '../errors.js';

export const jobNotFound = (id: string) => new MixchainError('ERR_JOB_NOT_FOUND', `Expected a job of this key with id '${id.slice(0, 64)}' but there is none`);
