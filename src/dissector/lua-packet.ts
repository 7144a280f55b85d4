// The dissector's tree for one packet (header, data, what it means) and for raw bytes.
// Lua 5.2 as Wireshark 4.0 runs it; held as text (no backslash in it: Lua escapes would need String.raw).

/** @internal */
export const LUA_PACKET: string = `-- Who talks: set for each call by the dissector (the client is who sent the request).
local current = { client = nil, server = nil }

local function add_direction(tree, at, is_request)
  tree:add(f.direction, at, is_request and 0 or 1):set_generated()
  if current.client ~= nil then
    tree:add(f.client, at, current.client):set_generated()
    tree:add(f.server, at, current.server):set_generated()
  end
end

-- The value of var 'key' (latin1 bytes), or nil.
local function value_of(vars, key)
  local v = vars[key]
  return v and v.value
end

-- Adds a string field over a var's value, when the var is there.
local function add_var_field(tree, field, vars, key)
  local v = vars[key]
  if v ~= nil then tree:add_packet_field(field, v.range, ENC_ISO_8859_1) end
end

-- The meaning of a whole packet, added below its fields; returns a short text for the summary.
local function add_meaning(tvb, tree, offset, m1, m2, ds, is_request, vars, spans)
  local at = tvb(offset, 0)
  if is_request and m1 == 173 and spans ~= nil and #spans > 0 then
    local name = tvb(spans[1][1], spans[1][2]):string(ENC_ISO_8859_1)
    tree:add_packet_field(f.rpc_function, tvb(spans[1][1], spans[1][2]), ENC_ISO_8859_1)
    for i = 2, #spans do tree:add(f.rpc_arg, tvb(spans[i][1], spans[i][2])) end
    return "RPC " .. name .. "()"
  end
  if is_request and m1 == 111 then
    if m2 == 17 and vars ~= nil then
      add_var_field(tree, f.cache_command, vars, "cmd")
      add_var_field(tree, f.cache_key, vars, "key")
      add_var_field(tree, f.cache_name, vars, "cache")
      if vars["size"] ~= nil then tree:add(f.cache_size, vars["size"].range, leading_digits(vars["size"].value)) end
      return "cache " .. (value_of(vars, "cmd") or "?") .. " " .. (value_of(vars, "key") or "")
    end
    return "cache modifier2 " .. m2
  end
  if not is_request and m1 == 111 and m2 == 17 and vars ~= nil then
    add_var_field(tree, f.cache_status, vars, "status")
    local size = leading_digits(value_of(vars, "size") or "")
    tree:add(f.cache_size, at, size):set_generated()
    return "cache " .. (value_of(vars, "status") or "?") .. ", " .. size .. " bytes"
  end
  if not is_request and m1 == 173 then
    local n = ds
    if m2 == 5 and vars ~= nil then n = leading_digits(value_of(vars, "CONTENT_LENGTH") or "") end
    tree:add(f.rpc_result_length, at, n):set_generated()
    return "RPC result, " .. n .. " bytes"
  end
  if is_request and m1 == 110 then
    tree:add(f.signal, tvb(offset + 3, 1))
    return "signal " .. m2
  end
  if not is_request and m1 == 255 then
    tree:add(f.status_code, tvb(offset + 3, 1))
    return m2 == 1 and "status ok" or ("status " .. m2)
  end
  if m1 == 224 and vars ~= nil then
    add_var_field(tree, f.subscription_key, vars, "key")
    add_var_field(tree, f.subscription_address, vars, "address")
    return (m2 == 0 and "subscribe " or "unsubscribe ") .. (value_of(vars, "key") or "")
  end
  if m1 == 100 then return m2 == 1 and "pong" or "ping" end
  if vars ~= nil then
    local method = value_of(vars, "REQUEST_METHOD")
    local uri = value_of(vars, "REQUEST_URI") or value_of(vars, "PATH_INFO")
    if method ~= nil or uri ~= nil then return (method or "") .. " " .. (uri or "") end
  end
  return nil
end

-- Adds the packet at 'offset' (its header is captured): header, data, meaning. 'head_kind' is
-- the data's kind for an answer's head. Returns the packet's modifiers, its vars (key -> last
-- value) when they were all captured, and whether the data was all captured.
local function add_packet(tvb, pinfo, root, offset, is_request, head_kind)
  local m1 = tvb(offset, 1):uint()
  local ds = tvb(offset + 1, 2):le_uint()
  local m2 = tvb(offset + 3, 1):uint()
  local limit = offset + 4 + ds
  local stop = math.min(tvb:len(), limit)
  local tree = root:add(uwsgi, tvb(offset, stop - offset))
  add_direction(tree, tvb(offset, 0), is_request)
  tree:add(f.modifier1, tvb(offset, 1))
  tree:add_le(f.datasize, tvb(offset + 1, 2))
  tree:add(f.modifier2, tvb(offset + 3, 1))
  local kind = is_request and kind_of(m1, m2) or head_kind
  local start = offset + 4
  local vars, spans, err = nil, nil, nil
  local count = 0
  if kind == "vars" then
    vars, count, err = add_vars(tvb, tree, start, stop, limit)
  elseif kind == "array" then
    spans, err = add_items(tvb, tree, start, stop, limit)
    count = #spans
  elseif ds > 0 then
    tree:add(f.payload, tvb(start, stop - start))
    if stop < limit then problem(tree, "CUT", tvb(start, 0)) end
  end
  local complete = err == nil and stop == limit
  if not complete and err == nil then problem(tree, "CUT", tvb(start, 0)) end
  local text = add_meaning(tvb, tree, offset, m1, m2, ds, is_request, complete and vars or nil, spans)
  local summary = m1_label(m1) .. " (" .. m1 .. "/" .. m2 .. ")"
  if kind == "vars" then summary = summary .. ", " .. count .. " vars" end
  if kind == "array" then summary = summary .. ", " .. count .. " items" end
  tree:set_text("uwsgi " .. (is_request and "request" or "answer") .. ": " .. summary .. (text and (", " .. text) or ""))
  pinfo.cols.info:append((is_request and " > " or " < ") .. (text or summary))
  return { m1 = m1, m2 = m2, ds = ds, vars = complete and vars or nil, complete = complete, tree = tree, at = tvb(offset, 0) }
end

-- Bytes that are not a packet: a request body, a result, a value, an HTTP body, raw data.
local function add_piece(tvb, root, offset, n, is_request, label, left)
  local stop = math.min(tvb:len(), offset + n)
  local tree = root:add(uwsgi, tvb(offset, stop - offset))
  add_direction(tree, tvb(offset, 0), is_request)
  if is_request then
    tree:add(f.body, tvb(offset, stop - offset))
    tree:add(f.body_length, tvb(offset, stop - offset), n)
  else
    tree:add(f.answer_data, tvb(offset, stop - offset))
    tree:add(f.answer_length, tvb(offset, stop - offset), n)
  end
  if left ~= nil then tree:add(f.remaining, tvb(offset, 0), left):set_generated() end
  if stop < offset + n then problem(tree, "CUT", tvb(stop, 0)) end
  tree:set_text("uwsgi " .. label .. ": " .. n .. " bytes" .. ((left ~= nil and left > 0) and (", " .. left .. " more to come") or ""))
end
`;
