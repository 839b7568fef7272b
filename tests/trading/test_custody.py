"""Custody of the opening key against its own custodians: no share material leaves the platform before the deadline;
a custodian proves its key by opening a key check instead; k custodians with a copy of the database still cannot
open their shares early, because the stored shares are wrapped again under a platform key kept outside it."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

import sealing
from audit.models import AuditEvent
from core import platform_key as platform_keys
from tests import sealed
from trading.models import Custodian, Project
from trading.services import custody, opening

from .conftest import create_project, deadline_passes, transition
from .test_opening_service import PRICE, _content_key, _with_bids

pytestmark = pytest.mark.django_db


def _published(world, **overrides):
    project = create_project(world, seconds=3600, **overrides)
    assert transition(world, world.agency, project["id"], "published").status_code == 200
    return project


def _page(user, project_id) -> str:
    client = Client()
    client.force_login(user)
    return client.get(f"/projects/{project_id}/").content.decode()


def test_no_share_leaves_the_platform_before_the_deadline(world):
    project = _published(world, allow_backup_decryption=True)
    url = f"/api/trading/projects/{project['id']}/share/"
    refused = world.api(world.regulator).get(url)
    assert refused.status_code == 403 and "only after the bid deadline" in refused.json()["detail"]
    page = _page(world.regulator, project["id"])
    assert url not in page and "Download a key check" in page
    assert not AuditEvent.objects.filter(action="trading.custody.share_get").exists()

    deadline_passes(project["id"])
    share = world.api(world.regulator).get(url).json()
    opened = sealing.share_decrypt(sealed.private_keys[world.regulator.pk], sealing.EncryptedShare.from_dict(share))
    assert opened.key_id == Project.objects.get(pk=project["id"]).opening_key.fingerprint
    assert AuditEvent.objects.filter(action="trading.custody.share_get").count() == 1
    assert url in _page(world.regulator, project["id"])


def test_the_refusal_is_in_chinese_for_a_chinese_caller(world):
    project = _published(world)
    refused = world.api(world.regulator).get(f"/api/trading/projects/{project['id']}/share/",
                                             HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 403 and "截止" in refused.json()["detail"]


def test_a_custodian_proves_its_key_without_receiving_its_share(world):
    project = _published(world)
    url = f"/api/trading/projects/{project['id']}/custody-check/"
    api = world.api(world.agency)
    challenge = api.get(url).json()
    custodian = Custodian.objects.get(project_id=project["id"], user=world.agency)
    opening_key = Project.objects.get(pk=project["id"]).opening_key
    # Nothing of the share: another random secret, under another id, for no opening key
    assert challenge["key_id"] != opening_key.fingerprint and challenge["wrapped"] not in json.dumps(custodian.share)
    opened = sealing.share_decrypt(sealed.private_keys[world.agency.pk], sealing.EncryptedShare.from_dict(challenge))
    answer = {"key_id": opened.key_id, "index": opened.index, "threshold": opened.threshold,
              "secret": opened.secret.hex()}

    wrong = api.post(url, {"answer": {**answer, "secret": "00" * 16}}, format="json")
    assert wrong.status_code == 400 and "not opened with your key" in wrong.json()["errors"]["answer"][0]
    assert Custodian.objects.get(pk=custodian.pk).key_proven_at is None

    passed = api.post(url, {"answer": answer}, format="json")
    assert passed.status_code == 200 and passed.json()["key"] == custodian.key_fingerprint
    assert Custodian.objects.get(pk=custodian.pk).key_proven_at is not None
    assert AuditEvent.objects.filter(action="trading.custody.check_passed", object_id=str(custodian.pk)).exists()
    again = api.post(url, {"answer": answer}, format="json")
    assert again.status_code == 400 and "Download a key check first" in again.json()["errors"]["answer"][0]
    assert world.api(world.bidders[0]).get(url).status_code == 403


def _opened(user, record: dict) -> dict:
    """What the project page hands in once the custodian's browser (or the bidder tool) has opened ``record``."""
    opened = sealing.share_decrypt(sealed.private_keys[user.pk], sealing.EncryptedShare.from_dict(record))
    return {"key_id": opened.key_id, "index": opened.index, "threshold": opened.threshold,
            "secret": opened.secret.hex()}


