"""Durability and latency of the dialogue under load, with the server killed mid-run.

On loopback, ``--submitters`` concurrent residents send contributions for ``--seconds``
while ``--readers`` clients fetch the public map data (published contributions as GeoJSON).
``--kills`` times the server is killed with SIGKILL and started again; clients that lose their
answer send the same submission again (same ``submission_key``) until it is acknowledged.
At the end the database is read directly:

* every contribution answered 201/200 must be there (``lost`` = 0);
* no submission is stored twice (``duplicates`` = 0);
* ``unacknowledged`` counts rows whose answer was lost in a kill and that the client gave up
  on after the run (stored but never confirmed: allowed, not lost).

Prints p50/p95 latency of answered requests of both endpoints (requests refused while the
server was down are counted apart, not timed).

    .venv/bin/python benchmarks/web_load.py --db sqlite --submitters 200 --seconds 60 --kills 1
    .venv/bin/python benchmarks/web_load.py --db postgresql+psycopg://jamlik@127.0.0.1:55432/x
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import create_engine, text

ADMIN = ("loadadmin", "load-test-password-123")
AREA = {
    "type": "Polygon",
    "coordinates": [[[11.8, 57.79], [12.13, 57.79], [12.13, 57.94], [11.8, 57.94], [11.8, 57.79]]],
}


@dataclass
class LoadResult:
    backend: str
    submitters: int
    seconds: float
    kills: int
    acked: dict[str, str] = field(default_factory=dict)  # submission_key -> public id
    submit_ms: list[float] = field(default_factory=list)
    map_ms: list[float] = field(default_factory=list)
    failed_attempts: int = 0
    other_status: dict[int, int] = field(default_factory=dict)
    stored: int = 0
    lost: int = 0
    duplicates: int = 0
    unacknowledged: int = 0
    restarts: int = 0

    def p(self, values: list[float], q: float) -> float:
        return float(np.percentile(values, q)) if values else float("nan")

    def report(self) -> str:
        return (
            f"{self.backend}: {self.submitters} submitters, {self.seconds:.0f} s, "
            f"{self.kills} kill -9 ({self.restarts} restarts)\n"
            f"  acknowledged {len(self.acked)}, stored {self.stored}, lost {self.lost}, "
            f"stored twice {self.duplicates}, stored but unacknowledged {self.unacknowledged}\n"
            f"  attempts refused while down {self.failed_attempts}, other answers "
            f"{self.other_status or 'none'}\n"
            f"  submit   p50 {self.p(self.submit_ms, 50):7.1f} ms  p95 "
            f"{self.p(self.submit_ms, 95):7.1f} ms  ({len(self.submit_ms)} answered)\n"
            f"  map data p50 {self.p(self.map_ms, 50):7.1f} ms  p95 "
            f"{self.p(self.map_ms, 95):7.1f} ms  ({len(self.map_ms)} answered)"
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``jamlik serve`` in a child process that can be killed and started again."""

    def __init__(self, db_url: str, port: int, workdir: Path) -> None:
        self.db_url = db_url
        self.port = port
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = open(workdir / "server.log", "ab")  # noqa: SIM115 - closed in stop()

    def start(self) -> None:
        jamlik = Path(sys.executable).parent / "jamlik"
        env = {
            **os.environ,
            "JAMLIK_ADMIN_PASSWORD": ADMIN[1],
            "JAMLIK_RATE_LIMIT_PER_MIN": "0",
            "JAMLIK_CACHE_DIR": str(self.workdir / "cache"),
            "JAMLIK_SECRET_KEY": "load-test-secret-0123456789",
        }
        self.proc = subprocess.Popen(
            [str(jamlik), "serve", "--port", str(self.port), "--db", self.db_url,
             "--admin-user", ADMIN[0]],
            env=env, cwd=self.workdir, stdout=self.log, stderr=self.log,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited; see {self.workdir / 'server.log'}")
            try:
                if httpx.get(f"{self.url}/api/dialogues", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start within 60 s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def _setup(server: Server, published: int) -> int:
    """Create a dialogue with ``published`` published contributions; return its id."""
    with httpx.Client(base_url=server.url, timeout=30) as c:
        csrf = c.post("/api/admin/login", json={"username": ADMIN[0], "password": ADMIN[1]}).json()[
            "csrf"
        ]
        headers = {"X-CSRF-Token": csrf}
        r = c.post("/api/dialogues", json={"title": "load", "area": AREA}, headers=headers)
        did = int(r.json()["id"])
        for i in range(published):
            body = _body(f"seed-{i:06d}", i)
            cid = c.post(f"/api/dialogues/{did}/contributions", json=body).json()["id"]
            c.post(f"/api/admin/contributions/{cid}/moderate", json={"status": "published"},
                   headers=headers)  # fmt: skip
    return did


def _body(key: str, i: int) -> dict[str, object]:
    rng = np.random.default_rng(i)
    return {
        "geometry": {"type": "Point", "coordinates": [float(rng.uniform(11.85, 12.1)),
                                                      float(rng.uniform(57.8, 57.93))]},
        "category": ["trivs_har", "otryggt", "saknas", "motesplats"][i % 4],
        "comment": f"load {key}",
        "submission_key": key,
    }  # fmt: skip


async def _submitter(
    w: int, client: httpx.AsyncClient, did: int, end: float, result: LoadResult
) -> None:
    seq = 0
    while time.monotonic() < end:
        key = f"w{w:04d}-{seq:06d}"
        seq += 1
        body = _body(key, w * 1_000_000 + seq)
        give_up = end + 60  # keep retrying a started submission well past the end
        while time.monotonic() < give_up:
            t0 = time.perf_counter()
            try:
                r = await client.post(f"/api/dialogues/{did}/contributions", json=body)
            except httpx.HTTPError:
                result.failed_attempts += 1
                await asyncio.sleep(0.2)
                continue
            if r.status_code in (200, 201):
                result.submit_ms.append(1000 * (time.perf_counter() - t0))
                result.acked[key] = r.json()["id"]
            else:
                result.other_status[r.status_code] = result.other_status.get(r.status_code, 0) + 1
            break


async def _reader(client: httpx.AsyncClient, did: int, end: float, result: LoadResult) -> None:
    while time.monotonic() < end:
        t0 = time.perf_counter()
        try:
            r = await client.get(f"/api/dialogues/{did}/contributions.geojson")
        except httpx.HTTPError:
            await asyncio.sleep(0.2)
            continue
        if r.status_code == 200:
            result.map_ms.append(1000 * (time.perf_counter() - t0))


async def _killer(
    server: Server, start: float, seconds: float, kills: int, result: LoadResult
) -> None:
    for k in range(kills):
        await asyncio.sleep(max(0.0, start + seconds * (k + 1) / (kills + 1) - time.monotonic()))
        await asyncio.to_thread(server.kill)
        await asyncio.to_thread(server.start)
        result.restarts += 1


async def _load(server: Server, did: int, args: argparse.Namespace, result: LoadResult) -> None:
    limits = httpx.Limits(max_connections=args.submitters + args.readers + 10)
    async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:
        start = time.monotonic()
        end = start + args.seconds
        tasks = [_submitter(w, client, did, end, result) for w in range(args.submitters)]
        tasks += [_reader(client, did, end, result) for _ in range(args.readers)]
        tasks.append(_killer(server, start, args.seconds, args.kills, result))
        await asyncio.gather(*tasks)


def _check(db_url: str, did: int, result: LoadResult) -> None:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT submission_key, public_id, comment FROM contributions "
                "WHERE dialogue_id = :d AND submission_key NOT LIKE 'seed-%'"
            ),
            {"d": did},
        ).all()
    engine.dispose()
    stored = {key: pid for key, pid, _ in rows}
    comments = [comment for _, _, comment in rows]
    result.stored = len(rows)
    result.lost = sum(1 for k, pid in result.acked.items() if stored.get(k) != pid)
    result.duplicates = (len(rows) - len(stored)) + (len(comments) - len(set(comments)))
    result.unacknowledged = len(set(stored) - set(result.acked))


def run(args: argparse.Namespace) -> LoadResult:
    """Run one load test and return its result (the database is checked at the end)."""
    with tempfile.TemporaryDirectory(prefix="jamlik-load-") as tmp:
        workdir = Path(tmp)
        db_url = f"sqlite:///{workdir / 'load.db'}" if args.db == "sqlite" else args.db
        backend = "sqlite" if args.db == "sqlite" else "postgresql"
        result = LoadResult(backend, args.submitters, args.seconds, args.kills)
        server = Server(db_url, args.port or free_port(), workdir)
        try:
            server.start()
            did = _setup(server, args.published)
            asyncio.run(_load(server, did, args, result))
        finally:
            server.stop()
        _check(db_url, did, result)
        return result


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", help="sqlite (a new file) or a PostgreSQL URL")
    parser.add_argument("--submitters", type=int, default=200)
    parser.add_argument("--readers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--kills", type=int, default=1)
    parser.add_argument("--published", type=int, default=200)
    parser.add_argument("--port", type=int, default=0)
    return parser.parse_args(argv)


if __name__ == "__main__":
    print(run(parse()).report())
