// The Lua scripts of the job queue on Redis (bullmq-queue.ts): every change of a job record, its
// indexes and its event log is one script, so it is atomic across keys and nodes. Each script
// gets the namespace base as KEYS[1] (all its keys start with it) and, as ARGV[1..3], the nonce of
// the call (every message it publishes carries it, so the caller knows when its own node heard
// them), the time as ISO text and as epoch ms. It answers { outcome, messages published, ... }.
//
// Keys under the base B:
//   B:job:<id>                      hash: the record (absent field: null)
//   B:events:<id>                   zset: the job's events, score = event id, member = event JSON
//   B:seq, B:eventid                counters: job creation order, event ids (one for all jobs)
//   B:status:<status>               zset of job ids by status, score = seq
//   B:keystatus:<status>:<keyId>    zset of a key's job ids by status, score = seq
//   B:bykey:<keyId>                 zset of a key's job ids, score = seq (listing)
//   B:finished                      zset of finished job ids, score = finishedAt in ms
//   B:idem:<len>:<keyId>:<idemKey>  string: { jobId, fingerprint }, expiring after the window
//   B:round, B:keyslot              fairness: the slot last claimed; each key's last slot given
// and the channel B:notify, where the scripts publish { o: nonce, k: 'event' | 'queued' | 'cancel' }.

const PRELUDE = `
local B = KEYS[1]
local nonce = ARGV[1]
local nowIso = ARGV[2]
local nowMs = tonumber(ARGV[3])
local rcall = redis.call
local published = 0
local MAX_SLOT = 2097151

local function jk(id) return B .. ':job:' .. id end

local function notify(msg)
  msg.o = nonce
  rcall('PUBLISH', B .. ':notify', cjson.encode(msg))
  published = published + 1
end

local function field(id, name)
  local v = rcall('HGET', jk(id), name)
  if v == false then return nil end
  return v
end

local function setOrClear(id, name, value)
  if value == nil then rcall('HDEL', jk(id), name) else rcall('HSET', jk(id), name, value) end
end

-- Moves a job between the status indexes (from or to may be nil).
local function move(id, keyId, seq, from, to)
  if from then
    rcall('ZREM', B .. ':status:' .. from, id)
    rcall('ZREM', B .. ':keystatus:' .. from .. ':' .. keyId, id)
  end
  if to then
    rcall('ZADD', B .. ':status:' .. to, seq, id)
    rcall('ZADD', B .. ':keystatus:' .. to .. ':' .. keyId, seq, id)
    rcall('HSET', jk(id), 'status', to)
  end
end

local function record(id, kind, attempt, progress, stage)
  local eid = rcall('INCR', B .. ':eventid')
  local event = { id = eid, jobId = id, type = kind, attempt = tonumber(attempt), progress = tonumber(progress), stage = stage or cjson.null }
  rcall('ZADD', B .. ':events:' .. id, eid, cjson.encode(event))
  notify({ k = 'event', e = event })
end

-- Ends a job: finishedAt, the finished index, its final event (with its progress and stage).
local function finish(id, status)
  local keyId, seq, from = field(id, 'keyId'), field(id, 'seq'), field(id, 'status')
  rcall('HSET', jk(id), 'finishedAt', nowIso)
  move(id, keyId, seq, from, status)
  rcall('ZADD', B .. ':finished', nowMs, id)
  record(id, status, field(id, 'attempts'), field(id, 'progress'), field(id, 'stage'))
end

-- The BullMQ priority of a key's next job: keys take turns by slot (a key with nothing queued
-- goes in the next round; a key with a backlog one slot after its last), oldest first within a
-- key, first come first served within a slot (BullMQ is FIFO among equal priorities).
local function slotFor(keyId)
  local round = tonumber(rcall('GET', B .. ':round') or '0')
  local slot = round + 1
  if rcall('ZCARD', B .. ':keystatus:queued:' .. keyId) > 0 then
    local last = tonumber(rcall('HGET', B .. ':keyslot', keyId) or '0')
    if last + 1 > slot then slot = last + 1 end
  end
  if slot > MAX_SLOT then slot = MAX_SLOT end
  rcall('HSET', B .. ':keyslot', keyId, slot)
  return slot
end

-- A job put back: queued from progress 0, at the front of the current round.
local function requeue(id)
  local slot = tonumber(rcall('GET', B .. ':round') or '0')
  if slot < 1 then slot = 1 end
  rcall('HSET', jk(id), 'progress', 0, 'slot', slot)
  rcall('HDEL', jk(id), 'stage')
  move(id, field(id, 'keyId'), field(id, 'seq'), 'processing', 'queued')
  record(id, 'progress', field(id, 'attempts'), 0, 'queued')
  return slot
end

local function all(id) return rcall('HGETALL', jk(id)) end

-- Whether the caller's run is the job's current one: a node whose lock lapsed while it still
-- rendered (it was cut off from Redis) must not end or report on the run another node started.
local function current(id, attempt)
  return attempt == nil or attempt == '' or field(id, 'attempts') == attempt
end
`;

