"""The bidder tool's commands that talk to the platform (``python -m sealing``; see sealing.cli).

    token           get an API token for your account (SEALING_PASSWORD or a prompt for the password)
    platform-key    download the platform's public key (to check receipts offline)
    submit          upload an envelope resumably and save the signed receipt
    sign-in         at the opening: sign the room's one-time challenge with your key (an SM2 certificate's too)
    release         at the opening: unwrap your envelope's content key with your private key and hand it over
    hall-bid        in an auction hall that requires certificates: a bid signed with your certificate's key
    share-decrypt   a custodian decrypts its share of a project's opening key (to hand in for a backup decryption)

The server is --server or $SEALING_SERVER; the token --token or $SEALING_TOKEN.
"""

import argparse
import base64
import getpass
import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from sealing.client import PlatformClient, PlatformError
from sealing.custody import EncryptedShare, share_decrypt
from sealing.envelope import content_key_unwrap, envelope_verify
from sealing.errors import InvalidInput
from sealing.keys import private_key_load, public_key_load
from sealing.receipts import receipt_verify
from sealing.signatures import signature_sign


def _client(args: argparse.Namespace, *, token: bool = True) -> PlatformClient:
    server = args.server or os.environ.get("SEALING_SERVER")
    if not server:
        raise InvalidInput("give the platform's address with --server (or $SEALING_SERVER)")
    secret = args.token or os.environ.get("SEALING_TOKEN") if token else None
    if token and not secret:
        raise InvalidInput("give your API token with --token (or $SEALING_TOKEN); get one with "
                           "`python -m sealing token`")
    return PlatformClient(server, secret)


def _unreachable(exc: OSError) -> PlatformError:
    return PlatformError(f"cannot reach the platform ({exc}); check --server and your network, then run the "
                         "same command again (an upload resumes where it stopped)")


def _token(args: argparse.Namespace) -> int:
    password = os.environ.get("SEALING_PASSWORD") or getpass.getpass("Password: ")
    try:
        print(_client(args, token=False).token_obtain(args.username, password))
    except OSError as exc:
        raise _unreachable(exc)
    return 0


def _platform_key(args: argparse.Namespace) -> int:
    try:
        pem = _client(args, token=False).platform_key_pem()
    except OSError as exc:
        raise _unreachable(exc)
    key = public_key_load(pem)
    Path(args.out).write_bytes(pem)
    print(f"platform key {key.fingerprint} saved to {args.out}")
    return 0


