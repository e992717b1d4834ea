#!lua name=bazaar_market_v2
-- The market's mutating calls as Redis functions (--mode=script): each reads, decides and writes
-- in one atomic step, so nothing is watched and nothing aborts. Loaded by bazaar-market with
-- FUNCTION LOAD REPLACE (market/script_runner.h), embedded at build time.
-- The version is in the library's name and its functions' (v2: the frozen-player check): markets
-- of another version load theirs beside it, so during a rolling upgrade no market calls
-- functions of another version (which would skip checks it counts on).
--
-- Every function takes the same first keys and arguments, then its own:
--   KEYS[1] events:            KEYS[2] req:<request_id> (KEYS[1] again without a request id)
--   ARGV[1] fingerprint        ARGV[2] request_id ("" for none)   ARGV[3] events MAXLEN (0: none)
--   ARGV[4] record TTL in ms   ARGV[5] attempt number (stored in the record)
-- A player's action has one more key after its own: frozen:<player>, the player being ARGV[6].
-- It answers one of
--   {"ok", event_id, value...} applied; the id of the event it wrote, then the result (as the
--                              WATCH mode stores them)
--   {"fail", code, message, name, value, ...}
--                              a definite failure (gRPC code number, "REASON: text", then its
--                              error fields as errors.h ErrorFields)
--   {"record", record}         req:<id> exists; nothing done (the caller replays or refuses it)
--   {"corrupt", message}       the data broke an assumption; nothing done
-- The texts, keys, event fields and the record encoding are those of market/trade_ops.cc,
-- market/events.cc and market/record.cc; change them together.

local NOT_FOUND, FAILED_PRECONDITION = 5, 9
local MAX_AMOUNT = 1000000000000000

local function int(n) return string.format('%d', n) end

-- "<len>:<bytes>" per field (record.cc EncodeFields).
local function fields(list)
  local out = {}
  for i = 1, #list do out[i] = #list[i] .. ':' .. list[i] end
  return table.concat(out)
end

-- An amount as stored: an integer, or an integral score such as "1e+15" (record.cc ParseAmount).
local function amount(value, what)
  local n = tonumber(value)
  if n == nil or n ~= math.floor(n) or math.abs(n) > 9e15 then
    return nil, what .. ' is not an integer: "' .. tostring(value) .. '"'
  end
  return n
end