/** ARGV[4..]: id, keyId, input JSON, idempotency key name ('' for none), fingerprint, window ms. */
const SUBMIT = `
local id, keyId, input, idem, fingerprint, window = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
if idem ~= '' then
  local seen = rcall('GET', idem)
  if seen then
    local s = cjson.decode(seen)
    if s.fingerprint ~= fingerprint then return { 'mismatch', 0, s.jobId, s.fingerprint } end
    if rcall('EXISTS', jk(s.jobId)) == 1 then return { 'seen', 0, all(s.jobId) } end
  end
end
local seq = rcall('INCR', B .. ':seq')
local slot = slotFor(keyId)
rcall('HSET', jk(id), 'id', id, 'keyId', keyId, 'seq', seq, 'progress', 0, 'attempts', 0, 'interruptions', 0,
  'cancelRequested', 0, 'createdAt', nowIso, 'input', input, 'report', 'null', 'slot', slot)
rcall('ZADD', B .. ':bykey:' .. keyId, seq, id)
move(id, keyId, seq, nil, 'queued')
if idem ~= '' then
  rcall('SET', idem, cjson.encode({ jobId = id, fingerprint = fingerprint }), 'PX', window)
  rcall('HSET', jk(id), 'idem', idem)
end
return { 'created', published, all(id), slot }
`;

/** ARGV[4..]: id, keyId, input JSON, report JSON, result JSON. */
const RECORD_COMPLETED = `
local id, keyId = ARGV[4], ARGV[5]
local seq = rcall('INCR', B .. ':seq')
rcall('HSET', jk(id), 'id', id, 'keyId', keyId, 'seq', seq, 'progress', 100, 'attempts', 1, 'interruptions', 0,
  'cancelRequested', 0, 'createdAt', nowIso, 'startedAt', nowIso, 'input', ARGV[6], 'report', ARGV[7], 'result', ARGV[8])
rcall('ZADD', B .. ':bykey:' .. keyId, seq, id)
move(id, keyId, seq, nil, 'processing')
finish(id, 'completed')
return { 'completed', published, all(id) }
`;

/**
 * A job BullMQ handed to a claim. ARGV[4..]: id, interruptions that fail a job, that error's JSON.
 * Queued: it starts. Processing: BullMQ gave it back because its lock lapsed (the node running
 * it died), an interruption. Anything else (cancelled or removed meanwhile): stale.
 */
const START = `
local id, maxInterruptions, interrupted = ARGV[4], tonumber(ARGV[5]), ARGV[6]
local status = field(id, 'status')
if status == 'processing' then
  local interruptions = tonumber(field(id, 'interruptions')) + 1
  rcall('HSET', jk(id), 'interruptions', interruptions)
  if interruptions >= maxInterruptions then
    rcall('HSET', jk(id), 'error', interrupted)
    finish(id, 'failed')
    return { 'ended', published }
  end
  if field(id, 'cancelRequested') == '1' then
    finish(id, 'cancelled')
    return { 'ended', published }
  end
  requeue(id)
elseif status ~= 'queued' then
  return { 'stale', published }
end
local attempts = tonumber(field(id, 'attempts')) + 1
rcall('HSET', jk(id), 'attempts', attempts, 'startedAt', nowIso, 'progress', 0, 'cancelRequested', 0)
rcall('HDEL', jk(id), 'stage')
move(id, field(id, 'keyId'), field(id, 'seq'), 'queued', 'processing')
local slot = tonumber(field(id, 'slot') or '0')
local round = tonumber(rcall('GET', B .. ':round') or '0')
if slot > round then round = slot end
if rcall('ZCARD', B .. ':status:queued') == 0 then
  -- Nothing waits: turns start afresh, so slots stay small.
  rcall('SET', B .. ':round', 0)
  rcall('DEL', B .. ':keyslot')
else
  rcall('SET', B .. ':round', round)
end
record(id, 'progress', attempts, 0, 'starting')
return { 'started', published, all(id) }
`;

/** ARGV[4..]: id, progress (integer 0…100), stage, attempt ('' for any). */
const PROGRESS = `
local id, value, stage = ARGV[4], tonumber(ARGV[5]), ARGV[6]
if field(id, 'status') ~= 'processing' or not current(id, ARGV[7]) then return { 'dropped', 0 } end
local current = tonumber(field(id, 'progress'))
if value < current or (value == current and stage == field(id, 'stage')) then return { 'dropped', 0 } end
rcall('HSET', jk(id), 'progress', value, 'stage', stage)
record(id, 'progress', field(id, 'attempts'), value, stage)
return { 'recorded', published }
`;

