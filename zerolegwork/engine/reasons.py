"""check-bpmn's reasons in the reader's language, for the pages (流程管理, the modeler's check).

The catalog and the script checks word their reasons in English: the command line, the logs and the
tests read them so, and some come from SpiffWorkflow itself. A page shows `in_words(reason)`: each
known pattern becomes its translation with its parts kept (names, numbers, the nested reason of a
refused script, itself put in words); a reason no pattern knows is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# what a refused piece of code was, as _expressions_of names it
WHAT: dict[str, object] = {
    "script": _l("Script"),
    "prescript": _l("Pre-script"),
    "postscript": _l("Post-script"),
    "condition": _l("Condition"),
    "cardinality": _l("Loop cardinality"),
    "correlation": _l("Correlation expression"),
    "TimerEventDefinition": _l("Timer expression"),
    "TimeDateEventDefinition": _l("Timer date"),
    "DurationTimerEventDefinition": _l("Timer duration"),
    "CycleTimerEventDefinition": _l("Timer cycle"),
}


def _what(name: str) -> str:
    return str(WHAT.get(name, name))


def _pattern(regex: str, render: Callable[[re.Match[str]], str]) -> tuple[re.Pattern[str], Callable[..., str]]:
    return re.compile(regex + r"\Z", re.S), render


PATTERNS = [
    _pattern(r"folder does not exist", lambda m: _("The folder does not exist.")),
    _pattern(r"file larger than (\d+) bytes", lambda m: _("The file is larger than %(n)s bytes.", n=m[1])),
    _pattern(r"file is not UTF-8 text", lambda m: _("The file is not UTF-8 text.")),
    _pattern(
        r"document type declarations \(<!DOCTYPE>, <!ENTITY>\) are not allowed",
        lambda m: _("Document type declarations (<!DOCTYPE>, <!ENTITY>) are not allowed."),
    ),
    _pattern(r"malformed XML: (.*)", lambda m: _("Malformed XML: %(detail)s", detail=m[1])),
    _pattern(r"malformed JSON: (.*)", lambda m: _("Malformed JSON: %(detail)s", detail=m[1])),
    _pattern(
        r"process id also defined in (.*)", lambda m: _("This process id is also defined in %(file)s.", file=m[1])
    ),
    _pattern(
        r"process id must equal the file name without \.bpmn",
        lambda m: _("The process id must equal the file name without .bpmn."),
    ),
    _pattern(r"user task has no formKey property", lambda m: _("The user task has no formKey property.")),
    _pattern(r"form '(.*)' not found in forms/", lambda m: _("No form %(key)s in forms/.", key=m[1])),
    _pattern(r"user task is not in a lane", lambda m: _("The user task is not in a lane.")),
    _pattern(
        r"lane name '(.*)' is not a snake_case role",
        lambda m: _("The lane name %(name)s is not a snake_case role.", name=m[1]),
    ),
    _pattern(
        r"service tasks are not supported; use a script task calling an allowed helper",
        lambda m: _("Service tasks are not supported; use a script task calling an allowed helper."),
    ),
    _pattern(r"(\w+) refused: (.*)", lambda m: _("%(what)s refused: %(why)s", what=_what(m[1]), why=in_words(m[2]))),
    _pattern(
        r"DMN expression refused \(called by (.*) in (.*)\): (.*)",
        lambda m: _(
            "DMN expression refused (called by %(element)s in %(file)s): %(why)s",
            element=m[1],
            file=m[2],
            why=in_words(m[3]),
        ),
    ),
    _pattern(r"operator (.*) is not allowed", lambda m: _("The operator %(op)s is not allowed.", op=m[1])),
    _pattern(
        r"(.*) is not an allowed function or name",
        lambda m: _("%(name)s is not an allowed function or name.", name=m[1]),
    ),
    _pattern(r'attribute "(.*)" is not allowed', lambda m: _("The attribute %(name)s is not allowed.", name=m[1])),
    _pattern(r"import is not allowed", lambda m: _("import is not allowed.")),
    _pattern(
        r"syntax error on line (\d+): (.*)",
        lambda m: _("Syntax error on line %(line)s: %(detail)s", line=m[1], detail=m[2]),
    ),
    _pattern(
        r"range\(\) of (\d+) items is larger than the allowed (\d+)",
        lambda m: _("range() of %(n)s items is more than the allowed %(limit)s.", n=m[1], limit=m[2]),
    ),
    _pattern(
        r"a power of about (\d+) digits \(\*\*\) is over the limit of (\d+) digits",
        lambda m: _("A power (**) of about %(n)s digits is over the limit of %(limit)s digits.", n=m[1], limit=m[2]),
    ),
    _pattern(
        r"an int product \(\*\) of more than (\d+) bits is over the limit",
        lambda m: _("An integer product (*) of more than %(n)s bits is over the limit.", n=m[1]),
    ),
    _pattern(
        r"a shift \(<<\) to more than (\d+) bits is over the limit",
        lambda m: _("A shift (<<) to more than %(n)s bits is over the limit.", n=m[1]),
    ),
    _pattern(
        r"a format width of (\d+) is over the limit of (\d+)",
        lambda m: _("A format width of %(n)s is over the limit of %(limit)s.", n=m[1], limit=m[2]),
    ),
    _pattern(
        r"script ran longer than the (.*) s limit",
        lambda m: _("The script ran longer than the %(n)s s limit.", n=m[1]),
    ),
    _pattern(
        r"task data overwrites helper names: (.*)",
        lambda m: _("The task data overwrites helper names: %(names)s", names=m[1]),
    ),
    _pattern(
        r"owner '(.*)' differs from (.*)\.json's '(.*)'",
        lambda m: _("The owner %(owner)s differs from %(other)s.json's %(first)s.", owner=m[1], other=m[2], first=m[3]),
    ),
]


def in_words(reason: str) -> str:
    """A check-bpmn reason as the page shows it: translated when a pattern knows it, else as it is."""
    for pattern, render in PATTERNS:
        match = pattern.match(reason)
        if match:
            return render(match)
    return reason
