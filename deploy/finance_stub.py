"""A stand-in for the finance integrated system's endpoint, for trying the outbound exchange by hand.

    python3 deploy/finance_stub.py 5090      # then ZLW_FINANCE_PUSH_URL=http://127.0.0.1:5090/exchange

Prints each message it receives (once per Idempotency-Key, as a real receiver would keep it) and answers 200.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SEEN: set[str] = set()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = min(int(self.headers.get("Content-Length") or 0), 1_000_000)
        body = json.loads(self.rfile.read(length) or b"{}")
        key = self.headers.get("Idempotency-Key", "")
        repeat = key in SEEN
        SEEN.add(key)
        print(("(repeat) " if repeat else "") + json.dumps(body, ensure_ascii=False), flush=True)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *_args: object) -> None:
        return


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5090
    print(f"listening on http://127.0.0.1:{port}/exchange", flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Receiver).serve_forever()
