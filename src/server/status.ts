/**
 * The status line the server answers a refused request with, by the refusal's code: the status
 * nginx itself would give for the same fault, so nginx can pass it on as it is.
 */
function statusOf(code: string): string {
  switch (code) {
    case "BODY_TOO_LARGE":
      return "413 Content Too Large";
    case "DATASIZE_OVER_LIMIT":
    case "TOO_MANY_VARS":
    case "TRAILERS_TOO_LARGE":
      return "431 Request Header Fields Too Large";
    case "HEADER_TIMEOUT":
    case "REQUEST_TIMEOUT":
      return "408 Request Timeout";
    case "LENGTH_REQUIRED":
      return "411 Length Required";
    case "UNSUPPORTED_TRANSFER_ENCODING":
      return "501 Not Implemented";
    default:
      return "400 Bad Request";
  }
}

/**
 * The whole answer to a refused request: its status line, and its code as a text/plain body
 * (written as latin1; the codes are ASCII).
 */
export function statusAnswer(code: string): string {
  const text = `${code}\n`;
  return `HTTP/1.1 ${statusOf(code)}\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`;
}
