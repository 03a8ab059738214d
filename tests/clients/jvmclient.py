"""Build and run the JVM client program (tests/clients/jvm) against a server.

Dependencies come from Maven Central by Maven (into ~/.m2), are copied to
~/.cache/ember/jvm/lib, and the program is compiled there: nothing is built
inside the checkout."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
JVM_DIR = os.path.join(HERE, "jvm")
CACHE = os.path.join(os.path.expanduser("~"), ".cache", "ember", "jvm")
LIB = os.path.join(CACHE, "lib")
CLASSES = os.path.join(CACHE, "classes")
MAIN = "EmberJvmClient"


def available() -> bool:
    return all(shutil.which(t) for t in ("mvn", "javac", "java"))


def build(timeout: float = 900) -> None:
    pom = os.path.join(JVM_DIR, "pom.xml")
    stamp = os.path.join(LIB, ".pom")
    with open(pom) as f:
        pom_text = f.read()
    if not (os.path.exists(stamp) and open(stamp).read() == pom_text):
        shutil.rmtree(LIB, ignore_errors=True)
        subprocess.run(["mvn", "-q", "-B", "-f", pom, "dependency:copy-dependencies", f"-DoutputDirectory={LIB}"],
                       check=True, timeout=timeout, capture_output=True, text=True)
        with open(stamp, "w") as f:
            f.write(pom_text)
    os.makedirs(CLASSES, exist_ok=True)
    srcs = sorted(glob.glob(os.path.join(JVM_DIR, "src", "*.java")))
    subprocess.run(["javac", "-d", CLASSES, "-cp", os.path.join(LIB, "*")] + srcs, check=True, timeout=timeout,
                   capture_output=True, text=True)


def run(url: str, sql: bool = True, timeout: float = 180, main: str = MAIN, args: list | None = None) -> list:
    cmd = ["java", "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", CLASSES + ":" + os.path.join(LIB, "*"),
           main, url] + ([] if sql else ["--no-sql"]) + list(args or [])
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0 and not p.stdout.strip():
        raise RuntimeError(f"JVM client failed ({p.returncode}): {p.stderr.strip()[-2000:]}")
    return [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
