"""The rehearsal's download mirror: a file store keyed by request and an HTTP server over it.

The workflow reaches every host through :func:`regbench.data.download.mirror_url`, which maps
``https://host/path?query`` onto ``<mirror>/host/path?query``. :class:`MirrorStore` stores the
answer to each such request; :func:`serve` answers them on 127.0.0.1.

Store layout under ``root`` (plain files, readable by hand)::

    entries/<key hash>.json      {"method", "url", "target", "body_sha1", "file", "size", "content_type"}
    files/<host>/<path>@<hash>   the body (the hash suffix: one path may be a file and a folder)

A request is identified by its method, ``/<host>/<path>``, its query parameters (order does not
matter: they are sorted) and, for POST, the JSON body (canonical form: sorted keys), so the
Synapse API's POST with a JSON body (folder children) can be answered. HEAD is answered from
the GET entry.

The server (``python -m regbench.rehearsal.mirror serve --root DIR --port 0 --port-file F``) is
threaded, sends ``Content-Length`` and ``Accept-Ranges: bytes``, honours single ``Range``
requests (206, 416 when unsatisfiable), answers 404 for anything not stored, and appends one
tab-separated line per request to its log before answering (time, method, target, status, body
bytes, range; a second line with status 499 and the bytes sent if the client hangs up): the
404 lines tell a study owner what the workflow asked for that no generator wrote. Stop it by
its PID (SIGTERM/SIGINT); it writes its PID to ``--pid-file`` when given.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import json
import mimetypes
import os
import shutil
import signal
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from regbench.workflow import atomic_path

METHODS = ("GET", "POST")


def canonical_body(body) -> bytes:
    """The bytes a POST body is matched on: canonical JSON (sorted keys, no spaces) when the
    body is a dict/list or JSON text, else the raw bytes."""
    if body is None:
        return b""
    if isinstance(body, (dict, list)):
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    raw = body.encode() if isinstance(body, str) else bytes(body)
    try:
        return json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        return raw


def request_target(url: str) -> str:
    """``https://host/path?b=2&a=1`` -> ``/host/path?a=1&b=2`` (the mirror-side request target,
    query parameters sorted); a target already of that form is normalised the same way."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme:
        if not parts.netloc:
            raise ValueError(f"{url}: expected an http(s) URL with a host")
        path = f"/{parts.netloc}{parts.path or '/'}"
    else:
        path = parts.path
    query = urllib.parse.urlencode(sorted(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)))
    return path + (f"?{query}" if query else "")


def request_key(method: str, target: str, body: bytes = b"") -> str:
    """Hash identifying one request (method, normalised target, canonical body)."""
    method = method.upper()
    h = hashlib.sha1(f"{method} {request_target(target)}\n".encode())
    if method == "POST":
        h.update(canonical_body(body))
    return h.hexdigest()


class MirrorStore:
    """Files answering mirror requests, under ``root`` (see module docstring)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        (self.root / "entries").mkdir(parents=True, exist_ok=True)
        (self.root / "files").mkdir(parents=True, exist_ok=True)

    def put(self, url: str, data: bytes | str | os.PathLike, method: str = "GET", body=None,
            content_type: str | None = None) -> Path:
        """Store ``data`` (bytes, or the path of a file to copy) as the answer to ``method url``
        (+ ``body`` for POST: dict/list or JSON text). Returns the stored file's path. A second
        put of the same request replaces the first."""
        method = method.upper()
        if method not in METHODS:
            raise ValueError(f"mirror: method {method!r} not supported (one of {METHODS})")
        if method != "POST" and body is not None:
            raise ValueError(f"mirror: a body is only matched for POST, not {method} {url}")
        target = request_target(url)
        key = request_key(method, target, canonical_body(body))
        path, _, query = target.partition("?")
        rel = path.lstrip("/")
        if rel.endswith("/"):
            rel += "index"
        rel += f"@{key[:12]}"  # a path can be both a file and a folder (syn1 and syn1/file)
        dest = self.root / "files" / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(dest, suffix="") as tmp:
            if isinstance(data, (bytes, bytearray)):
                tmp.write_bytes(bytes(data))
            elif isinstance(data, str) and not Path(data).exists():
                raise ValueError(f"mirror: {data!r} is neither bytes nor an existing file (use .encode() for text)")
            else:
                shutil.copyfile(data, tmp)
        ctype = content_type or mimetypes.guess_type(path)[0] or "application/octet-stream"
        entry = {
            "method": method,
            "url": url,
            "target": target,
            "body_sha1": hashlib.sha1(canonical_body(body)).hexdigest() if method == "POST" else None,
            "file": str(dest.relative_to(self.root)),
            "size": dest.stat().st_size,
            "content_type": ctype,
        }
        with atomic_path(self.root / "entries" / f"{key}.json", suffix="") as tmp:
            tmp.write_text(json.dumps(entry, indent=1) + "\n")
        return dest

    def lookup(self, method: str, target: str, body: bytes = b"") -> dict | None:
        """The entry answering a request (HEAD looks up GET), with ``path`` added, or None."""
        method = "GET" if method.upper() == "HEAD" else method.upper()
        f = self.root / "entries" / f"{request_key(method, target, body)}.json"
        if not f.exists():
            return None
        entry = json.loads(f.read_text())
        entry["path"] = self.root / entry["file"]
        return entry

    def has(self, url: str, method: str = "GET", body=None) -> bool:
        return self.lookup(method, request_target(url), canonical_body(body)) is not None

    def path(self, url: str, method: str = "GET", body=None) -> Path | None:
        """The stored file answering ``method url``, or None."""
        e = self.lookup(method, request_target(url), canonical_body(body))
        return None if e is None else e["path"]

    def entries(self) -> list[dict]:
        """Every stored entry, sorted by target."""
        out = [json.loads(p.read_text()) for p in (self.root / "entries").glob("*.json")]
        return sorted(out, key=lambda e: (e["target"], e["method"]))


# ---------------------------------------------------------------------------------------------
# server


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``bytes=a-b`` / ``bytes=a-`` / ``bytes=-n`` -> inclusive (start, end); None = unsatisfiable.
    Raises ValueError for a header that is not a single byte range."""
    unit, _, spec = header.partition("=")
    if unit.strip() != "bytes" or "," in spec:
        raise ValueError(header)
    a, _, b = spec.strip().partition("-")
    if a == "":
        n = int(b)
        if n == 0:
            return None
        return max(0, size - n), size - 1
    start = int(a)
    end = int(b) if b else size - 1
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)


