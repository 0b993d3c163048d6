"""Forgets the bank items a process keeps (selectors.bank_items) when an item, section or bank is
saved or deleted through the ORM. The bank loader's bulk writes send no signals; it moves the
bank's `loaded_at` instead, which the kept items are checked against."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from . import selectors
from .models import EvidenceItem, QuestionBank, Section


def _forget(**kwargs) -> None:
    selectors.bank_items_forget()


def connect() -> None:
    for model in (EvidenceItem, Section, QuestionBank):
        for signal in (post_save, post_delete):
            signal.connect(_forget, sender=model, dispatch_uid=f"bank-items-{model.__name__}")
