"""A throwaway PostgreSQL server for tests: `initdb` in a temp dir, started on a free loopback
port, stopped at the end. Nothing outside the temp dir is touched; the server binaries come
from the Debian packages (`postgresql`), found on PATH or under /usr/lib/postgresql/*/bin."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import asyncpg

SERVER_BINARIES = ("initdb", "pg_ctl")


def find_binary(name: str) -> Path | None:
    """`name` from PATH, else from the newest /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return Path(found)
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True
    )
    for folder in versions:
        if (folder / name).exists():
            return folder / name
    return None


def unavailable_reason() -> str | None:
    """Why no test server can be started here, or None if one can."""
    missing = [name for name in SERVER_BINARIES if find_binary(name) is None]
    if missing:
        return (
            f"the PostgreSQL server programs ({', '.join(missing)}) are not installed"
            " (Debian: apt-get install postgresql)"
        )
    if os.geteuid() == 0 and _server_user() is None:
        return "running as root, and there is no 'postgres' user to run the server as"
    return None


def _server_user() -> pwd.struct_passwd | None:
    """The user the server runs as when we are root (PostgreSQL refuses to run as root)."""
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgServer:
    """A running test server: connect as `postgres` (trust auth) on 127.0.0.1:`port`."""

    root: Path
    port: int

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    async def new_database(self, name: str, script: str = "") -> str:
        """Create database `name`, run `script` in it; its dsn."""
        admin = await asyncpg.connect(self.dsn())
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        if script:
            conn = await asyncpg.connect(self.dsn(name))
            try:
                await conn.execute(script)
            finally:
                await conn.close()
        return self.dsn(name)

    def stop(self) -> None:
        """Stop the server and remove its files."""
        try:
            _run([str(find_binary("pg_ctl")), "-D", str(self.root / "data"), "-m", "fast", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _run(argv: list[str]) -> None:
    """Run a server program, as the `postgres` user when we are root."""
    if os.geteuid() == 0:
        user = _server_user()
        assert user is not None
        argv = ["runuser", "-u", user.pw_name, "--", *argv]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{argv[-1]} failed: {result.stdout}\n{result.stderr}")


def start() -> PgServer:
    """initdb a cluster in a new temp dir and start it on a free loopback port (no fsync: a
    test server's data need not survive a crash of the machine). `stop()` removes it all.
    The dir is made under the system temp dir, not pytest's: the server's own user must be
    able to reach it, and pytest's dirs are private to us."""
    root = Path(tempfile.mkdtemp(prefix="rr-pg-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        user = _server_user()
        assert user is not None
        os.chown(root, user.pw_uid, user.pw_gid)
    data, sockets = root / "data", root / "sockets"
    _run(
        [
            str(find_binary("initdb")),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
        ]
    )
    _run(["mkdir", "-p", str(sockets)])
    port = _free_port()
    options = (
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
    )
    _run(
        [
            str(find_binary("pg_ctl")),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(root / "server.log"),
            "-w",
            "start",
        ]
    )
    return PgServer(root, port)