class MirrorHandler(http.server.BaseHTTPRequestHandler):
    """Answers GET/HEAD/POST from a :class:`MirrorStore` (``server.store``), logging each."""

    protocol_version = "HTTP/1.1"
    server_version = "regbench-mirror/1"

    def log_message(self, fmt, *args):  # the request log replaces the default stderr lines
        pass

    def _log(self, status: int, nbytes: int, rng: str | None) -> None:
        line = "\t".join([time.strftime("%Y-%m-%dT%H:%M:%S"), self.command, self.path, str(status), str(nbytes), rng or "-"])
        with self.server.log_lock, open(self.server.log_path, "a") as fh:
            fh.write(line + "\n")

    def _error(self, status: int, message: str, rng: str | None = None) -> None:
        body = (message + "\n").encode()
        self._log(status, 0, rng)
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _answer(self, body: bytes = b"") -> None:
        rng = self.headers.get("Range")
        entry = self.server.store.lookup(self.command, self.path, body)
        if entry is None:
            return self._error(404, f"not in the rehearsal mirror: {self.command} {self.path}", rng)
        path, size = entry["path"], entry["path"].stat().st_size
        start, end, status = 0, size - 1, 200
        if rng and self.command in ("GET", "HEAD"):
            try:
                r = _parse_range(rng, size)
            except ValueError:
                r = (0, size - 1)  # not a single byte range: ignore it, send everything
                rng = None
            if r is None:
                self._log(416, 0, rng)
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if rng:
                start, end, status = r[0], r[1], 206
        length = end - start + 1 if size else 0
        # logged before answering, so a client that has its answer finds the line in the log
        self._log(status, 0 if self.command == "HEAD" else length, rng)
        self.send_response(status)
        self.send_header("Content-Type", entry["content_type"])
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        sent = 0
        if self.command != "HEAD" and length:
            try:
                with open(path, "rb") as fh:
                    fh.seek(start)
                    left = length
                    while left:
                        chunk = fh.read(min(left, 1 << 20))
                        if not chunk:
                            break
                        self.wfile.write(chunk)
                        left -= len(chunk)
                        sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                self._log(499, sent, rng)  # the client went away: a second line with what it got
                self.close_connection = True

    def do_GET(self):
        self._answer()

    def do_HEAD(self):
        self._answer()

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self._answer(self.rfile.read(n) if n else b"")


class MirrorServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: str | os.PathLike, host: str = "127.0.0.1", port: int = 0, log_path=None):
        self.store = MirrorStore(root)
        self.log_path = Path(log_path) if log_path else Path(root) / "requests.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_lock = threading.Lock()
        super().__init__((host, port), MirrorHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def start_in_thread(root, host: str = "127.0.0.1", port: int = 0, log_path=None) -> MirrorServer:
    """A server answering from ``root`` in a daemon thread (tests); ``.shutdown()`` stops it."""
    srv = MirrorServer(root, host, port, log_path)
    threading.Thread(target=srv.serve_forever, daemon=True, name="regbench-mirror").start()
    return srv


def read_log(path: str | os.PathLike) -> list[dict]:
    """The request log as dicts (time, method, target, status, bytes, range)."""
    out = []
    p = Path(path)
    if not p.exists():
        return out
    for line in p.read_text().splitlines():
        t, m, target, status, nbytes, rng = line.split("\t")
        out.append(dict(time=t, method=m, target=target, status=int(status), bytes=int(nbytes), range=None if rng == "-" else rng))
    return out


def serve(root, host: str = "127.0.0.1", port: int = 0, port_file=None, pid_file=None, log_path=None) -> None:
    """Serve ``root`` until SIGTERM/SIGINT; the bound port goes to ``port_file`` (written
    atomically once the socket listens)."""
    srv = MirrorServer(root, host, port, log_path)

    def stop(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if pid_file:
        with atomic_path(pid_file, suffix="") as tmp:
            tmp.write_text(f"{os.getpid()}\n")
    if port_file:
        with atomic_path(port_file, suffix="") as tmp:
            tmp.write_text(f"{srv.server_address[1]}\n")
    print(f"rehearsal mirror {srv.url} serving {root} (log {srv.log_path})", file=sys.stderr, flush=True)
    try:
        srv.serve_forever()
    finally:
        srv.server_close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m regbench.rehearsal.mirror", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="serve a mirror store over HTTP until SIGTERM")
    s.add_argument("--root", required=True)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0, help="0 = any free port (see --port-file)")
    s.add_argument("--port-file")
    s.add_argument("--pid-file")
    s.add_argument("--log", help="request log (default <root>/requests.log)")
    ls = sub.add_parser("ls", help="list the stored requests")
    ls.add_argument("--root", required=True)
    a = ap.parse_args(argv)
    if a.command == "serve":
        serve(a.root, a.host, a.port, a.port_file, a.pid_file, a.log)
    else:
        for e in MirrorStore(a.root).entries():
            print(f"{e['method']}\t{e['target']}\t{e['size']}\t{e['file']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
