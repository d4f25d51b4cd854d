"""Every value an import writes, checked against its column first.

SQLite stores a 10,000-character title in a 500-character column and PostgreSQL stops with a raw
DataError; a NUL character or a 30-digit number are refused by one database and not the other.
Checking each value against the model's own field (its length, its validators, the integer
range Django gives every backend) before any write makes the refusal the same, and readable, on
both: "title is 10,000 characters, over its limit of 500".
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations

INTEGER_RANGES = BaseDatabaseOperations.integer_field_ranges


def field_problem(model: type[models.Model], values: Mapping[str, object]) -> str | None:
    """The first value in `values` its column of `model` cannot hold, described; None if all fit."""
    for name, value in values.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if value is None or field.is_relation:
            continue
        if isinstance(value, str):
            if "\x00" in value:
                return f"{name} contains a NUL character at position {value.index(chr(0))}"
            if field.max_length is not None and len(value) > field.max_length:
                return f"{name} is {len(value):,} characters, over its limit of {field.max_length:,}"
        if isinstance(field, models.IntegerField) and isinstance(value, int):
            low, high = INTEGER_RANGES.get(field.get_internal_type(), (None, None))
            if (low is not None and value < low) or (high is not None and value > high):
                return f"{name} {value} is outside {low:,} to {high:,}"
            continue
        try:
            # The field's own validators: slugs, web addresses, time zones, decimal digits.
            field.run_validators(value)
        except ValidationError as error:
            return f"{name} {str(value)[:60]!r}: {' '.join(error.messages)}"
    return None
