"""What each source declares on its AppConfig (backoffice.source_app) is what the code does."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib import admin

from backoffice import display, health
from backoffice.demo.fake_server import NullFake, fake_class
from backoffice.source_app import MODULE_KINDS, TONES, SourceAppConfig, source_config, source_configs, source_module


def test_every_configured_source_has_a_source_app_config_with_the_same_attributes():
    configs = source_configs()
    assert [c.label for c in configs] == list(settings.CONFIGURED_SOURCES)
    for config in configs:
        assert isinstance(config, SourceAppConfig)
        assert set(config.status_tones) <= set(TONES)
        for kind in MODULE_KINDS:
            name = getattr(config, kind)
            assert name is None or source_module(config.label, kind) is not None


def test_source_module_reads_the_declaration_not_the_file_name():
    assert source_module("wrapped", "bench").__name__ == "monitoring.wrapped.bench"
    assert source_module("xtrack", "bench") is None  # no declared bench pages
    assert source_module("publishing", "urls").__name__ == "monitoring.publishing.urls"
    assert source_module("wrapped", "urls") is None
    assert source_config("nope") is None and source_module("nope", "dashboard") is None
    with pytest.raises(ValueError, match="unknown source module kind"):
        source_module("wrapped", "models")


def test_status_words_take_the_tone_their_source_declares():
    for config in source_configs():
        for tone, words in config.status_tones.items():
            for word in words:
                assert display.status_tones()[word] == tone, (config.label, word)
    assert display.status_badge("scrape_done") == '<span class="badge badge-warn">scrape_done</span>'
    assert display.status_badge("shadowbanned") == '<span class="badge badge-bad">shadowbanned</span>'
    assert display.status_badge("no-such-status") == '<span class="badge badge-neutral">no-such-status</span>'


def test_index_declarations_come_from_the_app_config():
    specs = {s.name: s for s in health.index_declarations("wrapped")}
    config = source_config("wrapped")
    for table, _columns, name, *_pages in config.service_indexes:
        assert specs[name].service and specs[name].table == table
    for table, _columns, name, *_pages in config.recommended_indexes:
        assert not specs[name].service and specs[name].table == table


def _path_regex(template: str) -> re.Pattern:
    return re.compile("^" + re.escape(template).replace(re.escape("{key}"), "[^/]+") + "$")


def test_declared_api_endpoints_are_the_ones_the_fakes_serve_and_the_actions_call():
    for config in source_configs():
        fake = fake_class(config.label)
        if not config.api_endpoints:
            assert fake is NullFake, config.label
            continue
        served = [(method, re.compile(f"^{rx}$")) for method, rx, _name in fake.routes]
        for method, template in config.api_endpoints:
            example = template.replace("{key}", "k-1")
            assert any(m == method and rx.match(example) for m, rx in served), (config.label, method, template)
    called = []
    for model, model_admin in admin.site._registry.items():
        for action in model_admin.actions or ():
            spec = getattr(action, "source_action", None)
            path = getattr(spec, "path", None)
            if spec is not None and path:
                declared = [t for _m, t in source_config(model._meta.app_label).api_endpoints]
                assert path in declared, (model._meta.label, path)
                called.append(path)
    assert "/admin/wrapped/runs/{key}/retry" in called
