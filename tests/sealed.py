"""Keys and real sealed envelopes for tests of trading: every bid in the tests is a genuine envelope."""

import io
import tempfile
from pathlib import Path

import sealing
from trading.models import Section
from trading.services.keys import bidder_key_register

PASSPHRASE = "test passphrase 2026"
SUMMARY = {"price": "880000.00", "duration": "365日历天", "quality": "合格", "project_manager": "李四"}

# The private keys of the people who registered one in a test, by user id.
private_keys: dict[int, sealing.PrivateKey] = {}


def key_register(user, suite: str = "intl") -> sealing.PrivateKey:
    """Make a key pair for ``user`` and register its public half (as keygen + the Keys page would)."""
    key = sealing.keypair_generate(suite)
    bidder_key_register(user=user, public_key_pem=key.public_key.pem())
    private_keys[user.pk] = key
    return key


def key_of(user, suite: str = "intl") -> sealing.PrivateKey:
    key = private_keys.get(user.pk)
    if key is None or key.suite != suite:
        key = key_register(user, suite)
    return key


def envelope_for(section: Section | int, user, *, summary: dict | None = None, documents=(("技术标.txt",
                 "施工组织设计".encode()),), labels: dict | None = None, chunk_size: int = 1 << 20,
                 suite: str = "intl", certificate: bytes | None = None) -> bytes:
    """A real envelope for ``section`` signed with ``user``'s registered key and sealed to the opening key (with
    ``certificate``, DER, embedded as the signer's)."""
    if not isinstance(section, Section):
        section = Section.objects.select_related("project__opening_key").get(pk=section)
    project = section.project
    opening = sealing.public_key_load(project.opening_key.public_key_pem)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bid.sealed"
        sealing.envelope_seal(path, summary={**SUMMARY, **(summary or {})}, documents=list(documents),
                              signer=key_of(user, suite), opening_key=opening, chunk_size=chunk_size,
                              signer_certificate=certificate,
                              labels=labels if labels is not None else {"deal_code": project.deal_code,
                                                                        "section_code": section.code})
        return path.read_bytes()


def upload_file(content: bytes, name: str = "bid.sealed"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def stream(content: bytes) -> io.BytesIO:
    return io.BytesIO(content)
