// The dissector's protocol, fields, expert infos, preferences and small helpers.
// Lua 5.2 as Wireshark 4.0 runs it; held as text (String.raw keeps its backslashes for Lua).

/** @internal */
export const LUA_FIELDS: string = String.raw`local uwsgi = Proto("uwsgi", "uwsgi protocol")

local DIRECTIONS = { [0] = "request", [1] = "answer" }
local f = {
  direction = ProtoField.uint8("uwsgi.direction", "Direction", base.DEC, DIRECTIONS),
  modifier1 = ProtoField.uint8("uwsgi.modifier1", "modifier1", base.DEC, M1_NAMES),
  datasize = ProtoField.uint16("uwsgi.datasize", "datasize", base.DEC),
  modifier2 = ProtoField.uint8("uwsgi.modifier2", "modifier2", base.DEC),
  vars_count = ProtoField.uint16("uwsgi.vars.count", "Vars", base.DEC),
  var = ProtoField.string("uwsgi.var", "Var"),
  var_key = ProtoField.string("uwsgi.var.key", "Key"),
  var_value = ProtoField.string("uwsgi.var.value", "Value"),
  items_count = ProtoField.uint16("uwsgi.items.count", "Items", base.DEC),
  item = ProtoField.bytes("uwsgi.item", "Item"),
  payload = ProtoField.bytes("uwsgi.payload", "Payload"),
  body = ProtoField.bytes("uwsgi.body", "Body"),
  body_length = ProtoField.uint32("uwsgi.body.length", "Body bytes", base.DEC),
  body_chunked = ProtoField.bool("uwsgi.body.chunked", "Chunked body"),
  body_decoded_length = ProtoField.uint64("uwsgi.body.decoded_length", "Decoded body bytes", base.DEC),
  body_chunks = ProtoField.uint32("uwsgi.body.chunks", "Chunks", base.DEC),
  chunk_size = ProtoField.uint64("uwsgi.chunk.size", "Chunk size", base.DEC),
  chunk_extension = ProtoField.string("uwsgi.chunk.extension", "Chunk extension"),
  chunk_data = ProtoField.bytes("uwsgi.chunk.data", "Chunk data"),
  chunk_trailer = ProtoField.string("uwsgi.chunk.trailer", "Trailer field"),
  unframed = ProtoField.bytes("uwsgi.unframed", "Bytes not framed"),
  answer_data = ProtoField.bytes("uwsgi.answer.data", "Answer data"),
  answer_length = ProtoField.uint32("uwsgi.answer.length", "Answer bytes", base.DEC),
  status_line = ProtoField.string("uwsgi.http.status_line", "Status line"),
  status = ProtoField.uint16("uwsgi.http.status", "Status", base.DEC),
  header = ProtoField.string("uwsgi.http.header", "Header"),
  header_name = ProtoField.string("uwsgi.http.header.name", "Name"),
  header_value = ProtoField.string("uwsgi.http.header.value", "Value"),
  rpc_function = ProtoField.string("uwsgi.rpc.function", "RPC function"),
  rpc_arg = ProtoField.bytes("uwsgi.rpc.arg", "RPC argument"),
  rpc_result_length = ProtoField.uint32("uwsgi.rpc.result_length", "RPC result bytes", base.DEC),
  cache_command = ProtoField.string("uwsgi.cache.command", "Cache command"),
  cache_key = ProtoField.string("uwsgi.cache.key", "Cache key"),
  cache_name = ProtoField.string("uwsgi.cache.name", "Cache"),
  cache_status = ProtoField.string("uwsgi.cache.status", "Cache status"),
  cache_size = ProtoField.uint32("uwsgi.cache.size", "Value bytes", base.DEC),
  signal = ProtoField.uint8("uwsgi.signal", "Signal", base.DEC),
  status_code = ProtoField.uint8("uwsgi.status", "Status", base.DEC, { [0] = "failed", [1] = "ok" }),
  subscription_key = ProtoField.string("uwsgi.subscription.key", "Subscription key"),
  subscription_address = ProtoField.string("uwsgi.subscription.address", "Node address"),
  partial = ProtoField.uint32("uwsgi.partial", "Bytes of the packet in later segments", base.DEC),
  remaining = ProtoField.uint32("uwsgi.remaining", "Bytes still to come after these", base.DEC),
  client = ProtoField.string("uwsgi.client", "Client"),
  server = ProtoField.string("uwsgi.server", "Server"),
  error = ProtoField.string("uwsgi.error", "Error"),
}
local field_list = {}
for _, v in pairs(f) do field_list[#field_list + 1] = v end
uwsgi.fields = field_list

local e_truncated = ProtoExpert.new("uwsgi.truncated.expert", "Captured bytes end inside this uwsgi data", expert.group.MALFORMED, expert.severity.WARN)
local e_malformed = ProtoExpert.new("uwsgi.malformed.expert", "Malformed uwsgi packet", expert.group.MALFORMED, expert.severity.ERROR)
local e_partial = ProtoExpert.new("uwsgi.partial.expert", "uwsgi packet continues in later segments", expert.group.REASSEMBLE, expert.severity.NOTE)
uwsgi.experts = { e_truncated, e_malformed, e_partial }

uwsgi.prefs.tcp_ports = Pref.range("TCP ports", TCP_PORTS, "TCP ports of uwsgi servers (uWSGI --socket, nginx uwsgi_pass)", 65535)
uwsgi.prefs.udp_ports = Pref.range("UDP ports", UDP_PORTS, "UDP ports of subscription servers and cache sync servers", 65535)
uwsgi.prefs.heuristic = Pref.bool("Recognise uwsgi on any port", true, "Try the heuristic on TCP and UDP traffic no other dissector took")

local f_tcp_stream = Field.new("tcp.stream")

local MAX_HEAD = 65536
local HEADER = 1
local BODY = 2
local SKIP = 3
local RAW = 4
local HTTP_HEAD = 5
local HTTP_BODY = 6
local PACKET = 7
local WAIT = 8
local CHUNKED = 9
local UNFRAMED = 10

-- The first pass's state: each TCP stream's (its client, each direction's state, the answers'
-- framings), the heuristic's probes, and what each call was dissected from (see dissect_tcp).
local streams = {}
local probes = {}
local calls = {}

function uwsgi.init()
  streams = {}
  probes = {}
  calls = {}
end

local function kind_of(m1, m2)
  local t = KIND_M2[m1]
  return (t and t[m2]) or KIND[m1] or "raw"
end

local function answer_of(m1, m2)
  local t = ANSWER_M2[m1]
  return (t and t[m2]) or ANSWER[m1] or "raw"
end

local function trailer_of(m1, m2)
  local t = TRAILER_M2[m1]
  return (t and t[m2]) or TRAILER[m1] or "none"
end

local function m1_label(m1)
  return M1_NAMES[m1] or ("UNKNOWN_" .. m1)
end

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- Leading ASCII digits, as uWSGI reads CONTENT_LENGTH (and the cache's size).
local function leading_digits(s)
  local d = s:match("^%d+")
  if d == nil then return 0 end
  return tonumber(d)
end

local function printable(s)
  return s:find("[^\033-\126]") == nil
end
`;
