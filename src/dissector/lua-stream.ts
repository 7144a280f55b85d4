// The dissector's state machine for each direction of a connection: packets, bodies, HTTP answers.
// Lua 5.2 as Wireshark 4.0 runs it; held as text (String.raw keeps its backslashes for Lua).

/** @internal */
export const LUA_STREAM: string = String.raw`-- Is the last of a comma-separated list of codings chunked (any case, OWS around)? Only the last
-- value of a repeated HTTP_TRANSFER_ENCODING matters: joining adds commas between values only.
local function last_coding_is_chunked(codings)
  local last = codings:match("([^,]*)$"):match("^[ 	]*(.-)[ 	]*$")
  return last:lower() == "chunked"
end

-- What follows a request packet: the state of the request side after it.
local function after_request(st, stream, info)
  -- The answers come in the order of the requests: the n-th answer is framed by the n-th request.
  st.count = (st.count or 0) + 1
  stream.framings[st.count] = answer_of(info.m1, info.m2)
  stream.known = st.count
  local trailer = trailer_of(info.m1, info.m2)
  if trailer == "none" then st.phase = HEADER return end
  if info.vars == nil then st.phase = RAW return end
  local n = 0
  if trailer == "content-length" then
    -- As the parser (src/parser/body-mode.ts): any CONTENT_LENGTH decides; without one, a
    -- transfer coding ending in chunked is a chunked body, any other coding cannot be framed.
    local te = value_of(info.vars, "HTTP_TRANSFER_ENCODING")
    if info.vars["CONTENT_LENGTH"] == nil and te ~= nil then
      if last_coding_is_chunked(te) then
        start_chunked(st)
      else
        problem(info.tree, "UNSUPPORTED_TRANSFER_ENCODING", info.at)
        st.phase = UNFRAMED
        st.label = "a body whose transfer coding does not end in chunked"
      end
      return
    end
    n = leading_digits(value_of(info.vars, "CONTENT_LENGTH") or "")
  end
  if trailer == "size" then n = leading_digits(value_of(info.vars, "size") or "") end
  if n > 0 then
    st.phase = BODY
    st.remaining = n
    st.label = trailer == "size" and "value" or "request body"
  else
    st.phase = HEADER
  end
end

-- What follows an answer's packet: a result, a value, or nothing of the framing.
-- An answer is complete: the next bytes answer the next request.
local function answer_done(st)
  st.n = (st.n or 1) + 1
  st.phase = WAIT
  st.remaining = nil
end

local function after_answer(st, info)
  if not info.complete then
    st.phase = RAW
    st.label = "rest of the answer (its head was not all captured)"
    return
  end
  local n = 0
  if st.framing == "rpc" and info.m2 == 5 then
    n = leading_digits(value_of(info.vars, "CONTENT_LENGTH") or "")
    st.label = "RPC result"
  elseif st.framing == "cache" then
    n = leading_digits(value_of(info.vars, "size") or "")
    st.label = "cache value"
  elseif st.framing == "dump" then
    st.phase = RAW
    st.label = "cache item table"
    return
  end
  if n > 0 then
    st.phase = BODY
    st.remaining = n
  else
    answer_done(st)
  end
end

-- A packet (request, or an answer's head): returns bytes consumed, or 0 and what is needed.
local function packet_step(tvb, pinfo, root, offset, st, stream, is_request)
  local cap, rep = tvb:len(), tvb:reported_len()
  local truncated = cap < rep
  local avail = rep - offset
  if cap - offset < 4 then
    if not truncated then return 0, DESEGMENT_ONE_MORE_SEGMENT end
    -- The header itself was not captured: where anything is from here on is unknown.
    st.phase = RAW
    st.label = "uncaptured data"
    return 0
  end
  local total = 4 + tvb(offset + 1, 2):le_uint()
  if avail < total and not truncated then
    -- Shown where the packet starts, so a capture that ends before the rest still shows it.
    local note = root:add(uwsgi, tvb(offset, cap - offset))
    add_direction(note, tvb(offset, 0), is_request)
    note:add(f.modifier1, tvb(offset, 1))
    note:add_le(f.datasize, tvb(offset + 1, 2))
    note:add(f.modifier2, tvb(offset + 3, 1))
    note:add(f.partial, tvb(offset, 0), total - avail):set_generated()
    note:add_proto_expert_info(e_partial)
    note:set_text("uwsgi " .. (is_request and "request" or "answer") .. ": " .. m1_label(tvb(offset, 1):uint()) .. ", " .. avail .. " of " .. total .. " bytes here, the rest in later segments")
    return 0, total - avail
  end
  local head_kind = "raw"
  if not is_request then
    local m1, m2 = tvb(offset, 1):uint(), tvb(offset + 3, 1):uint()
    if (m1 == 173 and m2 == 5) or (m1 == 111 and (m2 == 17 or m2 == 7)) then head_kind = "vars" end
  end
  local info = add_packet(tvb, pinfo, root, offset, is_request, head_kind)
  if avail < total then
    -- Cut by the capture: skip the rest of the packet, then nothing can be framed.
    st.phase = SKIP
    st.remaining = total - avail
    st.label = "rest of the packet (not captured)"
    st.next_phase = RAW
    return avail
  end
  if is_request then after_request(st, stream, info) else after_answer(st, info) end
  return total
end

local function http_head_step(tvb, pinfo, root, offset, st)
  local cap, rep = tvb:len(), tvb:reported_len()
  local truncated = cap < rep
  local have = math.min(cap - offset, MAX_HEAD)
  local n = math.min(5, have)
  if tvb(offset, n):string() ~= ("HTTP/"):sub(1, n) then
    st.phase = RAW
    st.label = "answer (not HTTP)"
    return 0
  end
  local text = tvb(offset, have):raw()
  local e = text:find("\r\n\r\n", 1, true)
  if e == nil then
    if truncated or rep - offset >= MAX_HEAD then
      st.phase = RAW
      st.label = "answer (headers not all captured)"
      return 0
    end
    return 0, DESEGMENT_ONE_MORE_SEGMENT
  end
  local head_len = e + 3
  local tree = root:add(uwsgi, tvb(offset, head_len))
  add_direction(tree, tvb(offset, 0), false)
  local lines = {}
  for line in (text:sub(1, e - 1) .. "\r\n"):gmatch("(.-)\r\n") do lines[#lines + 1] = line end
  local pos = offset
  local status_line = lines[1]
  tree:add(f.status_line, tvb(pos, #status_line), status_line)
  local sp = status_line:find(" ", 1, true)
  local code = sp and tonumber(status_line:sub(sp + 1, sp + 3):match("^%d+")) or 0
  tree:add(f.status, tvb(pos, #status_line), code or 0)
  pos = pos + #status_line + 2
  local length = -1
  for i = 2, #lines do
    local line = lines[i]
    local colon = line:find(":", 1, true)
    local name = colon and line:sub(1, colon - 1) or line
    local value = colon and line:sub(colon + 1):match("^%s*(.-)%s*$") or ""
    local h = tree:add(f.header, tvb(pos, #line), line)
    h:add(f.header_name, tvb(pos, #name), name)
    h:add(f.header_value, tvb(pos, #line), value)
    if name:lower() == "content-length" then
      local cl = value:match("^%d+$")
      if cl ~= nil then length = tonumber(cl) end
    end
    pos = pos + #line + 2
  end
  tree:set_text("uwsgi answer: " .. status_line)
  pinfo.cols.info:append(" < " .. status_line)
  if length == 0 then
    answer_done(st)
  else
    st.phase = HTTP_BODY
    st.remaining = length
    st.label = "answer body"
  end
  return head_len
end

-- Bytes of a known length (a body, a value, a packet's uncaptured rest) or to the end.
local function piece_step(tvb, root, offset, st, is_request)
  local avail = tvb:reported_len() - offset
  local n = avail
  local left = nil
  if st.remaining ~= nil and st.remaining >= 0 then
    n = math.min(avail, st.remaining)
    left = st.remaining - n
  end
  if n > 0 then add_piece(tvb, root, offset, n, is_request, st.label or "data", left) end
  if left == 0 then
    if st.phase == SKIP then
      st.phase = st.next_phase or RAW
      st.label = "uncaptured data"
      st.remaining = nil
    elseif is_request then
      st.phase = HEADER
      st.remaining = nil
    else
      answer_done(st)
    end
  elseif left ~= nil then
    st.remaining = left
  end
  return n
end

local function answer_step(tvb, pinfo, root, offset, st, stream)
  if st.phase == WAIT then
    -- Only the requests seen before this call: a later pass must not see later ones.
    local n = st.n or 1
    local framing = nil
    if n <= stream.known then framing = stream.framings[n] end
    st.framing = framing
    if framing == "http" then
      st.phase = HTTP_HEAD
    elseif framing == "packet" or framing == "rpc" or framing == "cache" or framing == "dump" then
      st.phase = PACKET
    else
      st.phase = RAW
      st.label = framing == nil and "answer (its request was not seen)" or "answer"
    end
  end
  if st.phase == PACKET then return packet_step(tvb, pinfo, root, offset, st, stream, false) end
  if st.phase == HTTP_HEAD then return http_head_step(tvb, pinfo, root, offset, st) end
  return piece_step(tvb, root, offset, st, false)
end

local function request_step(tvb, pinfo, root, offset, st, stream)
  if st.phase == HEADER then return packet_step(tvb, pinfo, root, offset, st, stream, true) end
  if st.phase == CHUNKED then return chunked_step(tvb, pinfo, root, offset, st) end
  if st.phase == UNFRAMED then return unframed_step(tvb, root, offset, st) end
  return piece_step(tvb, root, offset, st, true)
end
`;
