"""The bidder tool: ``python -m sealing <command>``.

    keygen          make a key pair: passphrase-protected private key + public key, print the fingerprint
    pfx-import      the private key and the certificate of a CA's PKCS#12 file (.pfx/.p12), SM2 or P-256
    seal            seal the opening summary and documents into an envelope
    open            open an envelope with your own private key, to check it before submitting
    inspect         show an envelope's header (and with --verify, check its signature) without a key
    verify-receipt  check the platform's receipt offline against its published public key
    token, platform-key, submit, release, share-decrypt: talk to the platform (sealing.cli_platform)

The passphrase is asked for on the terminal, or read from the file named by
--passphrase-file, or from the environment variable SEALING_PASSPHRASE.
"""

import argparse
import getpass
import json
import os
import sys
from hashlib import sha256
from pathlib import Path
from typing import Any

from sealing.envelope import (
    DEFAULT_CHUNK_SIZE,
    EnvelopeInfo,
    envelope_inspect,
    envelope_open,
    envelope_seal,
    envelope_verify,
)
from sealing.errors import InvalidInput, KeyFileError, SealingError
from sealing.keys import SUITES, PrivateKey, keypair_generate, private_key_load, public_key_load
from sealing.pfx import pfx_load
from sealing.receipts import receipt_verify
from sealing.summary import OpeningSummary

PASSPHRASE_ENV = "SEALING_PASSPHRASE"
MIN_PASSPHRASE = 8


def _passphrase(args: argparse.Namespace, *, confirm: bool = False) -> str:
    if args.passphrase_file:
        return Path(args.passphrase_file).read_text(encoding="utf-8").rstrip("\r\n")
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    first = getpass.getpass("Passphrase of the private key: ")
    if confirm and getpass.getpass("Type it again: ") != first:
        raise InvalidInput("the two passphrases differ; run keygen again")
    return first


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read the {what} {path!r}: {exc.strerror}")


def _keygen(args: argparse.Namespace) -> int:
    private_path, public_path = Path(args.private), Path(args.public)
    for path in (private_path, public_path):
        if path.exists():
            raise InvalidInput(f"{str(path)!r} already exists; choose another name (keys are never overwritten)")
    passphrase = _passphrase(args, confirm=True)
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(f"choose a passphrase of at least {MIN_PASSPHRASE} characters")
    key = keypair_generate(args.suite)
    _private_write(private_path, key, passphrase)
    public_path.write_text(key.public_key.pem(), encoding="ascii")
    print(f"private key (encrypted): {private_path}")
    print(f"public key:              {public_path}")
    print(f"suite:                   {key.suite}")
    print(f"fingerprint:             {key.public_key.fingerprint}")
    print("Register the public key with the platform and check that it shows this fingerprint.")
    return 0


def _private_write(path: Path, key: PrivateKey, passphrase: str) -> None:
    """The encrypted private key file, readable by its owner only, never over an existing file."""
    data = key.pem(passphrase)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)


