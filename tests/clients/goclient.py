"""Build and run the Go client program (tests/clients/go) against a server.

The Go toolchain's caches live outside the checkout (~/.cache/ember/go), so
the module download and the first build (~1-2 min on 2 cores) happen once
per machine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
GO_DIR = os.path.join(HERE, "go")
CACHE = os.path.join(os.path.expanduser("~"), ".cache", "ember", "go")
BIN = os.path.join(CACHE, "bin", "ember-goclient")


def go_env() -> dict:
    env = dict(os.environ)
    env.update(GOPATH=CACHE, GOMODCACHE=os.path.join(CACHE, "mod"), GOCACHE=os.path.join(CACHE, "build"),
               GOFLAGS="-modcacherw")
    return env


def available() -> bool:
    return shutil.which("go") is not None


def build(timeout: float = 900) -> str:
    """Builds the program (go's own caches make a rebuild a no-op)."""
    os.makedirs(os.path.dirname(BIN), exist_ok=True)
    subprocess.run(["go", "build", "-o", BIN, "."], cwd=GO_DIR, env=go_env(), check=True, timeout=timeout,
                   capture_output=True, text=True)
    return BIN


def run(url: str, sql: bool = True, timeout: float = 120) -> list:
    """Runs every step against url; returns the list of step results."""
    p = subprocess.run([BIN, "-remote", url, f"-sql={'true' if sql else 'false'}"], env=go_env(),
                       capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0 and not p.stdout.strip():
        raise RuntimeError(f"go client failed ({p.returncode}): {p.stderr.strip()[-2000:]}")
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
