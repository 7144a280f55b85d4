// The dissector's entry points: TCP with reassembly, datagrams, heuristics and port preferences.
// Lua 5.2 as Wireshark 4.0 runs it; held as text (no backslash in it: Lua escapes would need String.raw).

/** @internal */
export const LUA_MAIN: string = `-- Which ports a range preference ("3031,8000-8010") holds.
local function port_set(range)
  local set = {}
  for part in tostring(range or ""):gmatch("[^,%s]+") do
    local a, b = part:match("^(%d+)%-(%d+)$")
    if a ~= nil then
      for p = tonumber(a), math.min(tonumber(b), 65535) do set[p] = true end
    elseif part:match("^%d+$") then
      set[tonumber(part)] = true
    end
  end
  return set
end

local tcp_ports = port_set(uwsgi.prefs.tcp_ports)

local function endpoint(address, port)
  return tostring(address) .. ":" .. port
end

-- A TCP connection: Wireshark's stream index, and true. Field values exist only where a tree
-- is built; tshark -2 builds none on its first pass, and there the two endpoints stand for the
-- connection (false: see call_of).
local function stream_key(pinfo)
  local sid = f_tcp_stream()
  if sid ~= nil then return sid.value, true end
  local a, b = endpoint(pinfo.src, pinfo.src_port), endpoint(pinfo.dst, pinfo.dst_port)
  if a < b then return a .. " " .. b, false end
  return b .. " " .. a, false
end

-- Is the answer being read one that lasts until the connection closes (an HTTP answer with no
-- Content-Length, bytes that cannot be framed)? Then no request can follow on that connection.
local function answer_to_close(stream)
  local st = stream.answer
  if st == nil then return false end
  if st.phase == RAW then return true end
  return st.phase == HTTP_BODY and (st.remaining == nil or st.remaining < 0)
end

local function new_stream(client)
  return { client = client, framings = {}, known = 0 }
end

-- A call: its frame, and where its bytes start in their source (0 in a packet TCP reassembled,
-- past the frame's headers for the frame's own bytes).
local function call_key(tvb, pinfo)
  return pinfo.number .. ":" .. tvb:offset()
end

-- The first pass dissects each call from its stream's state and records what it started from,
-- by frame and by where its bytes start in the frame (a reassembled packet, then the frame's
-- own bytes after it). Every later pass (the GUI dissects a frame again on each click, filter
-- or reload; tshark -2 makes a second pass) replays the call from its record, in any order,
-- and changes nothing: a frame shows what it showed the first time.
local function call_of(tvb, pinfo, lead)
  local key = call_key(tvb, pinfo)
  local call = calls[key]
  if call ~= nil or pinfo.visited then return call, nil end
  local id, exact = stream_key(pinfo)
  local from = endpoint(pinfo.src, pinfo.src_port)
  local stream = streams[id]
  if stream ~= nil and not exact and from == stream.client and answer_to_close(stream) then
    -- The client sends again after an answer that ended with its connection: the same two
    -- endpoints on a new connection, as tcp.stream would have told.
    stream = nil
  end
  if stream == nil then
    -- A request goes to a uwsgi port; failing that, the first bytes seen are a request.
    if tcp_ports[pinfo.src_port] and not tcp_ports[pinfo.dst_port] then
      stream = new_stream(endpoint(pinfo.dst, pinfo.dst_port))
    else
      stream = new_stream(endpoint(pinfo.src, pinfo.src_port))
    end
    streams[id] = stream
  end
  local is_request = from == stream.client
  local name = is_request and "request" or "answer"
  local st = stream[name]
  if st == nil then
    st = { phase = is_request and HEADER or WAIT }
    stream[name] = st
  end
  call = {
    st = copy(st),
    is_request = is_request,
    client = stream.client,
    server = is_request and endpoint(pinfo.dst, pinfo.dst_port) or from,
    framings = stream.framings,
    known = stream.known,
    lead = lead,
  }
  calls[key] = call
  return call, st, stream
end

-- 'lead': the stream's first bytes, from earlier frames the heuristic kept (see heuristic_tcp);
-- they are dissected with this frame's bytes, in a tvb of their own.
local function dissect_tcp(tvb, pinfo, root, lead)
  local call, st, stream = call_of(tvb, pinfo, lead)
  if call == nil then return 0 end
  if st == nil then
    -- A replay: the state as the call found it, the answers' framings known then; what it
    -- changes stays in these copies.
    st = copy(call.st)
    stream = { framings = setmetatable({}, { __index = call.framings }), known = call.known }
  end
  local is_request = call.is_request
  current.client = call.client
  current.server = call.server
  pinfo.cols.protocol = "uwsgi"
  local step = is_request and request_step or answer_step
  local base = 0
  if call.lead ~= nil then
    base = call.lead:len()
    tvb = (call.lead .. tvb:bytes()):tvb("uwsgi: first bytes of the stream")
  end
  local rep = tvb:reported_len()
  local offset = 0
  local guard = 0
  while offset < rep do
    local used, need = step(tvb, pinfo, root, offset, st, stream)
    if used == 0 and need ~= nil and offset >= base then
      pinfo.desegment_offset = offset - base
      pinfo.desegment_len = need
      -- As fpm.lua: what was consumed, or (nothing yet) how much more is needed.
      if offset > base then return offset - base end
      if need == DESEGMENT_ONE_MORE_SEGMENT then return DESEGMENT_ONE_MORE_SEGMENT end
      return -need
    elseif used == 0 and need ~= nil then
      -- Bytes kept by the heuristic end inside a packet: it judged the whole packet, so no.
      return rep - base
    end
    offset = offset + used
    -- A step that takes nothing has changed the phase; a few in a row would be a bug.
    if used == 0 then guard = guard + 1 else guard = 0 end
    if guard > 4 then break end
  end
  return rep - base
end

local function dissect_datagram(tvb, pinfo, root)
  local cap, rep = tvb:len(), tvb:reported_len()
  if cap < 4 then return 0 end
  pinfo.cols.protocol = "uwsgi"
  current.client = endpoint(pinfo.src, pinfo.src_port)
  current.server = endpoint(pinfo.dst, pinfo.dst_port)
  local ds = tvb(1, 2):le_uint()
  local info = add_packet(tvb, pinfo, root, 0, true, "raw")
  if 4 + ds ~= rep then
    -- uWSGI's subscription server reads the whole datagram; its cache sync server wants them equal.
    local tree = root:add(uwsgi, tvb(0, 0))
    problem(tree, "DATASIZE_MISMATCH", tvb(0, 0))
    tree:set_text("uwsgi: datasize " .. ds .. " for a datagram of " .. rep .. " bytes")
  end
  return rep
end

function uwsgi.dissector(tvb, pinfo, root)
  if tvb:len() == 0 then return 0 end
  -- Port type 2 is TCP (the tcp.port table); anything else came from udp.port.
  if pinfo.port_type ~= 2 then return dissect_datagram(tvb, pinfo, root) end
  return dissect_tcp(tvb, pinfo, root)
end

-- Could a request start a stream whose first bytes are all in tvb? As the capture decoder's
-- heuristic: a modifier1 uWSGI assigns (not 72, "H" of HTTP, nor 255, an answer), data of the
-- kind it carries, the whole packet well formed: vars with printable keys, an array whose first
-- item is printable. "yes", "no", or "more" while what is there is right so far.
local function request_verdict(tvb)
  local cap = tvb:len()
  if cap < 4 then return "more" end
  local m1, ds, m2 = tvb(0, 1):uint(), tvb(1, 2):le_uint(), tvb(3, 1):uint()
  if m1 == 72 or m1 == 255 or M1_NAMES[m1] == nil then return "no" end
  local kind = kind_of(m1, m2)
  if kind == "empty" then return ds == 0 and "yes" or "no" end
  if ds == 0 then return "no" end
  local stop = math.min(cap, 4 + ds)
  local whole = stop == 4 + ds
  if kind == "raw" then
    if not (m1 == 111 and (m2 == 0 or m2 == 2 or m2 == 5 or m2 == 6)) or ds > 255 then return "no" end
    if not printable(tvb(4, stop - 4):raw()) then return "no" end
    return whole and "yes" or "more"
  end
  if kind == "vars" then
    local spans, err = walk_vars(tvb, 4, stop, 4 + ds)
    if err ~= nil and err ~= "CUT" then return "no" end
    for i = 1, #spans do
      if not printable(tvb(spans[i][1], spans[i][2]):raw()) then return "no" end
    end
    if not whole or err == "CUT" then return "more" end
    return #spans > 0 and "yes" or "no"
  end
  local spans, err = walk_items(tvb, 4, stop, 4 + ds)
  if err ~= nil and err ~= "CUT" then return "no" end
  if #spans == 0 then return whole and "no" or "more" end
  if spans[1][2] == 0 or not printable(tvb(spans[1][1], spans[1][2]):raw()) then return "no" end
  return whole and "yes" or "more"
end

-- The heuristic sees segments one by one, before any reassembly: while a stream's first bytes
-- are too few to decide, they are kept and the next segment is judged with them (first pass;
-- later passes replay what it took).
local function heuristic_tcp(tvb, pinfo, root)
  if not uwsgi.prefs.heuristic then return false end
  if tvb:len() == 0 then return false end
  if pinfo.visited then
    -- The first pass decided: a call it dissected is replayed, nothing else is taken.
    if calls[call_key(tvb, pinfo)] == nil then return false end
    dissect_tcp(tvb, pinfo, root)
    return true
  end
  local id = stream_key(pinfo)
  -- Only the side that sent first can be the client: an answer may look like a request (a
  -- cache or RPC answer is well-formed vars or items).
  local from = endpoint(pinfo.src, pinfo.src_port)
  local first = probes[id]
  if first == nil then probes[id] = from end
  if first ~= nil and first ~= from then return false end
  local key = id .. " " .. from
  local probe = probes[key]
  if probe == false then return false end
  local seen = tvb
  if probe ~= nil then seen = (probe .. tvb:bytes()):tvb("uwsgi: first bytes of the stream") end
  local verdict = request_verdict(seen)
  -- A frame cut by the capture's snap length keeps the rest from ever coming: judge what is there.
  if verdict == "more" and tvb:len() < tvb:reported_len() and seen:len() >= 4 then verdict = "yes" end
  if verdict ~= "yes" then
    if verdict == "no" or seen:len() > 65539 then probes[key] = false
    else probes[key] = seen:bytes() end
    return false
  end
  streams[id] = new_stream(from)
  pinfo.conversation = uwsgi
  dissect_tcp(tvb, pinfo, root, probe)
  return true
end

-- A datagram: a subscription (224) or a cache sync (111, 10 or 11), whole and well formed.
local function heuristic_udp(tvb, pinfo, root)
  if not uwsgi.prefs.heuristic then return false end
  local cap = tvb:len()
  if cap < 4 or cap ~= tvb:reported_len() then return false end
  local m1, ds, m2 = tvb(0, 1):uint(), tvb(1, 2):le_uint(), tvb(3, 1):uint()
  if 4 + ds ~= cap or ds == 0 then return false end
  if m1 == 224 then
    local spans, err = walk_vars(tvb, 4, cap, cap)
    if err ~= nil or #spans == 0 then return false end
  elseif m1 == 111 and (m2 == 10 or m2 == 11) then
    local spans, err = walk_items(tvb, 4, cap, cap)
    if err ~= nil or #spans == 0 then return false end
  else
    return false
  end
  dissect_datagram(tvb, pinfo, root)
  return true
end

local registered_tcp, registered_udp = nil, nil
local function register_ports()
  local tcp_table = DissectorTable.get("tcp.port")
  local udp_table = DissectorTable.get("udp.port")
  if registered_tcp ~= nil and registered_tcp ~= "" then tcp_table:remove(registered_tcp, uwsgi) end
  if registered_udp ~= nil and registered_udp ~= "" then udp_table:remove(registered_udp, uwsgi) end
  registered_tcp = tostring(uwsgi.prefs.tcp_ports)
  registered_udp = tostring(uwsgi.prefs.udp_ports)
  tcp_ports = port_set(registered_tcp)
  if registered_tcp ~= "" then tcp_table:add(registered_tcp, uwsgi) end
  if registered_udp ~= "" then udp_table:add(registered_udp, uwsgi) end
end

function uwsgi.prefs_changed()
  register_ports()
end

register_ports()
uwsgi:register_heuristic("tcp", heuristic_tcp)
uwsgi:register_heuristic("udp", heuristic_udp)
`;