def _pfx_import(args: argparse.Namespace) -> int:
    private_path, certificate_path = Path(args.private), Path(args.certificate)
    for path in (private_path, certificate_path):
        if path.exists():
            raise InvalidInput(f"{str(path)!r} already exists; choose another name (files are never overwritten)")
    passphrase = _passphrase(args)
    key, certificate = pfx_load(_read(args.pfx, ".pfx file"), passphrase)
    _private_write(private_path, key, passphrase)
    print(f"private key (encrypted with the .pfx file's passphrase): {private_path}")
    print(f"suite:       {key.suite} ({'SM2' if key.suite == 'gm' else 'ECDSA P-256'})")
    print(f"fingerprint: {key.public_key.fingerprint}")
    if certificate is None:
        print("the .pfx file holds no certificate of this key; use the certificate file your CA gave you")
        return 0
    import base64
    import textwrap

    body = "\n".join(textwrap.wrap(base64.b64encode(certificate).decode("ascii"), 64))
    certificate_path.write_text(f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n", encoding="ascii")
    print(f"certificate: {certificate_path} (register it on the platform's Certificate page)")
    return 0


def _summary(args: argparse.Namespace) -> OpeningSummary:
    data: dict[str, Any] = {}
    if args.summary:
        try:
            data = json.loads(_read(args.summary, "summary file").decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput(f"the summary file {args.summary!r} is not UTF-8 JSON")
        if not isinstance(data, dict):
            raise InvalidInput("the summary file must hold a JSON object such as {\"price\": \"1234567.80\"}")
    for name in ("price", "duration", "quality", "project_manager"):
        value = getattr(args, name)
        if value is not None:
            data[name] = value
    fields = dict(data.get("fields") or {})
    for item in args.field or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InvalidInput(f"--field {item!r}: write NAME=VALUE")
        fields[name] = value
    data["fields"] = fields
    if "price" not in data:
        raise InvalidInput("give the bid price with --price or in the summary file")
    return OpeningSummary.from_dict(data)


def _documents(args: argparse.Namespace) -> list[tuple[str, Path]]:
    documents = []
    for item in args.document or []:
        name, sep, path = item.partition("=")
        if not sep:
            name, path = Path(item).name, item
        documents.append((name, Path(path)))
    return documents


def _labels(args: argparse.Namespace) -> dict[str, str]:
    labels = {}
    for item in args.label or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InvalidInput(f"--label {item!r}: write NAME=VALUE, e.g. section_code=S001")
        labels[name] = value
    return labels


def _seal(args: argparse.Namespace) -> int:
    summary = _summary(args)
    documents = _documents(args)
    opening_key = public_key_load(_read(args.opening_key, "opening public key"))
    out = Path(args.out)
    if out.exists():
        raise InvalidInput(f"{str(out)!r} already exists; choose another name for the envelope")
    signer = private_key_load(_read(args.key, "private key file"), _passphrase(args))
    certificate = _certificate_der(_read(args.certificate, "certificate")) if args.certificate else None
    info = envelope_seal(
        out,
        summary=summary,
        documents=documents,
        signer=signer,
        opening_key=opening_key,
        labels=_labels(args),
        chunk_size=args.chunk_size,
        signer_certificate=certificate,
    )
    print(f"sealed {len(documents)} document(s) and the opening summary into {out}")
    _info_print(info)
    print(f"sha256:       {_file_sha256(out)} (the platform's receipt must show this envelope_sha256)")
    return 0


def _certificate_der(data: bytes) -> bytes:
    """A certificate file (PEM or DER) as DER."""
    import base64
    import re

    if b"-----BEGIN CERTIFICATE-----" in data:
        body = re.search(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", data, re.S)
        try:
            return base64.b64decode(b"".join(body.group(1).split()), validate=True)
        except ValueError:
            raise InvalidInput("the certificate file is not a readable PEM certificate")
    return data


def _open(args: argparse.Namespace) -> int:
    key = private_key_load(_read(args.key, "private key file"), _passphrase(args))
    opened = envelope_open(args.envelope, key=key, dest=args.out)
    print(f"the envelope is intact and signed by {opened.info.signer_fingerprint}")
    print("opening summary:")
    print(json.dumps(opened.summary.to_dict(), ensure_ascii=False, indent=2))
    for document in opened.documents:
        print(f"document: {document.name} ({document.size} bytes) -> {document.path}")
    return 0


def _info_print(info: EnvelopeInfo) -> None:
    print(f"suite:        {info.suite} (format version {info.version})")
    print(f"signer:       {info.signer_fingerprint}")
    if info.signer_certificate is not None:
        from cryptography import x509

        certificate = x509.load_der_x509_certificate(info.signer_certificate)
        print(f"certificate:  {certificate.subject.rfc4514_string()} (serial {certificate.serial_number:x}, "
              f"issuer {certificate.issuer.rfc4514_string()})")
    for recipient in info.recipients:
        print(f"sealed to:    {recipient.role} {recipient.key_id}")
    for name, value in sorted(info.labels.items()):
        print(f"label:        {name} = {value}")
    print(f"created:      {info.created} (the sealer's clock)")
    print(f"chunk size:   {info.chunk_size}")
    if info.chunk_count is not None:
        print(f"chunks:       {info.chunk_count}")
        print(f"size:         {info.size}")
    if info.sha256 is not None:
        print(f"sha256:       {info.sha256}")


def _file_sha256(path: Path) -> str:
    digest = sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _inspect(args: argparse.Namespace) -> int:
    info = envelope_verify(args.envelope) if args.verify else envelope_inspect(args.envelope)
    if args.verify:
        print("structure and signature: OK (the content was not decrypted)")
    _info_print(info)
    return 0


def _verify_receipt(args: argparse.Namespace) -> int:
    key = public_key_load(_read(args.platform_key, "platform public key"))
    fields = receipt_verify(key, _read(args.receipt, "receipt"))
    if args.envelope:
        path = Path(args.envelope)
        if _file_sha256(path) != fields["envelope_sha256"] or path.stat().st_size != fields["envelope_size"]:
            print(
                "error: the receipt is genuine but it is for a different envelope than "
                f"{str(path)!r} (the SHA-256 or size differs)",
                file=sys.stderr,
            )
            return 1
    print("receipt: valid, signed by the platform key " + key.fingerprint)
    for name, value in fields.items():
        print(f"  {name}: {value}")
    if args.envelope:
        print(f"  matches envelope {args.envelope}")
    return 0


def parser_build() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sealing", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def passphrase_option(command: argparse.ArgumentParser) -> None:
        command.add_argument("--passphrase-file", help=f"read the passphrase from this file (else ${PASSPHRASE_ENV} "
                             "or a prompt)")

    keygen = commands.add_parser("keygen", help="make a key pair")
    keygen.add_argument("--suite", choices=SUITES, default="intl", help="intl (P-256, default) or gm (SM2)")
    keygen.add_argument("--private", default="bidder-key.pem", help="where to write the encrypted private key")
    keygen.add_argument("--public", default="bidder-public.pem", help="where to write the public key")
    passphrase_option(keygen)
    keygen.set_defaults(run=_keygen)

    pfx = commands.add_parser("pfx-import", help="take the key and certificate out of your CA's .pfx/.p12 file")
    pfx.add_argument("pfx", help="the PKCS#12 file (.pfx or .p12) your CA issued, SM2 or ECDSA P-256")
    pfx.add_argument("--private", default="certificate-key.pem", help="where to write the private key (encrypted "
                     "with the .pfx file's passphrase)")
    pfx.add_argument("--certificate", default="certificate.cer", help="where to write the certificate (PEM)")
    passphrase_option(pfx)
    pfx.set_defaults(run=_pfx_import)

    seal = commands.add_parser("seal", help="seal a bid into an envelope")
    seal.add_argument("--summary", help="JSON file with the opening summary (price, duration, quality, "
                      "project_manager, fields)")
    seal.add_argument("--price", help="bid price in yuan, e.g. 1234567.80")
    seal.add_argument("--duration", help="duration (工期) as announced")
    seal.add_argument("--quality", help="quality commitment (质量)")
    seal.add_argument("--project-manager", dest="project_manager", help="project manager (项目经理)")
    seal.add_argument("--field", action="append", metavar="NAME=VALUE", help="another announced item")
    seal.add_argument("--document", action="append", metavar="[NAME=]PATH", help="a document to seal (repeat)")
    seal.add_argument("--label", action="append", metavar="NAME=VALUE", help="public label, e.g. section_code=S001")
    seal.add_argument("--opening-key", required=True, help="the project's opening public key (PEM)")
    seal.add_argument("--key", required=True, help="your encrypted private key (PEM)")
    seal.add_argument("--certificate", help="your X.509 certificate (PEM or DER) for this key, embedded in the "
                      "signed header (the platform checks it is the certificate you registered)")
    seal.add_argument("--out", required=True, help="the envelope file to write")
    seal.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, help=argparse.SUPPRESS)
    passphrase_option(seal)
    seal.set_defaults(run=_seal)

    open_ = commands.add_parser("open", help="open your own envelope to check it")
    open_.add_argument("envelope")
    open_.add_argument("--key", required=True, help="your encrypted private key (PEM)")
    open_.add_argument("--out", required=True, help="a new folder to open it into")
    passphrase_option(open_)
    open_.set_defaults(run=_open)

    inspect = commands.add_parser("inspect", help="show an envelope's header without a key")
    inspect.add_argument("envelope")
    inspect.add_argument("--verify", action="store_true", help="also check the structure and the signature")
    inspect.set_defaults(run=_inspect)

    verify = commands.add_parser("verify-receipt", help="check a receipt offline")
    verify.add_argument("receipt", help="the receipt JSON file")
    verify.add_argument("--platform-key", required=True, help="the platform's published public key (PEM)")
    verify.add_argument("--envelope", help="also check that the receipt is for this envelope file")
    verify.set_defaults(run=_verify_receipt)

    from sealing.cli_platform import commands_add

    commands_add(commands, passphrase_option, _passphrase)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser_build().parse_args(argv)
    try:
        return args.run(args)
    except (InvalidInput, KeyFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SealingError as exc:
        where = getattr(exc, "where", None)
        prefix = f"error ({where}): " if where else "error: "
        print(prefix + str(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
