// The Lua scripts of the delivery store on Redis (redis-delivery-store.ts): every change of a task
// and of the indexes and counts kept beside it is one script, so two nodes never interleave on a
// task and a task is claimed by one node. Each script gets the namespace base as KEYS[1] (all its
// keys start with it; for Redis Cluster give the prefix in braces, as for the job queue).
//
// Keys under the base D (`<prefix>:deliveries`):
//   D:task:<id>               hash: the task (an absent field is null; leaseUntil only while sending)
//   D:seq                     counter: creation order (lists and a job's tasks are ordered by it)
//   D:due                     zset of the tasks a claim may take, score = ms: a pending task's due
//                             time, a sending task's lease end (past it, its node is taken for dead)
//   D:job:<jobId>             zset of a job's task ids, score = seq
//   D:list:<keyId>:<kind>     zset of a key's task ids of one kind, score = seq
//   D:auto:<kind>:<jobId>     string: the id of the job's automatic task of that kind
//   D:counts, D:keycounts:<keyId>   hashes of task counts, field `<kind>:<status>` (0: no field)
//
// Fields to write arrive as ARGV from a given index: a count n, n name/value pairs to set, then
// the names to delete (null), so any text goes through unchanged (no JSON in between).

const PRELUDE = `
local D = KEYS[1]
local rcall = redis.call

local function tk(id) return D .. ':task:' .. id end

local function count(keyId, kind, status, by)
  for _, h in ipairs({ D .. ':counts', D .. ':keycounts:' .. keyId }) do
    if rcall('HINCRBY', h, kind .. ':' .. status, by) == 0 then rcall('HDEL', h, kind .. ':' .. status) end
  end
end

local function write(id, first)
  local n = tonumber(ARGV[first])
  local last = first + 2 * n
  for i = first + 1, last, 2 do rcall('HSET', tk(id), ARGV[i], ARGV[i + 1]) end
  for i = last + 1, #ARGV do rcall('HDEL', tk(id), ARGV[i]) end
end
`;

export const SCRIPTS = {
  // ARGV: id, keyId, jobId, kind, auto ('1' or '0'), due ms, fields from 7. Answers the task
  // (for an automatic one that exists: that one, unchanged).
  mcDeliveryAdd: `
local id, keyId, jobId, kind = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local autoKey = D .. ':auto:' .. kind .. ':' .. jobId
if ARGV[5] == '1' then
  local existing = rcall('GET', autoKey)
  if existing then return rcall('HGETALL', tk(existing)) end
  rcall('SET', autoKey, id)
end
local seq = rcall('INCR', D .. ':seq')
write(id, 7)
rcall('HSET', tk(id), 'seq', seq)
rcall('ZADD', D .. ':due', ARGV[6], id)
rcall('ZADD', D .. ':job:' .. jobId, seq, id)
rcall('ZADD', D .. ':list:' .. keyId .. ':' .. kind, seq, id)
count(keyId, kind, 'pending', 1)
return rcall('HGETALL', tk(id))
`,
  // ARGV: now ms, now ISO, limit, webhook lease ms, forward lease ms. Answers the claimed tasks.
  mcDeliveryClaim: `
local nowMs = tonumber(ARGV[1])
local leases = { webhook = tonumber(ARGV[4]), forward = tonumber(ARGV[5]) }
local claimed = {}
for _, id in ipairs(rcall('ZRANGEBYSCORE', D .. ':due', '-inf', nowMs, 'LIMIT', 0, tonumber(ARGV[3]))) do
  local k = tk(id)
  local keyId, kind, status = unpack(rcall('HMGET', k, 'keyId', 'kind', 'status'))
  local leaseUntil = nowMs + leases[kind]
  rcall('HINCRBY', k, 'attempts', 1)
  rcall('HSET', k, 'status', 'sending', 'updatedAt', ARGV[2], 'leaseUntil', leaseUntil)
  rcall('HDEL', k, 'nextAttemptAt')
  rcall('ZADD', D .. ':due', leaseUntil, id)
  -- A lease that ran out: the task was 'sending' and is again, under a new attempt.
  if status ~= 'sending' then
    count(keyId, kind, status, -1)
    count(keyId, kind, 'sending', 1)
  end
  claimed[#claimed + 1] = rcall('HGETALL', k)
end
return claimed
`,
  // ARGV: id, attempt, status, next attempt ms (pending only), fields from 5. Answers 1 when
  // written, 0 when the task is gone or was claimed again since (its attempts moved on).
  mcDeliverySettle: `
local id = ARGV[1]
local keyId, kind, status, attempts = unpack(rcall('HMGET', tk(id), 'keyId', 'kind', 'status', 'attempts'))
if status ~= 'sending' or attempts ~= ARGV[2] then return 0 end
write(id, 5)
if ARGV[3] == 'pending' then rcall('ZADD', D .. ':due', ARGV[4], id) else rcall('ZREM', D .. ':due', id) end
count(keyId, kind, 'sending', -1)
count(keyId, kind, ARGV[3], 1)
return 1
`,
  // ARGV: jobId. Deletes the job's tasks with their indexes and counts.
  mcDeliveryRemoveJob: `
local jobId = ARGV[1]
local jobKey = D .. ':job:' .. jobId
for _, id in ipairs(rcall('ZRANGE', jobKey, 0, -1)) do
  local keyId, kind, status, auto = unpack(rcall('HMGET', tk(id), 'keyId', 'kind', 'status', 'auto'))
  count(keyId, kind, status, -1)
  rcall('ZREM', D .. ':list:' .. keyId .. ':' .. kind, id)
  if auto == '1' then rcall('DEL', D .. ':auto:' .. kind .. ':' .. jobId) end
  rcall('ZREM', D .. ':due', id)
  rcall('DEL', tk(id))
end
rcall('DEL', jobKey)
return 0
`,
  // ARGV: id, fields from 2. Only a task that still exists (no half record after a removal).
  mcDeliveryRetarget: `
if rcall('EXISTS', tk(ARGV[1])) == 1 then write(ARGV[1], 2) end
return 0
`,
} as const;

export type ScriptName = keyof typeof SCRIPTS;

export function scriptSource(name: ScriptName): string {
  return PRELUDE + SCRIPTS[name];
}
