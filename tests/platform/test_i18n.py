"""Every user-visible message has a Chinese translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}


def source_messages() -> set[str]:
    method_map = [("zerolegwork/**.py", "python"), ("zerolegwork/**/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(str(ROOT), method_map=method_map, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_in_the_code_is_translated_to_chinese():
    with (ROOT / "zerolegwork/translations/zh_Hans_CN/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(source_messages() - translated)
    assert missing == [], "run `make i18n-update` and translate: " + "; ".join(missing)


def test_the_english_switch_works(tmp_path):
    from tests.conftest import make_settings
    from zerolegwork import create_app

    # No app context pushed around the requests: Flask-Babel caches the locale per app context.
    client = create_app(make_settings(f"sqlite:///{tmp_path / 'l.db'}")).test_client()
    client.post("/lang/en")
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    client.post("/lang/zh_CN")
    assert "登录" in client.get("/login").get_data(as_text=True)
