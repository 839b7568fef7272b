"""The exceptions of the sealing package.

Every message says what is wrong and what to do, so a tool or a page can show it as it is.

    SealingError
    ├── InvalidInput            what the caller passed cannot be sealed (bad price, bad document name)
    ├── EnvelopeError
    │   ├── NotAnEnvelope       the file is not a sealed envelope at all (a PDF, a zip: not encrypted)
    │   ├── DamagedEnvelope     a named part (``where``) failed its check
    │   ├── WrongKey            the key given is not one the envelope is sealed to
    │   └── BadSignature        the signer's signature does not match the envelope
    ├── KeyFileError            a key file cannot be read
    │   └── WrongPassphrase
    ├── InvalidReceipt          a receipt is malformed or its platform signature does not verify
    └── CustodyError            shares of an opening key cannot be made or combined
"""


class SealingError(Exception):
    """Base of every error raised by the sealing package."""


class InvalidInput(SealingError, ValueError):
    """The summary, a document or an option given to seal is not acceptable."""


class EnvelopeError(SealingError):
    """An envelope cannot be opened or verified.

    ``where`` names the part of the envelope that failed: "preamble", "header",
    "recipient block 2 (opening)", "chunk 7", "trailer", "signature" or "file".
    """

    where: str = "file"

    def __init__(self, message: str, *, where: str | None = None) -> None:
        if where is not None:
            self.where = where
        super().__init__(message)


class NotAnEnvelope(EnvelopeError):
    """The file does not start like a sealed envelope: it is not encrypted."""

    where = "preamble"


class DamagedEnvelope(EnvelopeError):
    """A part of the envelope failed its integrity check; nothing of it is returned."""


class WrongKey(EnvelopeError):
    """The private key given is not one of the keys the envelope is sealed to."""

    where = "recipients"


class BadSignature(EnvelopeError):
    """The signer's signature over the envelope does not verify."""

    where = "signature"


class KeyFileError(SealingError):
    """A key file is malformed or of an unsupported kind."""


class WrongPassphrase(KeyFileError):
    """The passphrase does not decrypt the private key file."""


class InvalidReceipt(SealingError):
    """A receipt is malformed, or was not signed by the platform key given."""


class CustodyError(SealingError):
    """Key shares cannot be created, decrypted or combined."""
