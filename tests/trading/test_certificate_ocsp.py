"""The CA's OCSP responder, asked where SIGNING_OCSP_TIMEOUT is set, for SM2 and P-256 certificates alike: an answer
"revoked" refuses a certificate the revocation list does not name yet, with the reason in Chinese; an answer that is
not the CA's, stale, or none at all (responder down) leaves the decision to the list, which is checked in any case.
The responder is an HTTP server these tests run on a local port; its answers are signed by the test CAs."""

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.x509 import ocsp
from django.utils import translation

from tests.certificates import NOW, issue, new_key, ocsp_answer, pem
from tests.servers import free_port
from tests.trading.test_certificates import refused
from trading.models import BidderKey
from trading.services import certificates
from trading.services.keys import certificate_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def responder(settings):
    """An OCSP responder on a local port: ``answers[serial]`` is what it sends for that certificate (none: 404)."""
    answers: dict[int, bytes] = {}
    asked: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            request = ocsp.load_der_ocsp_request(self.rfile.read(int(self.headers["Content-Length"])))
            asked.append(request.serial_number)
            body = answers.get(request.serial_number)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/ocsp-response")
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SIGNING_OCSP_TIMEOUT = 5
    certificates._ocsp_answers.clear()
    server.answers, server.asked = answers, asked
    server.url = f"http://127.0.0.1:{server.server_address[1]}/ocsp"
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.parametrize("kind", ["SM2", "P-256"])
def test_a_certificate_the_ocsp_responder_says_is_revoked_is_refused_before_the_list_names_it(sm2_cas, bidder,
                                                                                              responder, kind):
    ca = sm2_cas.first if kind == "SM2" else sm2_cas.second
    code = bidder.organisation.credit_code
    good, _ = issue(ca, credit_code=code, ocsp_url=responder.url)
    revoked, _ = issue(ca, credit_code=code, ocsp_url=responder.url)
    responder.answers[good.serial_number] = ocsp_answer(ca, good)
    responder.answers[revoked.serial_number] = ocsp_answer(ca, revoked, revoked=True)

    with translation.override("zh-hans"):
        refused(bidder, pem(revoked), "OCSP")
        refused(bidder, pem(revoked), "已于")
    assert certificate_register(user=bidder, certificate_pem=pem(good)).certificate_serial == f"{good.serial_number:x}"
    assert responder.asked.count(good.serial_number) == 1
    certificate_register(user=bidder, certificate_pem=pem(good))  # again: the answer is kept until its nextUpdate
    assert responder.asked.count(good.serial_number) == 1


def test_an_answer_not_the_cas_stale_or_missing_leaves_the_decision_to_the_list(sm2_cas, bidder, responder,
                                                                               settings):
    sm2_ca = sm2_cas.first
    code = bidder.organisation.credit_code
    forged, _ = issue(sm2_ca, credit_code=code, ocsp_url=responder.url)
    responder.answers[forged.serial_number] = ocsp_answer(sm2_ca, forged, revoked=True, signing_key=new_key("gm"))
    stale, _ = issue(sm2_ca, credit_code=code, ocsp_url=responder.url)
    responder.answers[stale.serial_number] = ocsp_answer(sm2_ca, stale, revoked=True,
                                                         next_update=NOW - dt.timedelta(hours=1))
    unanswered, _ = issue(sm2_ca, credit_code=code, ocsp_url=responder.url)
    for certificate in (forged, stale, unanswered):  # the list does not name them: accepted
        assert certificate_register(user=bidder, certificate_pem=pem(certificate)).certificate_serial == \
            f"{certificate.serial_number:x}"
    listed, _ = issue(sm2_ca, credit_code=code, ocsp_url=responder.url)
    responder.answers[listed.serial_number] = ocsp_answer(sm2_ca, listed)  # "good", but the list says revoked
    sm2_cas.revoke(listed)
    refused(bidder, pem(listed), "was revoked by its CA")

    settings.SIGNING_OCSP_TIMEOUT = 0  # not asked at all
    quiet, _ = issue(sm2_ca, credit_code=code, ocsp_url=responder.url)
    responder.answers[quiet.serial_number] = ocsp_answer(sm2_ca, quiet, revoked=True)
    assert certificate_register(user=bidder, certificate_pem=pem(quiet))
    assert quiet.serial_number not in responder.asked
    assert BidderKey.objects.filter(user=bidder).count() == 4