def _tool_file(content) -> SimpleUploadedFile:
    return SimpleUploadedFile("opened-share.json",
                              content if isinstance(content, bytes) else json.dumps(content).encode())


def test_the_key_check_on_the_project_page(world):
    project = _published(world)
    client = Client()
    client.force_login(world.officer)
    page = client.get(f"/projects/{project['id']}/").content.decode()
    # the page opens the key check in the browser: no box to paste into, the key file never sent
    assert 'class="custody-open' in page and "<textarea" not in page.split('id="custody"')[1].split("</form>")[0]
    challenge = client.get(f"/api/trading/projects/{project['id']}/custody-check/?format=json").json()
    action = f"/projects/{project['id']}/custody_check/"
    custodian = Custodian.objects.get(project_id=project["id"], user=world.officer)
    # refused: nothing filled in, the file of something else, a wrong secret; nothing stored
    for refused, words in (({}, "This is not an opened key check"),
                           ({"opened": _tool_file(b"%PDF-1.7 not it")}, "not what the bidder tool saved"),
                           ({**_opened(world.officer, challenge), "secret": "00" * 16}, "not opened with your key")):
        page = client.post(action, refused, follow=True).content.decode()
        assert words in page, words
        assert Custodian.objects.get(pk=custodian.pk).key_proven_at is None
    # the fields the browser fills in once it opened the key check prove the key
    page = client.post(action, _opened(world.officer, challenge), follow=True).content.decode()
    assert "Your key is proven" in page and "Your key was proven at" in page
    # ... and so does the file the bidder tool saves (share-decrypt --out), for a fresh key check
    challenge = client.get(f"/api/trading/projects/{project['id']}/custody-check/?format=json").json()
    page = client.post(action, {"opened": _tool_file(_opened(world.officer, challenge))}, follow=True).content
    assert "Your key is proven" in page.decode()


def test_a_share_is_handed_in_on_the_project_page_and_a_wrong_one_is_refused(world):
    project, _bids = _with_bids(world, seconds=3600, backup=True)
    deadline_passes(project["id"])
    client = Client()
    client.force_login(world.regulator)
    share = client.get(f"/api/trading/projects/{project['id']}/share/?format=json").json()
    action = f"/projects/{project['id']}/share/"
    custodian = Custodian.objects.get(project_id=project["id"], user=world.regulator)
    # another custodian's share of this project, and a share of another opening key: refused, nothing stored
    theirs = _opened(world.agency, custody.share_unwrap(Custodian.objects.get(project_id=project["id"],
                                                                             user=world.agency)))
    _sealed_key, foreign = sealing.key_split(sealing.keypair_generate("intl"), [
        sealed.private_keys[world.regulator.pk].public_key, sealed.private_keys[world.agency.pk].public_key])
    for refused in (theirs, _opened(world.regulator, foreign[0].to_dict())):
        page = client.post(action, refused, follow=True).content.decode()
        assert "This share is not yours for this project" in page
        assert Custodian.objects.get(pk=custodian.pk).submitted_at is None
    # the bidder tool's file of its own share is handed in
    page = client.post(action, {"opened": _tool_file(_opened(world.regulator, share))}, follow=True).content
    assert "Your share is handed in" in page.decode()
    assert Custodian.objects.get(pk=custodian.pk).submitted_at is not None