def _submit(args: argparse.Namespace) -> int:
    envelope = Path(args.envelope)
    info = envelope_verify(envelope)  # refuse to send something the platform would refuse anyway
    client = _client(args)
    try:
        answer = client.upload(envelope, args.section,
                               on_progress=(lambda done, total: print(f"uploaded {done} of {total} bytes"))
                               if args.verbose else None)
        platform = public_key_load(client.platform_key_pem())
    except OSError as exc:
        raise _unreachable(exc)
    receipt = answer["signed"]
    receipt_verify(platform, receipt)
    if receipt["envelope_sha256"] != info.sha256 or receipt["envelope_size"] != info.size:
        raise PlatformError("the platform's receipt is for different bytes than this envelope; submit it again")
    out = Path(args.receipt or f"{envelope}.receipt.json")
    out.write_text(json.dumps(receipt, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"submitted: bid {answer['bid']}, receipt {receipt['receipt_id']}")
    print(f"receipt (signed by the platform key {receipt['key_id']}) saved to {out}")
    return 0


def _release(args: argparse.Namespace, passphrase: Callable[[argparse.Namespace], str]) -> int:
    key = private_key_load(Path(args.key).read_bytes(), passphrase(args))
    content_key = content_key_unwrap(args.envelope, key=key)
    try:
        _client(args).release(args.bid, content_key)
    except OSError as exc:
        raise _unreachable(exc)
    print(f"released the content key of bid {args.bid}; the platform decrypts it now")
    return 0


def _sign_in(args: argparse.Namespace, passphrase: Callable[[argparse.Namespace], str]) -> int:
    """The opening room's sign-in: the room's one-time challenge signed with the registered key (which the browser
    cannot do for an SM2 key: WebCrypto has no SM2)."""
    key = private_key_load(Path(args.key).read_bytes(), passphrase(args))
    client = _client(args)
    try:
        challenge = client.opening_command(args.opening, "challenge")["challenge"]
        client.opening_command(args.opening, "sign_in", signature=base64.b64encode(
            signature_sign(key, challenge.encode())).decode("ascii"))
    except OSError as exc:
        raise _unreachable(exc)
    print(f"signed in to opening {args.opening} with key {key.public_key.fingerprint}")
    return 0


def _hall_bid(args: argparse.Namespace, passphrase: Callable[[argparse.Namespace], str]) -> int:
    """A bid in a hall whose sale requires certificates: ``sunshine-hall-bid:<lot>:<id>:<amount>`` signed with the
    certificate's key (docs/certificates.md), sent once under a new id."""
    key = private_key_load(Path(args.key).read_bytes(), passphrase(args))
    client_id = uuid.uuid4().hex
    text = f"sunshine-hall-bid:{args.lot}:{client_id}:{args.amount}"
    try:
        answer = _client(args).hall_bid(args.lot, client_id, args.amount, signature_sign(key, text.encode()))
    except OSError as exc:
        raise _unreachable(exc)
    print(f"bid {answer['amount']} accepted as number {answer['seq']} in the hall (your bidder number "
          f"{answer['bidder_number']})")
    return 0


def _share_decrypt(args: argparse.Namespace, passphrase: Callable[[argparse.Namespace], str]) -> int:
    key = private_key_load(Path(args.key).read_bytes(), passphrase(args))
    share = share_decrypt(key, EncryptedShare.from_dict(json.loads(Path(args.share).read_text(encoding="utf-8"))))
    opened = json.dumps({"key_id": share.key_id, "index": share.index, "threshold": share.threshold,
                         "secret": share.secret.hex()})
    if args.out:
        Path(args.out).write_text(opened, encoding="utf-8")
        print(f"share {share.index} opened and saved to {args.out}: choose that file on the project page")
    else:
        print(opened)
    return 0


def commands_add(commands, passphrase_option: Callable[[argparse.ArgumentParser], None],
                 passphrase: Callable[[argparse.Namespace], str]) -> None:
    """Add the platform commands to the tool's sub-command parser."""

    def server_options(command: argparse.ArgumentParser, *, token: bool = True) -> None:
        command.add_argument("--server", help="the platform's address, e.g. https://ggzy.example.gov.cn")
        if token:
            command.add_argument("--token", help="your API token (else $SEALING_TOKEN)")

    token = commands.add_parser("token", help="get an API token")
    token.add_argument("--username", required=True)
    server_options(token, token=False)
    token.set_defaults(run=_token)

    platform = commands.add_parser("platform-key", help="download the platform's public key")
    platform.add_argument("--out", default="platform.pem")
    server_options(platform, token=False)
    platform.set_defaults(run=_platform_key)

    submit = commands.add_parser("submit", help="upload an envelope (resumable) and save the receipt")
    submit.add_argument("envelope")
    submit.add_argument("--section", type=int, required=True, help="the section's id on the platform")
    submit.add_argument("--receipt", help="where to save the receipt (default <envelope>.receipt.json)")
    submit.add_argument("--verbose", action="store_true")
    server_options(submit)
    submit.set_defaults(run=_submit)

    def keyed(command: argparse.ArgumentParser, run, *, server: bool = True) -> None:
        """The private key (and its passphrase) a command signs or decrypts with; the platform it talks to."""
        command.add_argument("--key", required=True, help="your encrypted private key (PEM): your certificate's key "
                             "where a project or sale requires certificates")
        if server:
            server_options(command)
        passphrase_option(command)
        command.set_defaults(run=lambda args: run(args, passphrase))

    sign_in = commands.add_parser("sign-in", help="at the opening: sign in to the opening room with your key")
    sign_in.add_argument("--opening", type=int, required=True, help="the opening's number (in its address)")
    keyed(sign_in, _sign_in)

    release = commands.add_parser("release", help="at the opening: hand over your envelope's content key")
    release.add_argument("envelope", help="the envelope you submitted")
    release.add_argument("--bid", type=int, required=True, help="the bid's id (in the submit output)")
    keyed(release, _release)

    hall = commands.add_parser("hall-bid", help="bid in an auction hall that requires certificates")
    hall.add_argument("--lot", type=int, required=True, help="the lot's number (in the hall's address)")
    hall.add_argument("--amount", required=True, help="your bid in yuan, e.g. 12300000.00")
    keyed(hall, _hall_bid)

    share = commands.add_parser("share-decrypt", help="custodian: decrypt your share of an opening key")
    share.add_argument("share", help="the share JSON downloaded from the project page")
    share.add_argument("--out", help="save the opened share to this file (to choose on the project page) instead of "
                                     "printing it")
    keyed(share, _share_decrypt, server=False)
