"""Every user-facing string has its Vietnamese translation, with the same placeholders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sd]|\{\w*\}")


def _strings(message) -> list[str]:
    return [s for s in (message.string if isinstance(message.string, tuple) else (message.string,))]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


@pytest.fixture(scope="module")
def catalog():
    with CATALOG.open("rb") as handle:
        return read_po(handle, locale="vi")


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [
            str(pybabel),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--ignore-dirs=.* ._ node_modules vendor instance",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return read_po(handle)


def test_every_string_in_the_code_is_in_the_catalog_and_translated(catalog, source_messages):
    missing = [m.id for m in source_messages if m.id and m.id not in catalog]
    assert missing == [], f"run `make extract-messages` and translate: {missing[:10]}"
    untranslated = [m.id for m in catalog if m.id and not all(_strings(m)) and not m.obsolete]
    assert untranslated == [], f"untranslated: {untranslated[:10]}"
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert fuzzy == []


def test_translations_keep_the_placeholders(catalog):
    for message in catalog:
        if not message.id:
            continue
        expected = sorted(PLACEHOLDER.findall(_ids(message)[-1]))
        for translated in _strings(message):
            assert sorted(PLACEHOLDER.findall(translated)) == expected, message.id


def test_pages_speak_vietnamese_by_default_and_english_on_request(client):
    vietnamese = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in vietnamese and "Đăng nhập" in vietnamese
    english = client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Log in" in english and "Đăng nhập" not in english
