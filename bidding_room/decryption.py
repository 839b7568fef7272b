"""The only module of the room that calls the opening contract of trading and sealing (CONTRACT_OPENING.md).

Sign-in verification, key release, decryption, EB 31 marking and the custodians'
backup are owned by ``trading.services.opening`` / ``trading.services.keys``; the
room calls them here and nowhere else, so a change of that contract touches one file.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class DecryptFailure:
    reason: str
    bidder_fault: bool


def challenge_verify(*, user, challenge: bytes, signature: bytes) -> bool:
    from trading.services.keys import challenge_verify as verify

    return verify(user=user, challenge=challenge, signature=signature)


def signing_key_check(*, user, project) -> None:
    """A bidder whose key is a certificate: refused (ValidationError on ``certificate``, with the reason) once the
    certificate expired, was revoked, or no longer names its organisation; a bare key file where ``project`` accepts
    certificates only."""
    from trading.selectors import bidder_key_current as current
    from trading.services.keys import signing_key_check as check

    check(key=current(user=user), key_files_allowed=project.key_files_allowed)


def bidder_key_current(*, user):
    from trading.selectors import bidder_key_current as current

    return current(user=user)


def key_release(*, bid, user, content_key: bytes):
    from trading.services.opening import bid_key_release

    return bid_key_release(bid=bid, user=user, content_key=content_key)


def decrypt(*, bid, on_progress=None) -> DecryptFailure | None:
    """Decrypt ``bid`` with the key its bidder released; None when it opened, else why not."""
    from trading.services.opening import BidOpenError, bid_decrypt

    try:
        bid_decrypt(bid=bid, content_key=None, on_progress=on_progress)
    except BidOpenError as error:
        return DecryptFailure(reason=str(error.reason), bidder_fault=bool(error.bidder_fault))
    return None


def mark_not_decrypted(*, bid, bidder_fault: bool, reason: str):
    from trading.services.opening import bid_mark_not_decrypted

    return bid_mark_not_decrypted(bid=bid, bidder_fault=bidder_fault, reason=reason)


def backup_decrypt(*, bid, shares: list):
    from trading.services.opening import opening_backup_decrypt

    return opening_backup_decrypt(bid=bid, shares=shares)
