"""Known-answer vectors for the provenance hash (CONTRACTS: hex SHA-256 of the UTF-8 of the NFC form).

The expected digests were computed outside Python (`printf … | sha256sum`), so a change to the
normalization, the encoding or the joining of paragraphs breaks these tests instead of silently
making every document already in circulation read as modified.
"""

from __future__ import annotations

import pytest

from docx_tools.provenance import text_sha256

VECTORS = [
    # two paragraphs joined by \n, as inserted
    ("要約：窓口は9時に開きます。\n土日は休み", "113dfa0699faab5ce2216e1aa68cd21fd6f6031a0c3a2c55c7baec9a7e594b2e"),
    # precomposed が (U+304C)
    ("\u304c", "e3b21956ce958d2599e4e122f5395b8bb776552bd4ceae0c6bec80e4f73a2905"),
    # か + combining dakuten (NFD) hashes as its NFC form, the same digest
    ("\u304b\u3099", "e3b21956ce958d2599e4e122f5395b8bb776552bd4ceae0c6bec80e4f73a2905"),
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
]


@pytest.mark.parametrize("text, expected", VECTORS)
def test_text_sha256_known_answers(text: str, expected: str) -> None:
    assert text_sha256(text) == expected
