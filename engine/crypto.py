"""Encryption of personal data at rest (AES-256-GCM) and keyed hashes for look-ups.

Every encrypted value is bound to what it belongs to (`context`, e.g. the case id) as
associated data, so a blob copied onto another row does not decrypt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from engine.errors import ServerFault

_VERSION = b"\x01"


class DecryptionError(ServerFault):
    """Data that does not open with this key: a changed NBASSIST_DATA_KEY or a damaged row."""

    code = "decryption"


class Cipher:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the data key must be 32 bytes")
        self._aead = AESGCM(key)
        # A separate key for keyed hashes, so hashes never reveal anything about the cipher key.
        self._hash_key = hashlib.sha256(b"nbassist-lookup:" + key).digest()

    def encrypt(self, plaintext: bytes, context: str) -> bytes:
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, context.encode())

    def decrypt(self, blob: bytes, context: str) -> bytes:
        if not blob or blob[:1] != _VERSION:
            raise DecryptionError("unknown encryption format")
        try:
            return self._aead.decrypt(blob[1:13], blob[13:], context.encode())
        except InvalidTag as exc:
            raise DecryptionError("data cannot be decrypted with this key") from exc

    def encrypt_json(self, value: Any, context: str) -> bytes:
        return self.encrypt(json.dumps(value, separators=(",", ":")).encode(), context)

    def decrypt_json(self, blob: bytes | None, context: str) -> Any:
        if blob is None:
            return None
        return json.loads(self.decrypt(blob, context))

    def lookup_hash(self, value: str) -> str:
        """A keyed hash for finding duplicates without storing the plain identifier."""
        return hmac.new(self._hash_key, value.strip().casefold().encode(), "sha256").hexdigest()
