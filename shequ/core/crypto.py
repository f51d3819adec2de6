"""Encryption at rest of identity numbers and health facts (docs/security.md "Encryption at
rest").

One secret, ``SHEQU_DATA_KEY`` (environment), gives through HKDF-SHA256 two keys: one that
encrypts (AES-256-GCM, or SM4-GCM where national algorithms are asked for: ``DATA_CIPHER``)
and one that makes the blind index (HMAC-SHA256) by which a whole identity number is
found. A stored value is text: ``<cipher letter><key id>:<base64(nonce + ciphertext + tag)>``;
the key id (8 hex digits, from the key) tells which key wrote it, so that during a key
rotation (``shequ rotate_key``) values under the old key (``SHEQU_DATA_KEY_OLD``) still read.

Both ciphers run in GCM: authenticated (a changed byte fails to decrypt instead of giving
another value) and a random 96-bit nonce per value (the same number twice is stored as two
different texts; equality is what the blind index is for).
"""

import base64
import functools
import hashlib
import hmac
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CIPHERS = {"aes-256-gcm": "A", "sm4-gcm": "S"}
_NONCE = 12
_TAG = 16


class DecryptionError(Exception):
    """A stored value that no configured key opens (a wrong key, or a changed value)."""


def _derive(secret: str, purpose: bytes, length: int) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=b"shequ data key", info=purpose
    ).derive(secret.encode())


class DataKey:
    """The keys made from one secret: encryption (AES-256 and SM4) and the blind index."""

    def __init__(self, secret: str):
        self.aes = _derive(secret, b"aes-256-gcm", 32)
        self.sm4 = _derive(secret, b"sm4-gcm", 16)
        self.index = _derive(secret, b"blind index", 32)
        self.key_id = hmac.new(self.index, b"key id", hashlib.sha256).hexdigest()[:8]
        self._aesgcm = AESGCM(self.aes)
        self._hmac = hmac.new(self.index, digestmod=hashlib.sha256)
        # An import asks for a number's digest twice (is it registered? then the row's
        # blind index): the second time from here.
        self.digest = functools.lru_cache(maxsize=65536)(self._digest)

    @classmethod
    def from_secret(cls, secret: str) -> "DataKey":
        return cls(secret)

    def encrypt(self, letter: str, plain: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        if letter == "A":
            return nonce + self._aesgcm.encrypt(nonce, plain, None)
        encryptor = Cipher(algorithms.SM4(self.sm4), modes.GCM(nonce)).encryptor()
        return nonce + encryptor.update(plain) + encryptor.finalize() + encryptor.tag

    def decrypt(self, letter: str, blob: bytes) -> bytes:
        nonce, body = blob[:_NONCE], blob[_NONCE:]
        if letter == "A":
            return self._aesgcm.decrypt(nonce, body, None)
        decryptor = Cipher(algorithms.SM4(self.sm4), modes.GCM(nonce, body[-_TAG:])).decryptor()
        return decryptor.update(body[:-_TAG]) + decryptor.finalize()

    def _digest(self, value: str) -> str:
        mac = self._hmac.copy()  # the key's blocks hashed once, not for every value
        mac.update(value.encode())
        return mac.hexdigest()


@functools.lru_cache(maxsize=8)
def _key_from(secret: str) -> DataKey:
    return DataKey.from_secret(secret)


def current_key() -> DataKey:
    secret = settings.SHEQU_DATA_KEY
    if not secret:
        raise ImproperlyConfigured("SHEQU_DATA_KEY is not set.")
    return _key_from(secret)


def old_key() -> DataKey | None:
    """The key being rotated away from (``SHEQU_DATA_KEY_OLD``), while a rotation runs."""
    secret = settings.SHEQU_DATA_KEY_OLD
    return _key_from(secret) if secret else None


def _keys_by_id() -> dict[str, DataKey]:
    """The keys that read (current first, then the old one during a rotation), by id."""
    if not settings.SHEQU_DATA_KEY:
        raise ImproperlyConfigured("SHEQU_DATA_KEY is not set.")
    return _keyring(settings.SHEQU_DATA_KEY, settings.SHEQU_DATA_KEY_OLD)


@functools.lru_cache(maxsize=8)
def _keyring(secret: str, old_secret: str) -> dict[str, DataKey]:
    keys = [_key_from(secret)] + ([_key_from(old_secret)] if old_secret else [])
    return {key.key_id: key for key in keys}


def _letter() -> str:
    try:
        return CIPHERS[settings.DATA_CIPHER]
    except KeyError as exc:
        raise ImproperlyConfigured(
            f"DATA_CIPHER must be one of {', '.join(CIPHERS)}; got {settings.DATA_CIPHER!r}"
        ) from exc


def encrypt_text(value: str, key: DataKey | None = None) -> str:
    """``value`` encrypted under the current key (or ``key``), as stored text."""
    key = key or current_key()
    letter = _letter()
    blob = key.encrypt(letter, value.encode())
    return letter + key.key_id + ":" + base64.b64encode(blob).decode()


def decrypt_text(stored: str) -> str:
    """The value of a text made by ``encrypt_text`` under the current or the old key."""
    letter, key_id, body = stored[:1], stored[1:9], stored[10:]
    key = _keys_by_id().get(key_id)
    if key is None or letter not in CIPHERS.values() or stored[9:10] != ":":
        raise DecryptionError(f"no configured key opens a value of key {key_id!r}")
    try:
        return key.decrypt(letter, base64.b64decode(body)).decode()
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError(f"a value of key {key_id!r} does not decrypt") from exc


def key_id_of(stored: str) -> str:
    return stored[1:9]


def is_encrypted(stored: Any) -> bool:
    return (
        isinstance(stored, str)
        and len(stored) > 10
        and stored[:1] in CIPHERS.values()
        and stored[9:10] == ":"
    )


def blind_index(value: str) -> str:
    """The keyed digest (HMAC-SHA256, hex) by which a whole value is looked up."""
    return current_key().digest(value)


def blind_indexes(value: str) -> list[str]:
    """The digests of a value under every configured key: a lookup during a rotation finds
    rows not yet rewritten too."""
    return [key.digest(value) for key in _keys_by_id().values()]


# --- Files (stored import uploads and export results) -----------------------------------

FILE_MAGIC = b"SHEQUENC1"


def encrypt_bytes(data: bytes) -> bytes:
    """A stored file's bytes encrypted (a marker, the cipher letter, the key id, the rest)."""
    key = current_key()
    letter = _letter()
    return FILE_MAGIC + letter.encode() + key.key_id.encode() + key.encrypt(letter, data)


def decrypt_bytes(data: bytes) -> bytes:
    """The bytes of a stored file; a file stored before encryption comes back as it is."""
    data = bytes(data)
    if not data.startswith(FILE_MAGIC):
        return data
    head = len(FILE_MAGIC)
    letter, key_id = data[head : head + 1].decode(), data[head + 1 : head + 9].decode()
    key = _keys_by_id().get(key_id)
    if key is None:
        raise DecryptionError(f"no configured key opens a file of key {key_id!r}")
    try:
        return key.decrypt(letter, data[head + 9 :])
    except InvalidTag as exc:
        raise DecryptionError("a stored file does not decrypt") from exc