-- An "r2" record: the event id goes last ("" for a failure).
local function record(keys, args, code, message, values, event_id)
  if args[2] == '' then return end
  local list = {'r2', args[1], int(code), message, args[5]}
  for i = 1, #values do list[#list + 1] = values[i] end
  list[#list + 1] = event_id
  redis.call('SET', keys[2], fields(list), 'PX', args[4])
end

-- `error_fields`: the failure's ErrorFields as a flat name, value list (or nil); they go into
-- the record as a failure's values, as record.cc does.
local function fail(keys, args, code, reason, text, error_fields)
  local message = reason .. ': ' .. text
  error_fields = error_fields or {}
  record(keys, args, code, message, error_fields, '')
  local reply = {'fail', int(code), message}
  for i = 1, #error_fields do reply[#reply + 1] = error_fields[i] end
  return reply
end

local function ok(keys, args, values, event_id)
  record(keys, args, 0, '', values, event_id)
  local reply = {'ok', event_id}
  for i = 1, #values do reply[#reply + 1] = values[i] end
  return reply
end

-- XADD to events: and each history key; `fv` follows type and request_id. Returns the id of
-- the events: entry.
local function event(keys, args, history_keys, type, fv)
  local argv = {}
  if tonumber(args[3]) > 0 then argv = {'MAXLEN', '~', args[3]} end
  argv[#argv + 1] = '*'
  for _, v in ipairs({'type', type, 'request_id', args[2]}) do argv[#argv + 1] = v end
  for i = 1, #fv do argv[#argv + 1] = fv[i] end
  local id = redis.call('XADD', keys[1], unpack(argv))
  for i = 1, #history_keys do redis.call('XADD', history_keys[i], unpack(argv)) end
  return id
end

local function existing_record(keys, args)
  if args[2] == '' then return nil end
  local rec = redis.call('GET', keys[2])
  if rec then return {'record', rec} end
  return nil
end

-- ListItem. KEYS[3..7]: users:<seller> inventory:<seller> market: listing:<item>.<seller>
-- history:<seller>; ARGV[6..8]: seller item price.
local function list_item(keys, args)
  local rec = existing_record(keys, args)
  if rec then return rec end
  local seller, item, price = args[6], args[7], args[8]
  if redis.call('EXISTS', keys[3]) ~= 1 then
    return fail(keys, args, NOT_FOUND, 'USER_NOT_FOUND', 'no user ' .. seller)
  end
  if redis.call('SISMEMBER', keys[4], item) ~= 1 then
    return fail(keys, args, FAILED_PRECONDITION, 'ITEM_NOT_IN_INVENTORY',
                'item ' .. item .. ' is not in ' .. seller .. "'s inventory")
  end
  redis.call('ZADD', keys[5], price, item .. '.' .. seller)
  redis.call('SET', keys[6], price)
  redis.call('SREM', keys[4], item)
  local id = event(keys, args, {keys[7]}, 'listed', {'seller', seller, 'item', item, 'price', price})
  return ok(keys, args, {item, seller, price}, id)
end

-- PurchaseItem. KEYS[3..11]: users:<buyer> users:<seller> inventory:<buyer> market:
-- listing:<item>.<seller> listing:<item>.<buyer> history:<buyer> history:<seller>
-- instance_lots:<buyer>;
-- ARGV[6..10]: buyer seller item expected_price default-currency (named in INSUFFICIENT_FUNDS).
local function purchase_item(keys, args)
  local rec = existing_record(keys, args)
  if rec then return rec end
  local buyer, seller, item, expected = args[6], args[7], args[8], tonumber(args[9])
  local buyer_key, seller_key, buyer_inv = keys[3], keys[4], keys[5]
  local market, listing_key = keys[6], keys[7]
  local raw_funds = redis.call('HGET', buyer_key, 'funds')
  if not raw_funds then
    return fail(keys, args, NOT_FOUND, 'USER_NOT_FOUND', 'no user ' .. buyer)
  end
  local raw_price = redis.call('GET', listing_key)
  if not raw_price then
    return fail(keys, args, NOT_FOUND, 'LISTING_NOT_FOUND',
                'no listing of item ' .. item .. ' by ' .. seller,
                {'item_id', item, 'seller_id', seller})
  end
  local member = item .. '.' .. seller
  local raw_seller_funds = redis.call('HGET', seller_key, 'funds')
  if not raw_seller_funds then
    return {'corrupt', 'CORRUPT_DATA: listing ' .. member .. ' of a missing seller'}
  end
  local price, funds, seller_funds, err
  price, err = amount(raw_price, 'listing price')
  if not price then return {'corrupt', 'CORRUPT_DATA: ' .. err} end
  funds, err = amount(raw_funds, 'funds')
  if not funds then return {'corrupt', 'CORRUPT_DATA: ' .. err} end
  seller_funds, err = amount(raw_seller_funds, 'seller funds')
  if not seller_funds then return {'corrupt', 'CORRUPT_DATA: ' .. err} end
  if price ~= expected then
    return fail(keys, args, FAILED_PRECONDITION, 'PRICE_CHANGED',
                'price is ' .. int(price) .. ', expected ' .. int(expected),
                {'price', int(price), 'expected_price', int(expected)})
  end
  if redis.call('SISMEMBER', buyer_inv, item) == 1 or redis.call('EXISTS', keys[8]) == 1 or
      redis.call('HEXISTS', keys[11], item) == 1 then
    return fail(keys, args, FAILED_PRECONDITION, 'BUYER_OWNS_ITEM',
                'buyer ' .. buyer .. ' already holds an item ' .. item)
  end
  if funds < price then
    return fail(keys, args, FAILED_PRECONDITION, 'INSUFFICIENT_FUNDS',
                'buyer ' .. buyer .. ' has ' .. int(funds) .. ', price is ' .. int(price),
                {'balance', int(funds), 'needed', int(price), 'currency', args[10]})
  end
  if seller_funds > MAX_AMOUNT - price then
    return fail(keys, args, FAILED_PRECONDITION, 'FUNDS_LIMIT',
                'seller ' .. seller .. ' has ' .. int(seller_funds) ..
                '; the sale would take them past the maximum of ' .. int(MAX_AMOUNT))
  end
  local p = int(price)
  redis.call('HINCRBY', seller_key, 'funds', p)
  redis.call('HINCRBY', buyer_key, 'funds', int(-price))
  redis.call('SADD', buyer_inv, item)
  redis.call('ZREM', market, member)
  redis.call('DEL', listing_key)
  local id = event(keys, args, {keys[9], keys[10]}, 'sold',
        {'buyer', buyer, 'seller', seller, 'item', item, 'price', p,
         'buyer_funds', int(funds - price), 'seller_funds', int(seller_funds + price)})
  return ok(keys, args, {item, seller, p, int(funds - price)}, id)
end

-- CancelListing. KEYS[3..6]: market: listing:<item>.<seller> inventory:<seller>
-- history:<seller>; ARGV[6..7]: seller item.
local function cancel_listing(keys, args)
  local rec = existing_record(keys, args)
  if rec then return rec end
  local seller, item = args[6], args[7]
  local raw_price = redis.call('GET', keys[4])
  if not raw_price then
    return fail(keys, args, NOT_FOUND, 'LISTING_NOT_FOUND',
                'no listing of item ' .. item .. ' by ' .. seller,
                {'item_id', item, 'seller_id', seller})
  end
  local price, err = amount(raw_price, 'listing price')
  if not price then return {'corrupt', 'CORRUPT_DATA: ' .. err} end
  local p = int(price)
  redis.call('ZREM', keys[3], item .. '.' .. seller)
  redis.call('DEL', keys[4])
  redis.call('SADD', keys[5], item)
  local id = event(keys, args, {keys[6]}, 'cancelled', {'seller', seller, 'item', item, 'price', p})
  return ok(keys, args, {item, seller, p}, id)
end

-- `fn`, which uses `own_keys` keys, refused while the player (ARGV[6]) is frozen when the call
-- names their frozen:<player> key after its own (transaction.cc UserFrozen says the same).
local function for_player(fn, own_keys)
  return function(keys, args)
    if #keys > own_keys and redis.call('EXISTS', keys[#keys]) == 1 then
      local rec = existing_record(keys, args)
      if rec then return rec end
      return fail(keys, args, FAILED_PRECONDITION, 'USER_FROZEN', 'user ' .. args[6] .. ' is frozen')
    end
    return fn(keys, args)
  end
end

redis.register_function('bazaar_v2_list_item', for_player(list_item, 7))
redis.register_function('bazaar_v2_purchase_item', for_player(purchase_item, 11))
redis.register_function('bazaar_v2_cancel_listing', for_player(cancel_listing, 6))
