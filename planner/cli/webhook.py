"""POST each watch transition to `--webhook URL` (docs/drift.md, "Webhook").

A background thread sends them in order, so a slow or failing endpoint never holds up the watch:
each POST has a timeout, is retried with backoff, and a final failure is one line on stderr.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from typing import Any

import httpx

TIMEOUT_S = 10.0
ATTEMPTS = 4
BACKOFF_S = (1.0, 2.0, 4.0)
FLUSH_S = 5.0  # how long an exiting watch waits for the POSTs still queued


class Webhook:
    def __init__(self, url: str):
        self.url = url
        parsed = httpx.URL(url)
        self.where = f"{parsed.scheme}://{parsed.host}"  # the path or query may hold a token
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._client = httpx.Client(timeout=TIMEOUT_S, headers={"User-Agent": "vcplan"})
        self._thread = threading.Thread(target=self._run, name="webhook", daemon=True)
        self._thread.start()

    def post(self, body: dict[str, Any]) -> None:
        self._queue.put(body)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(FLUSH_S)
        self._client.close()

    def _run(self) -> None:
        while (body := self._queue.get()) is not None:
            self._send(body)

    def _send(self, body: dict[str, Any]) -> None:
        problem = ""
        for attempt in range(ATTEMPTS):
            try:
                response = self._client.post(self.url, json=body)
                if response.status_code < 300:
                    return
                problem = f"HTTP {response.status_code}"
                if 400 <= response.status_code < 500 and response.status_code != 429:
                    break  # the endpoint refuses this body: retrying will not help
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
            if attempt < len(BACKOFF_S):
                time.sleep(BACKOFF_S[attempt])
        print(
            f"warning: webhook {self.where} failed ({problem}) for {body.get('address')}; "
            "the watch goes on",
            file=sys.stderr,
            flush=True,
        )
