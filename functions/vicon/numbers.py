"""Numbers as people in Indonesia read them (10.000; 91,48; 85,5%), and exact rounding half up.

Standard library only. Reports and mails print through these; CSV exports keep machine forms (vicon.reporting).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

Number = int | Fraction | Decimal


def round_half_up(value: Number, places: int = 2) -> Decimal:
    """`value` rounded to `places` decimals, halves away from zero, computed exactly (no float on the way).

    91.475 becomes 91.48 and 91.4749… becomes 91.47, whatever binary floats would make of them.
    """
    exact = Fraction(value)
    scale = 10**places
    negative = exact < 0
    magnitude = -exact if negative else exact
    # floor(x * scale + 1/2) for x >= 0, in integers: (2 * p * scale + q) // (2 * q).
    units = (2 * magnitude.numerator * scale + magnitude.denominator) // (2 * magnitude.denominator)
    return Decimal(-units if negative and units else units).scaleb(-places)


def format_int(value: int) -> str:
    """'10.000': thousands grouped with a point."""
    return f"{value:,}".replace(",", ".")


def format_decimal(value: Number, places: int = 2) -> str:
    """'91,48', '1.234,5': rounded half up, thousands with a point, decimals with a comma."""
    rounded = round_half_up(value, places)
    text = f"{rounded:,.{places}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def format_percent(value: Number, places: int = 1) -> str:
    """'85,5%' for 85.5 (a value already in percent)."""
    return f"{format_decimal(value, places)}%"


def percent(part: int, whole: int) -> Fraction | None:
    """`part` of `whole` in percent, exactly; None when `whole` is zero (no share to speak of)."""
    return Fraction(100 * part, whole) if whole else None
