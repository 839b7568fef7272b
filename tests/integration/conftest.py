import os
import signal
import subprocess

import pytest

from tests.servers import ROOT, embedded_env, free_port, wait_for_port


@pytest.fixture(scope="package")
def make_run(tmp_path_factory):
    """Run the README's `make run` against an empty var/ directory and yield its host:port and var/ folder.

    Package-scoped: seeding the demo takes a while, and several modules look at the same running platform.
    """
    var_dir = tmp_path_factory.mktemp("var")
    port = free_port()
    log = open(var_dir / "make-run.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=ROOT, env=embedded_env(var_dir),
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(port, timeout=240, process=process)
        yield f"127.0.0.1:{port}", var_dir
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


