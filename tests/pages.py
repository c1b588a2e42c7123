"""Helpers the page tests share: admin URLs of a model and the rows a changelist shows."""

import re

from django.urls import reverse


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change(model, pk) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])


def result_rows(html: str) -> int:
    match = re.search(r'<table id="result_list">.*?<tbody>(.*?)</tbody>', html, re.S)
    return match.group(1).count("<tr") if match else 0
