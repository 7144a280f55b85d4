// The dissector's walks over a vars block and a uwsgi array, with the codec's error codes.
// Lua 5.2 as Wireshark 4.0 runs it; held as text (no backslash in it: Lua escapes would need String.raw).

/** @internal */
export const LUA_WALK: string = `-- Where each var of the block tvb[start, limit) is, reading only the captured bytes (before
-- 'stop'), and the first problem: the codec's error code, or "CUT" where the capture ends.
local function walk_vars(tvb, start, stop, limit)
  local spans = {}
  local p = start
  while p < limit do
    if limit - p < 4 then return spans, "TRAILING_BYTES" end
    if p + 2 > stop then return spans, "CUT" end
    local klen = tvb(p, 2):le_uint()
    if klen == 0 then return spans, "EMPTY_KEY" end
    local vfield = p + 2 + klen
    if limit - vfield < 2 then
      return spans, (vfield > limit) and "KEY_OVERRUNS_DATASIZE" or "VALUE_OVERRUNS_DATASIZE"
    end
    if vfield + 2 > stop then return spans, "CUT" end
    local vlen = tvb(vfield, 2):le_uint()
    local nxt = vfield + 2 + vlen
    if nxt > limit then return spans, "VALUE_OVERRUNS_DATASIZE" end
    if nxt > stop then return spans, "CUT" end
    spans[#spans + 1] = { p + 2, klen, vfield + 2, vlen }
    p = nxt
  end
  return spans, nil
end

-- The same for a uwsgi array: where each item is.
local function walk_items(tvb, start, stop, limit)
  local spans = {}
  local p = start
  while p < limit do
    if limit - p < 2 then return spans, "TRAILING_BYTES" end
    if p + 2 > stop then return spans, "CUT" end
    local len = tvb(p, 2):le_uint()
    if p + 2 + len > limit then return spans, "ITEM_OVERRUNS_DATASIZE" end
    if p + 2 + len > stop then return spans, "CUT" end
    spans[#spans + 1] = { p + 2, len }
    p = p + 2 + len
  end
  return spans, nil
end

local function problem(tree, code, range)
  if code == nil then return end
  if code == "CUT" then
    tree:add(f.error, range, "TRUNCATED"):set_generated()
    tree:add_proto_expert_info(e_truncated)
  else
    tree:add(f.error, range, code):set_generated()
    tree:add_proto_expert_info(e_malformed, code)
  end
end

-- Adds the vars; returns them as key -> { value = latin1 bytes, range = TvbRange } (the last of
-- each key, as uWSGI reads them), their count and the first problem.
local function add_vars(tvb, tree, start, stop, limit)
  local spans, err = walk_vars(tvb, start, stop, limit)
  tree:add(f.vars_count, tvb(start, 0), #spans):set_generated()
  local last = {}
  for i = 1, #spans do
    local s = spans[i]
    local krange = tvb(s[1], s[2])
    local vrange = tvb(s[3], s[4])
    local value = s[4] > 0 and vrange:string(ENC_ISO_8859_1) or ""
    local item = tree:add(f.var, tvb(s[1] - 2, s[3] + s[4] - s[1] + 2), krange:string(ENC_ISO_8859_1) .. ": " .. value)
    item:add_packet_field(f.var_key, krange, ENC_ISO_8859_1)
    item:add_packet_field(f.var_value, vrange, ENC_ISO_8859_1)
    last[krange:raw()] = { value = s[4] > 0 and vrange:raw() or "", range = vrange }
  end
  problem(tree, err, tvb(start, 0))
  return last, #spans, err
end

local function add_items(tvb, tree, start, stop, limit)
  local spans, err = walk_items(tvb, start, stop, limit)
  tree:add(f.items_count, tvb(start, 0), #spans):set_generated()
  for i = 1, #spans do tree:add(f.item, tvb(spans[i][1], spans[i][2])) end
  problem(tree, err, tvb(start, 0))
  return spans, err
end
`;
