"""The certificate check an SM2 certificate goes through, next to a P-256 one's, measured in the same run.

Run: .venv/bin/python bench/certificate_checks.py [--runs N] [--no-write]

``trading.services.certificates.certificate_check`` runs at registration and again at every sign-in and every bid:
the chain (the CA's signature of the certificate), validity, the CA's revocation list (its signature) and the credit
code. For an SM2 certificate both signatures are SM2 with SM3, verified in pure Python (sealing/sm2.py, gmssl's
arithmetic); for a P-256 one, by OpenSSL. Three figures per kind:

1. baseline: the P-256 certificate's whole check;
2. the SM2 certificate's whole check the first time (``cold``: the cache of good SM2 signatures emptied each run);
3. the SM2 certificate's whole check again (``warm``: what every later sign-in and bid costs).

Test CAs made here (tests/certificates.py); no database. Figures go to bench/RESULTS.md under "## Certificate checks".
"""

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

import benchsupport  # noqa: F401 (puts the project on sys.path)

CODE = "91350100M000100Y43"


def timed(function, runs: int, before=None) -> list[float]:
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def row(label: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"| {label} | {statistics.median(times):.2f} | {p95:.2f} | {statistics.mean(times):.2f} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    from tests.certificates import authority, issue, pem, publish
    from trading.services import certificates

    load_before = os.getloadavg()
    sm2_ca, p256_ca = authority("测试商用密码数字证书认证中心", suite="gm"), authority("测试国家电子认证服务中心")
    publish(settings, Path(tempfile.mkdtemp(prefix="bench-certificates-")), [sm2_ca, p256_ca])
    holder = certificates.Holder(kind="organisation", code=CODE, name="测试建设有限公司")
    sm2_pem, p256_pem = pem(issue(sm2_ca, credit_code=CODE)[0]), pem(issue(p256_ca, credit_code=CODE)[0])

    def check(data: str):
        return lambda: certificates.certificate_check(data, holder=holder)

    check(sm2_pem)()  # reads the CA and list files once, as a running server has
    baseline = timed(check(p256_pem), args.runs)
    cold = timed(check(sm2_pem), args.runs, before=certificates._sm2_good.clear)
    warm = timed(check(sm2_pem), args.runs)
    load_after = os.getloadavg()

    table = "\n".join([
        "| check (ms) | p50 | p95 | mean |", "|---|---|---|---|",
        row("P-256 certificate (baseline)", baseline), row("SM2 certificate, first check (cold)", cold),
        row("SM2 certificate, later checks (warm)", warm)])
    text = (f"### {dt.date.today().isoformat()}, {args.runs} runs each, load average "
            f"{load_before[0]:.1f} before, {load_after[0]:.1f} after (2 cores, shared)\n\n"
            "`bench/certificate_checks.py`: `certificate_check` (chain, validity, the CA's revocation list, credit "
            "code) of one certificate from a configured SM2 CA and one from a configured P-256 CA, in the same run.\n\n"
            f"{table}\n\n"
            f"First SM2 check = {statistics.median(cold) / statistics.median(baseline):.0f}× the P-256 one (two SM2 "
            "verifications in pure Python: the certificate's and the list's); later checks of the same certificate "
            f"= {statistics.median(warm) / statistics.median(baseline):.1f}× (the good signatures are remembered by "
            "the SHA-256 of key, signature and signed bytes).")
    print(text)
    if not args.no_write:
        benchsupport.results_section_append("Certificate checks", text)


if __name__ == "__main__":
    main()
