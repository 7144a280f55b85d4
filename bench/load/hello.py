# The load benchmark's WSGI app for the router rows: the same answer as bench/load/backend.mjs
# (200, text/plain, Content-Length, 11 bytes), so every row checks the same body.
BODY = b"hello world"


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]