def test_k_custodians_with_a_copy_of_the_database_cannot_read_a_bid_early(world):
    project, bids = _with_bids(world, seconds=3600, backup=True)
    project_obj = Project.objects.get(pk=project["id"])
    custodians = [world.agency, world.regulator, world.officer]
    # The copy of the database: every custodian row and the sealed opening key, as SQL reads them
    with connection.cursor() as cursor:
        cursor.execute("SELECT user_id, share::text FROM trading_custodian WHERE project_id = %s", [project["id"]])
        copied = {user_id: json.loads(text) for user_id, text in cursor.fetchall()}
        cursor.execute("SELECT sealed_key::text FROM trading_openingkey WHERE project_id = %s", [project["id"]])
        sealed_key = sealing.SealedKey.from_dict(json.loads(cursor.fetchone()[0]))
    # Every custodian, with its own private key, tries to open its copied share: the platform's wrap is in the way
    for user in custodians:
        row = copied[user.pk]
        assert set(row) == {"version", "index", "custodian", "wrap_key", "wrapped_share"}
        with pytest.raises(sealing.CustodyError):
            sealing.share_decrypt(sealed.private_keys[user.pk], sealing.EncryptedShare.from_dict(row))
        with pytest.raises(sealing.CustodyError):  # nor does the wrapped blob open as if it were the share
            sealing.share_decrypt(sealed.private_keys[user.pk], sealing.EncryptedShare.from_dict(
                {**row, "key_id": sealed_key.public_key.fingerprint, "threshold": 2, "wrapped": row["wrapped_share"]}))
    # ... and the platform hands out nothing before the deadline
    for user in custodians:
        assert world.api(user).get(f"/api/trading/projects/{project['id']}/share/").status_code == 403
    # The missing piece is exactly the wrapping key outside the database: with it, the shares would open
    with_wrap_key = [sealing.share_decrypt(sealed.private_keys[c.user_id], sealing.EncryptedShare.from_dict(
        custody.share_unwrap(c))) for c in project_obj.custodians.all()]
    assert sealing.key_combine(sealed_key, with_wrap_key[:2]).public_key == sealed_key.public_key
    assert all(b.opened_summary is None for b in bids)
    assert PRICE  # the price itself stays in the envelopes (test_opening_service checks every stored byte)


def test_shares_are_bound_to_their_row(world):
    project = _published(world)
    first, second = Custodian.objects.filter(project_id=project["id"]).order_by("position")[:2]
    moved = Custodian(project_id=second.project_id, user_id=second.user_id, position=second.position,
                      share=first.share)
    with pytest.raises(ValueError, match="not wrapped"):
        custody.share_unwrap(moved)


def test_the_wrapping_key_comes_from_outside_the_database(settings, tmp_path):
    import base64
    import os

    settings.SEALING_WRAP_KEY = base64.b64encode(os.urandom(32)).decode()
    wrapped = platform_keys.platform_wrap(b"secret", context=b"x")
    assert platform_keys.platform_unwrap(wrapped, context=b"x") == b"secret"
    with pytest.raises(ValueError):
        platform_keys.platform_unwrap(wrapped, context=b"y")
    settings.SEALING_WRAP_KEY = ""
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured, match="SEALING_WRAP_KEY"):
        platform_keys.platform_wrap(b"secret", context=b"x")
    settings.SEALING_WRAP_KEY_FILE = str(tmp_path / "missing.key")
    with pytest.raises(ImproperlyConfigured, match="does not exist"):
        platform_keys.platform_wrap(b"secret", context=b"x")


def test_backup_decryption_still_works_after_the_deadline(world):
    project, bids = _with_bids(world, seconds=3600, backup=True)
    deadline_passes(project["id"])
    shares = []
    for user in (world.agency, world.regulator):
        share = world.api(user).get(f"/api/trading/projects/{project['id']}/share/").json()
        opened = sealing.share_decrypt(sealed.private_keys[user.pk], sealing.EncryptedShare.from_dict(share))
        shares.append(opened)
    decrypted = opening.opening_backup_decrypt(bid=bids[0], shares=shares)
    assert decrypted.opened_summary["price"] == PRICE
    assert _content_key  # the bidder's own path is tested in test_opening_service
