"""Certificates issued by an intermediate CA (a chain longer than one): the path from the holder's certificate to a
configured CA goes through intermediate CA certificates uploaded with it (a PEM bundle) or configured; each link's
signature, CA flag, path length, validity and revocation list are checked."""

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ValidationError

from tests.certificates import Authority, authority, issue, pem, publish
from trading.models import BidderKey
from trading.services.keys import certificate_register, certificate_still_valid

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(tmp_path, settings):
    """A root the platform accepts, an intermediate it issued (the CA that issues bidders' certificates)."""
    root = authority("测试根证书机构", path_length=1)
    intermediate = authority("测试省级业务证书机构", parent=root, path_length=0)
    publish(settings, tmp_path, [root], lists=[root, intermediate])
    return root, intermediate


def bundle(*certificates) -> str:
    return "".join(pem(c) for c in certificates)


def refused(bidder, data, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        certificate_register(user=bidder, certificate_pem=data)
    assert reason in " ".join(caught.value.message_dict["certificate"]), caught.value.message_dict
    assert not BidderKey.objects.filter(user=bidder, revoked_at=None).exists()


def test_a_certificate_of_an_intermediate_ca_registers_with_its_chain(chain, bidder):
    root, intermediate = chain
    certificate, _ = issue(intermediate, credit_code=bidder.organisation.credit_code)

    refused(bidder, pem(certificate), "No CA the platform accepts issued this certificate")  # the link is missing
    registered = certificate_register(user=bidder, certificate_pem=bundle(certificate, intermediate.certificate))

    assert "测试省级业务证书机构" in registered.certificate_issuer
    assert registered.certificate_pem.count("BEGIN CERTIFICATE") == 2  # kept for the checks at sign-in and bid
    certificate_still_valid(key=registered)


def test_configured_intermediates_complete_the_path(chain, bidder, settings, tmp_path):
    _, intermediate = chain
    path = tmp_path / "intermediates.pem"
    path.write_bytes(intermediate.certificate.public_bytes(serialization.Encoding.PEM))
    settings.SIGNING_INTERMEDIATE_FILES = [str(path)]
    certificate, _ = issue(intermediate, credit_code=bidder.organisation.credit_code)
    assert certificate_register(user=bidder, certificate_pem=pem(certificate)).certificate_serial


def test_a_revoked_intermediate_refuses_every_certificate_it_issued(chain, bidder, settings, tmp_path):
    root, intermediate = chain
    certificate, _ = issue(intermediate, credit_code=bidder.organisation.credit_code)
    registered = certificate_register(user=bidder, certificate_pem=bundle(certificate, intermediate.certificate))
    root.revoked.append(intermediate.certificate.serial_number)
    publish(settings, tmp_path, [root], lists=[root, intermediate])
    with pytest.raises(ValidationError, match="测试省级业务证书机构.*revoked by its CA"):
        certificate_still_valid(key=registered)


def test_path_lengths_ca_flags_and_lists_of_intermediates_are_honoured(bidder, settings, tmp_path):
    code = bidder.organisation.credit_code
    strict_root = authority("只签发终端证书的根", path_length=0)
    below = authority("不该存在的中级机构", parent=strict_root, path_length=0)
    publish(settings, tmp_path, [strict_root], lists=[strict_root, below])
    refused(bidder, bundle(issue(below, credit_code=code)[0], below.certificate), "No CA the platform accepts")

    root = authority("测试根证书机构", path_length=None)
    holder_certificate, holder_key = issue(root, credit_code=code)
    not_a_ca = Authority(key=holder_key, certificate=holder_certificate)  # an ordinary certificate posing as a CA
    publish(settings, tmp_path, [root], lists=[root])
    refused(bidder, bundle(issue(not_a_ca, credit_code=code)[0], holder_certificate), "No CA the platform accepts")

    intermediate = authority("无吊销列表的中级机构", parent=root, path_length=0)
    refused(bidder, bundle(issue(intermediate, credit_code=code)[0], intermediate.certificate),
            "holds no revocation list")
