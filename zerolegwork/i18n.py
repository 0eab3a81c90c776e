"""Languages: zh_CN first, en second; catalogs compiled from .po on start when stale."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, request, session
from flask_babel import Babel, get_locale

LOCALES = ("zh_CN", "en")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def compile_catalogs() -> None:
    """Compile each messages.po to messages.mo when the .mo is missing or older."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog)
        tmp.replace(mo)


@lru_cache(maxsize=8)
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def select_locale() -> Locale:
    """The session's chosen language, else the configured default (parsed once, not per request)."""
    chosen = session.get("lang") if request else None
    if chosen in LOCALES:
        return _locale(str(chosen))
    return _locale(str(current_app.config["BABEL_DEFAULT_LOCALE"]))


def local_time(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Show a UTC timestamp (or its ISO text, as kept in process data) in Asia/Shanghai."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return value.astimezone(SHANGHAI).strftime(fmt)


def money(value: object, places: int = 4) -> str:
    """Show an amount (万元 with 4 places, 元 with 2) with thousands separators."""
    from decimal import Decimal, InvalidOperation

    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{number:,.{places}f}"


def file_size(size: int | None) -> str:
    """A file's size as people read it in either language: 512 B, 1.2 KB, 3.4 MB (binary units)."""
    value = int(size or 0)
    if value < 1024:
        return f"{value} B"
    if value < 1024 * 1024:
        return f"{value / 1024:.1f} KB"
    return f"{value / (1024 * 1024):.1f} MB"


def init_app(app: Flask, babel: Babel) -> None:
    compile_catalogs()
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS))
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["file_size"] = file_size
    from .engine.reasons import in_words

    app.jinja_env.filters["in_words"] = in_words  # check-bpmn's reasons on the pages
    app.jinja_env.globals["get_locale"] = get_locale
