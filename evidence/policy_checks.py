"""The policy builder's texts are checked when the portal starts: a bad file stops it with every
problem listed, rather than failing on the first person's "Build the policy"."""

from __future__ import annotations

from django.core import checks

from assessments.bank import BankError


def check_policy_texts(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from .policy_texts import PolicyTextError, policy_texts_load

    try:
        policy_texts_load()
    except PolicyTextError as error:
        return [checks.Error(error.message, id="evidence.E001")]
    except BankError as error:  # the policy templates list itself is broken
        return [checks.Error(str(error), id="evidence.E002")]
    return []
