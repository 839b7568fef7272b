"""Real servers for tests: Daphne processes (and later Celery workers) on free local ports."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Every server process a test started, so that the session can stop any a test failed to stop (tests/conftest.py).
STARTED: list[subprocess.Popen] = []


def free_port() -> int:
    """A free local port: within $SUNSHINE_TEST_PORTS ("8600-8699") when set (engineers sharing a machine each keep
    to their range), else any."""
    first, _, last = os.environ.get("SUNSHINE_TEST_PORTS", "").partition("-")
    candidates = range(int(first), int(last) + 1) if first and last else [0]
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError(f"no free port in SUNSHINE_TEST_PORTS={os.environ['SUNSHINE_TEST_PORTS']}")


def wait_for_port(port: int, *, timeout: float = 30.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {port} after {timeout}s")


class Daphne:
    """A Daphne process serving config.asgi on 127.0.0.1 with the given environment."""

    def __init__(self, *, env: dict[str, str], port: int | None = None, log_path: Path | None = None,
                 inherit: bool = True):
        """``inherit=False`` uses ``env`` as the whole environment (e.g. embedded_env, which drops DATABASE_URL)."""
        self.env = {**os.environ, **env} if inherit else dict(env)
        # The servers under test keep connections in a bounded pool as production does (the test process itself
        # runs without one: pyproject.toml).
        self.env["DB_POOL_MAX_SIZE"] = env.get("DB_POOL_MAX_SIZE", os.environ.get("SERVER_DB_POOL_MAX_SIZE", "10"))
        self.port = port or free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> "Daphne":
        """Start the server; a process of this object still running is killed first (a restart)."""
        self.kill()
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            # Daphne has no --backlog option; the Twisted endpoint string sets the listen backlog (default 50).
            [str(BIN / "daphne"), "-e", f"tcp:port={self.port}:interface=127.0.0.1:backlog=1024",
             "config.asgi:application"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        STARTED.append(self.process)
        try:
            wait_for_port(self.port, process=self.process)
        except BaseException:
            self.kill()
            raise
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=20)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def __enter__(self) -> "Daphne":
        """Starts the server unless it already runs (``with Daphne(...).start() as d`` starts one process)."""
        if self.process is None or self.process.poll() is not None:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.kill()


def stop_leftovers() -> list[int]:
    """Kill the process group of every started server still running; return their PIDs (a test that leaked)."""
    leaked = []
    for process in STARTED:
        if process.poll() is None:
            leaked.append(process.pid)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)
    STARTED.clear()
    return leaked


def manage(*args: str, env: dict[str, str], inherit: bool = True) -> subprocess.CompletedProcess:
    """Run manage.py in a child process; ``inherit=False`` uses ``env`` as the whole environment."""
    full_env = {**os.environ, **env} if inherit else env
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=300, check=False)


def pdf_signing_env(folder: Path) -> dict[str, str]:
    """A platform CA and document-signing certificate in ``folder``, as the environment production needs."""
    import secrets

    from core.pdf_signing import identity_files_make

    passphrase = secrets.token_urlsafe(24)
    key, cert, chain = identity_files_make(folder, root_name="测试平台根证书", passphrase=passphrase.encode())
    return {"SUNSHINE_PDF_SIGNING_KEY": str(key), "SUNSHINE_PDF_SIGNING_CERT": str(cert),
            "SUNSHINE_PDF_SIGNING_CHAIN": str(chain), "SUNSHINE_PDF_SIGNING_KEY_PASSPHRASE": passphrase}


def embedded_env(var_dir: Path) -> dict[str, str]:
    """The embedded default: no database or Redis URL, everything under ``var_dir``."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_EAGER",
                                                            "EMBEDDED_SCHEDULER", "ELASTICSEARCH_URL"}}
    env["SUNSHINE_VAR_DIR"] = str(var_dir)
    return env


class Browserless:
    """A tiny HTTP session that logs in through the real log-in form, CSRF and all."""

    def __init__(self, base_url: str):
        self.client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)

    def login(self, username: str, password: str) -> httpx.Response:
        self.client.get("/accounts/login/")
        token = self.client.cookies.get("csrftoken")
        return self.client.post("/accounts/login/", data={"username": username, "password": password,
                                                          "csrfmiddlewaretoken": token},
                                headers={"Referer": str(self.client.base_url)})

    def close(self) -> None:
        self.client.close()