/**
 * ARGV[4..]: id, status (completed, failed, cancelled), report JSON, result JSON, error JSON ('' for
 * none), attempt ('' for any).
 */
const END = `
local id, status = ARGV[4], ARGV[5]
local now = field(id, 'status')
if now ~= 'processing' then return { 'state', 0, now or '' } end
if not current(id, ARGV[9]) then return { 'superseded', 0 } end
if status == 'completed' then rcall('HSET', jk(id), 'progress', 100, 'report', ARGV[6], 'result', ARGV[7]) end
if status == 'failed' then rcall('HSET', jk(id), 'error', ARGV[8]) end
finish(id, status)
return { 'ended', published, all(id) }
`;

/** ARGV[4..]: id, attempt ('' for any). Back to the queue, or cancelled if that was asked. */
const RELEASE = `
local id = ARGV[4]
local now = field(id, 'status')
if now ~= 'processing' then return { 'state', 0, now or '' } end
if not current(id, ARGV[5]) then return { 'superseded', 0 } end
if field(id, 'cancelRequested') == '1' then
  finish(id, 'cancelled')
  return { 'ended', published }
end
return { 'requeued', published, requeue(id) }
`;

/** ARGV[4..]: id, interruptions that fail a job, that error's JSON. One job left processing by a dead process. */
const INTERRUPT = `
local id, maxInterruptions, interrupted = ARGV[4], tonumber(ARGV[5]), ARGV[6]
if field(id, 'status') ~= 'processing' then return { 'skipped', 0 } end
local interruptions = tonumber(field(id, 'interruptions')) + 1
rcall('HSET', jk(id), 'interruptions', interruptions)
if interruptions >= maxInterruptions then
  rcall('HSET', jk(id), 'error', interrupted)
  finish(id, 'failed')
  return { 'failed', published }
end
if field(id, 'cancelRequested') == '1' then
  finish(id, 'cancelled')
  return { 'cancelled', published }
end
return { 'requeued', published, requeue(id) }
`;

/** ARGV[4..]: id, keyId. */
const CANCEL = `
local id, keyId = ARGV[4], ARGV[5]
if field(id, 'keyId') ~= keyId then return { 'none', 0 } end
local status = field(id, 'status')
if status == 'queued' then
  finish(id, 'cancelled')
  return { 'cancelled', published, all(id) }
end
if status ~= 'processing' then return { 'finished', 0, status } end
if field(id, 'cancelRequested') == '1' then return { 'requested', 0, all(id) } end
rcall('HSET', jk(id), 'cancelRequested', 1)
notify({ k = 'cancel', id = id })
return { 'requested', published, all(id) }
`;

// Deletes one job with everything that points at it.
const DROP = `
local function drop(id)
  local keyId, status, idem = field(id, 'keyId'), field(id, 'status'), field(id, 'idem')
  move(id, keyId, 0, status, nil)
  rcall('ZREM', B .. ':bykey:' .. keyId, id)
  rcall('ZREM', B .. ':finished', id)
  rcall('DEL', B .. ':events:' .. id)
  if idem then
    local seen = rcall('GET', idem)
    if seen and cjson.decode(seen).jobId == id then rcall('DEL', idem) end
  end
  rcall('DEL', jk(id))
end
`;

/** ARGV[4..]: id, keyId ('' for any key). */
const REMOVE = `${DROP}
local id, keyId = ARGV[4], ARGV[5]
local owner = field(id, 'keyId')
if owner == nil or (keyId ~= '' and owner ~= keyId) then return { 'none', 0 } end
local was = all(id)
drop(id)
return { 'removed', 0, was }
`;

/** ARGV[4..]: before (ms, exclusive). */
const EXPIRE = `${DROP}
local ids = rcall('ZRANGEBYSCORE', B .. ':finished', '-inf', '(' .. ARGV[4])
local out = {}
for _, id in ipairs(ids) do
  out[#out + 1] = all(id)
  drop(id)
end
return { 'expired', 0, out }
`;

/**
 * Wakes every node's runner: sent once a job's BullMQ job exists (after submit, release or
 * recovery added it), never before, or a runner could look, find nothing yet, and sleep.
 */
const ANNOUNCE = `
notify({ k = 'queued' })
return { 'announced', published }
`;

export const SCRIPTS = {
  mcSubmit: SUBMIT,
  mcRecordCompleted: RECORD_COMPLETED,
  mcStart: START,
  mcProgress: PROGRESS,
  mcEnd: END,
  mcRelease: RELEASE,
  mcInterrupt: INTERRUPT,
  mcCancel: CANCEL,
  mcRemove: REMOVE,
  mcExpire: EXPIRE,
  mcAnnounce: ANNOUNCE,
} as const;

export type ScriptName = keyof typeof SCRIPTS;

export function scriptSource(name: ScriptName): string {
  return PRELUDE + SCRIPTS[name];
}
