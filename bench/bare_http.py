"""The true ceiling for accepted reports on this machine: a bare aiohttp server whose one handler
parses the same JSON body and answers 201 with an id and a position, nothing else (no auth, no
validation, no store). bench/append.py loads it with the same client in the same run.

    .venv/bin/python bench/bare_http.py PORT
"""

from __future__ import annotations

import itertools
import json
import sys

from aiohttp import web


def main() -> None:
    counter = itertools.count(1)

    async def accept(request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        return web.json_response({"id": body["id"], "position": next(counter)}, status=201)

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/healthz", health)
    app.router.add_post("/{tail:.*}", accept)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
