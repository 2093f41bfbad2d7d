"""Phone numbers in the intake: validated by phonenumbers, Dutch unless the number says otherwise."""

from __future__ import annotations

import pytest

from bot.intake.validate import phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("06 12345678", "+31612345678"),
        ("+31 6 1234 5678", "+31612345678"),
        ("0031612345678", "+31612345678"),
        ("(020) 123 4567", "+31201234567"),
        ("+49 170 1234567", "+491701234567"),
        ("0049 170 1234567", "+491701234567"),
        ("٠٦١٢٣٤٥٦٧٨", "+31612345678"),  # Arabic-Indic digits
    ],
)
def test_valid_numbers_are_stored_in_one_form(typed: str, stored: str) -> None:
    assert phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "06-1234567", "hallo", "+31 6 1234", ""])
def test_invalid_numbers_are_refused(typed: str) -> None:
    assert phone(typed) is None
