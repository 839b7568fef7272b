"""Production never runs with demo data: it refuses to start while demo organisations or demo keys exist, and
seed_demo refuses to run there."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

import sealing
from accounts.credit_code import make
from accounts.demo import ORGANISATIONS, REGION
from accounts.services import organisation_create
from core.demo_guard import demo_leftovers, refuse_demo_in_production
from tests.bidding_room.live import postgres_env
from tests.servers import ROOT, pdf_signing_env


def demo_organisation():
    name, org_type = ORGANISATIONS[0]
    return organisation_create(name=name, credit_code_value=make(region=REGION, serial=10_000_001),
                               org_type=org_type, region=REGION)


@pytest.mark.django_db
def test_production_refuses_to_start_with_a_demo_organisation(settings, tmp_path):
    settings.PRODUCTION = True
    settings.VAR_DIR = tmp_path  # no demo key files (a demo seeded by another test may have left some in var/)
    refuse_demo_in_production()  # nothing of the demo: starts
    demo_organisation()
    with pytest.raises(ImproperlyConfigured, match="demo organisations"):
        refuse_demo_in_production()
    settings.PRODUCTION = False
    refuse_demo_in_production()  # the embedded default runs with its demo


@pytest.mark.django_db
def test_production_refuses_to_start_with_demo_keys(settings, tmp_path, users):
    from trading.services.keys import bidder_key_register

    settings.PRODUCTION = True
    settings.VAR_DIR = tmp_path
    folder = tmp_path / "demo-keys"
    folder.mkdir()
    key = sealing.keypair_generate("intl")
    (folder / "bidder1.pub.pem").write_text(key.public_key.pem(), encoding="ascii")
    bidder_key_register(user=users["bidder"], public_key_pem=key.public_key.pem())
    found = demo_leftovers()
    assert any("demo key files" in f for f in found) and any("demo public keys registered (1)" in f for f in found)
    with pytest.raises(ImproperlyConfigured, match="demo key"):
        refuse_demo_in_production()


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refuses to run in production"):
        call_command("seed_demo")
    from accounts.models import Organisation

    assert not Organisation.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_production_server_does_not_start_with_demo_data(tmp_path):
    demo_organisation()
    env = {**os.environ, **postgres_env(tmp_path, redis_db_prefix="demo-guard"), "SUNSHINE_ENV": "production",
           "DJANGO_SECRET_KEY": "x" * 64, "SEALING_WRAP_KEY_FILE": str(tmp_path / "wrap.key"),
           **pdf_signing_env(tmp_path / "pki")}
    started = subprocess.run([sys.executable, "-c", "import config.asgi"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120, check=False)
    assert started.returncode != 0
    assert "Production refuses to start while demo data exists" in started.stderr
    assert "阳光市第一人民医院" in started.stderr
