"""Run a command against a throwaway PostgreSQL cluster, then remove it.

    python scripts/throwaway_postgres.py -- pytest -x

The cluster lives in a temporary directory, listens on a free loopback port,
and is stopped and deleted when the command ends, whatever its outcome.
PostgreSQL refuses to run as root, so under root the cluster runs as the
`postgres` system user.
"""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path


def find_binary(name):
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    sys.exit(f"{name} not found: install PostgreSQL (Debian: apt-get install postgresql).")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_cluster_owner(command):
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def main():
    if "--" not in sys.argv:
        sys.exit(__doc__)
    command = sys.argv[sys.argv.index("--") + 1 :]
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-pg-"))
    data, sockets = workdir / "data", workdir / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
        shutil.chown(sockets, "postgres")

    def run(args):
        subprocess.run(as_cluster_owner(args), check=True, stdout=subprocess.DEVNULL)

    try:
        run([initdb, "-D", str(data), "-U", "newsroom", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sockets} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
            "-c shared_buffers=256MB"
        )
        run([pg_ctl, "-D", str(data), "-o", options, "-l", str(workdir / "server.log"), "-w", "start"])
        environment = dict(os.environ, DATABASE_URL=f"postgres://newsroom@127.0.0.1:{port}/postgres")
        environment["TEST_POSTGRES_PGCTL"] = f"{pg_ctl} -D {data}"
        print(f"PostgreSQL cluster on 127.0.0.1:{port}", flush=True)
        return subprocess.call(command, env=environment)
    finally:
        subprocess.run(
            as_cluster_owner([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
