// The dissector's chunked request bodies: HTTP/1.1 chunked framing (RFC 9112 section 7.1) after
// a request packet with HTTP_TRANSFER_ENCODING chunked and no CONTENT_LENGTH, read with the
// grammar, limits and error codes of the parser's ChunkedDecoder (src/parser/chunked-decoder.ts).
// Lua 5.2 as Wireshark 4.0 runs it; held as text (String.raw keeps its backslashes for Lua).

/** @internal */
export const LUA_CHUNKED: string = String.raw`local start_chunked, chunked_step, unframed_step
-- In a block of its own: its constants are not locals of the whole file (Lua allows 200).
do
  -- The parser's defaults: maxChunkLineLength (CRLF included), maxTrailerSize (the final CRLF not).
  local MAX_CHUNK_LINE = 4096
  local MAX_TRAILERS = 16384
  -- Beyond this a chunk size no longer fits a double exactly (BODY_TOO_LARGE, as the parser).
  local MAX_SIZE_BEFORE_DIGIT = math.floor(9007199254740991 / 16)
  -- Framing bytes are read from the tvb in pieces of this size: a short line in a long segment
  -- costs a short string.
  local SCAN_PIECE = 512

  -- The framing states (st.cs), as the parser's.
  local SIZE, SIZE_WS, EXT, SIZE_LF = 0, 1, 2, 3
  local DATA, DATA_CR, DATA_LF = 4, 5, 6
  local TRAILER, TRAILER_NAME, TRAILER_VALUE, TRAILER_LF, END_LF = 7, 8, 9, 10, 11
  local CR, LF, SP, HTAB, SEMICOLON, COLON = 13, 10, 32, 9, 59, 58

  local HEX_VALUE = {}
  for i = 0, 9 do HEX_VALUE[48 + i] = i end
  for i = 0, 5 do
    HEX_VALUE[65 + i] = 10 + i
    HEX_VALUE[97 + i] = 10 + i
  end
  -- RFC 9110 token characters: what a trailer field name is made of (96 is the backquote).
  local TOKEN = { [96] = true }
  for c in ("!#$%&'*+-.^_|~"):gmatch(".") do TOKEN[c:byte()] = true end
  for c = 48, 57 do TOKEN[c] = true end
  for c = 65, 90 do TOKEN[c] = true end
  for c = 97, 122 do TOKEN[c] = true end

  local function is_control(c)
    return (c < 32 and c ~= HTAB) or c == 127
  end

  -- A size as a UInt64: a Lua number in a 32-bit field would wrap.
  local function u64(n)
    return UInt64.new(n % 4294967296, math.floor(n / 4294967296))
  end

  function start_chunked(st)
    st.phase = CHUNKED
    st.cs = SIZE
    st.size, st.digits, st.line, st.trailer, st.scanned = 0, 0, 0, 0, 0
    st.decoded, st.chunks = 0, 0
  end

  -- Scans framing bytes s from state st. Returns the index in s of the byte that ended the scan
  -- and why: "line" (a chunk-size line's LF, st.size > 0), "done" (the body's last byte), or
  -- the parser's error code for that byte; nil when s is used up. 'base' is where s starts in
  -- the run of framing bytes, to note where the last chunk's line ends (st.last_at).
  local function scan(s, st, base)
    local cs = st.cs
    for i = 1, #s do
      local c = s:byte(i)
      local nxt = -1
      if cs <= SIZE_LF then
        st.line = st.line + 1
        if st.line > MAX_CHUNK_LINE then
          st.cs = cs
          return i, "CHUNK_LINE_TOO_LONG"
        end
        if cs == SIZE then
          local d = HEX_VALUE[c]
          if d ~= nil then
            if st.size > MAX_SIZE_BEFORE_DIGIT then
              st.cs = cs
              return i, "BODY_TOO_LARGE"
            end
            st.size = st.size * 16 + d
            st.digits = st.digits + 1
            nxt = SIZE
          elseif st.digits == 0 then nxt = -1
          elseif c == CR then nxt = SIZE_LF
          elseif c == SEMICOLON then nxt = EXT
          elseif c == SP or c == HTAB then nxt = SIZE_WS
          end
        elseif cs == SIZE_WS then
          if c == SEMICOLON then nxt = EXT
          elseif c == SP or c == HTAB then nxt = SIZE_WS
          end
        elseif cs == EXT then
          if c == CR then nxt = SIZE_LF
          elseif not is_control(c) then nxt = EXT
          end
        elseif c == LF then
          -- The size line is complete: its length is kept for the tree.
          st.line_len = st.line
          st.line = 0
          st.digits = 0
          if st.size > 0 then
            st.cs = DATA
            return i, "line"
          end
          st.last_at = base + i
          nxt = TRAILER
        end
      elseif cs == DATA_CR then
        if c == CR then nxt = DATA_LF end
      elseif cs == DATA_LF then
        if c == LF then nxt = SIZE end
      elseif cs == END_LF then
        if c == LF then
          st.cs = END_LF
          return i, "done"
        end
      elseif cs == TRAILER and c == CR then
        nxt = END_LF
      else
        st.trailer = st.trailer + 1
        if st.trailer > MAX_TRAILERS then
          st.cs = cs
          return i, "TRAILERS_TOO_LARGE"
        end
        if cs == TRAILER then
          if TOKEN[c] then nxt = TRAILER_NAME end
        elseif cs == TRAILER_NAME then
          if TOKEN[c] then nxt = TRAILER_NAME
          elseif c == COLON then nxt = TRAILER_VALUE
          end
        elseif cs == TRAILER_VALUE then
          if c == CR then nxt = TRAILER_LF
          elseif not is_control(c) then nxt = TRAILER_VALUE
          end
        elseif c == LF then
          nxt = TRAILER
        end
      end
      if nxt < 0 then
        st.cs = cs
        return i, "INVALID_CHUNK"
      end
      cs = nxt
    end
    st.cs = cs
    return nil
  end

  local function body_node(tvb, root, offset, stop)
    local tree = root:add(uwsgi, tvb(offset, math.min(tvb:len(), stop) - offset))
    add_direction(tree, tvb(offset, 0), true)
    tree:add(f.body_chunked, tvb(offset, 0), true):set_generated()
    return tree
  end

  -- A chunk-size line ending at 'stop': its size and extension, as fields.
  local function add_size_line(tvb, tree, stop, len, size)
    local start = stop - len
    local line = tvb(start, len):raw()
    local digits = #line:match("^%x+")
    tree:add(f.chunk_size, tvb(start, digits), u64(size))
    local semi = line:find(";", 1, true)
    if semi ~= nil then
      tree:add(f.chunk_extension, tvb(start + semi - 1, len - semi - 1), line:sub(semi, len - 2))
    end
  end

  -- Chunk data from 'offset': as much of what st.size announces as this tvb holds.
  local function add_data(tvb, tree, offset, st)
    local n = math.min(st.size, tvb:reported_len() - offset)
    local cap = math.max(0, math.min(tvb:len() - offset, n))
    if cap > 0 then tree:add(f.chunk_data, tvb(offset, cap)) end
    tree:add(f.body_length, tvb(offset, cap), n)
    st.size = st.size - n
    st.decoded = st.decoded + n
    tree:add(f.remaining, tvb(offset + cap, 0), st.size):set_generated()
    if cap < n then problem(tree, "CUT", tvb(offset + cap, 0)) end
    if st.size == 0 then
      -- The CRLF after the data starts the next run of framing bytes.
      st.cs = DATA_CR
      st.scanned = 0
    end
    return n
  end

  -- The last chunk, its trailer fields and the final CRLF, ending at 'stop'.
  local function add_last(tvb, pinfo, tree, offset, stop, st)
    local line_end = offset + st.last_at
    add_size_line(tvb, tree, line_end, st.line_len, 0)
    local pos = line_end
    local section = tvb(line_end, stop - 2 - line_end):raw()
    for field in section:gmatch("(.-)\r\n") do
      tree:add(f.chunk_trailer, tvb(pos, #field), field)
      pos = pos + #field + 2
    end
    tree:add(f.body_decoded_length, tvb(offset, 0), u64(st.decoded)):set_generated()
    tree:add(f.body_chunks, tvb(offset, 0), st.chunks):set_generated()
    tree:set_text("uwsgi request body (chunked): last chunk, " .. st.decoded .. " bytes in " .. st.chunks .. " chunks")
    pinfo.cols.info:append(" > chunked body, " .. st.decoded .. " bytes")
  end

  -- Framing bytes (the CRLF after a chunk's data, a size line, the last chunk and trailers),
  -- read from where the last call stopped: a run that goes on in the next segment is kept by
  -- desegmentation and only its new bytes are scanned.
  local function frame_step(tvb, pinfo, root, offset, st)
    local cap, rep = tvb:len(), tvb:reported_len()
    local p = offset + st.scanned
    local event, at = nil, nil
    while p < cap do
      local n = math.min(SCAN_PIECE, cap - p)
      local i, why = scan(tvb(p, n):raw(), st, p - offset)
      if why ~= nil then
        event, at = why, p + i
        break
      end
      p = p + n
    end
    if event == nil then
      st.scanned = cap - offset
      local tree = body_node(tvb, root, offset, cap)
      if cap < rep then
        -- The frame was cut by the capture: where the framing goes on is unknown.
        problem(tree, "CUT", tvb(cap, 0))
        tree:set_text("uwsgi request body (chunked): framing cut by the capture")
        st.phase = UNFRAMED
        st.label = "the rest of a chunked body, not captured"
        return cap - offset
      end
      tree:add_proto_expert_info(e_partial)
      tree:set_text("uwsgi request body (chunked): " .. (cap - offset) .. " bytes of chunk framing here, the rest in later segments")
      return 0, DESEGMENT_ONE_MORE_SEGMENT
    end
    st.scanned = 0
    if event == "line" then
      local tree = body_node(tvb, root, offset, at + st.size)
      st.chunks = st.chunks + 1
      local size = st.size
      add_size_line(tvb, tree, at, st.line_len, size)
      local n = add_data(tvb, tree, at, st)
      tree:set_text("uwsgi request body (chunked): chunk " .. st.chunks .. ", " .. size .. " bytes" .. ((n < size) and (", " .. (size - n) .. " more to come") or ""))
      return at + n - offset
    end
    if event == "done" then
      local tree = body_node(tvb, root, offset, at)
      add_last(tvb, pinfo, tree, offset, at, st)
      st.phase = HEADER
      return at - offset
    end
    -- A malformed byte at at - 1: the body's end cannot be known any more.
    local tree = body_node(tvb, root, offset, at - 1)
    problem(tree, event, tvb(at - 1, 1))
    tree:set_text("uwsgi request body (chunked): " .. event .. " after " .. st.decoded .. " bytes")
    st.phase = UNFRAMED
    st.label = "after a malformed chunked body"
    return at - 1 - offset
  end

  -- Chunk data that goes on from an earlier segment.
  local function data_step(tvb, root, offset, st)
    local tree = body_node(tvb, root, offset, offset + st.size)
    local size = st.size
    local n = add_data(tvb, tree, offset, st)
    tree:set_text("uwsgi request body (chunked): chunk " .. st.chunks .. " data, " .. n .. " bytes" .. ((n < size) and (", " .. (size - n) .. " more to come") or ""))
    return n
  end

  function chunked_step(tvb, pinfo, root, offset, st)
    if st.cs == DATA then return data_step(tvb, root, offset, st) end
    return frame_step(tvb, pinfo, root, offset, st)
  end

  -- The rest of the direction once its framing is lost: shown, not counted as a body.
  function unframed_step(tvb, root, offset, st)
    local rep = tvb:reported_len()
    local stop = math.min(tvb:len(), rep)
    local tree = root:add(uwsgi, tvb(offset, stop - offset))
    add_direction(tree, tvb(offset, 0), true)
    if stop > offset then tree:add(f.unframed, tvb(offset, stop - offset)) end
    tree:set_text("uwsgi request: " .. (rep - offset) .. " bytes not framed (" .. (st.label or "after a framing error") .. ")")
    return rep - offset
  end
end

`;
