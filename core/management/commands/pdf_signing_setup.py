import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.pdf_signing import identity_files_make, identity_load


class Command(BaseCommand):
    help = ("Make a platform CA and the document-signing certificate it issues (for the PAdES signature on every PDF); "
            "prints the environment lines that configure them. The passphrase is read from "
            "SUNSHINE_PDF_SIGNING_KEY_PASSPHRASE.")

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="an empty folder to write the keys and certificates into")
        parser.add_argument("--root-name", default="阳光公共资源交易平台 根证书", help="the CA's common name")

    def handle(self, *, folder, root_name, **options):
        passphrase = os.environ.get("SUNSHINE_PDF_SIGNING_KEY_PASSPHRASE", "")
        if len(passphrase) < 16:
            raise CommandError("set SUNSHINE_PDF_SIGNING_KEY_PASSPHRASE (16 characters or more) first: it encrypts "
                               "the keys written, and the platform needs it to read the signing key.")
        if folder.exists() and any(folder.iterdir()):
            raise CommandError(f"{folder} is not empty: give a new folder (nothing is overwritten).")
        paths = identity_files_make(folder, root_name=root_name, passphrase=passphrase.encode())
        identity_load(*paths)
        key, cert, chain = (p.resolve() for p in paths)
        self.stdout.write(f"SUNSHINE_PDF_SIGNING_KEY={key}\nSUNSHINE_PDF_SIGNING_CERT={cert}\n"
                          f"SUNSHINE_PDF_SIGNING_CHAIN={chain}\n")
        self.stdout.write(f"# Move {folder / 'platform-ca-key.pem'} (the CA's key) off the server; publish {chain}.")
