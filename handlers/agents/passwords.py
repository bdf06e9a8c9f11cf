"""Agent passwords: argon2 hashes, computed off the event loop (a hash takes tens of ms)."""

from __future__ import annotations

import asyncio
import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
_hasher = PasswordHasher()


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")


async def hash_password(password: str) -> str:
    check_strength(password)
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(hashed: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return bool(_hasher.verify(hashed, password))
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_hex(16))


async def dummy_verify(password: str) -> bool:
    """Costs what checking a real account costs, so timing does not tell names apart."""
    await verify_password(await asyncio.to_thread(_dummy_hash), password)
    return False
