"""Reading a set-up file (YAML): the region tree, the departments of each level, the first administrator.

Every problem names the file's line and key and says why in the user's language; a file with any
problem is refused whole, before anything is written (docs/setup.md describes the format).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from flask_babel import gettext as _

from .models import ApprovalMode
from .reference import DEFAULT_CHAINS, DEFAULT_LEVELS, DEFAULT_UNIT, LEVELS, OWN_LABELS

TOP_KEYS = ("regions", "departments", "structure", "platform", "administrator")
REGION_KEYS = ("code", "name", "parent", "level", "own_name")
DEPARTMENT_KEYS = ("type", "name")
STRUCTURE_KEYS = ("unit", "levels", "chains")
PLATFORM_KEYS = ("code", "name")
ADMIN_KEYS = ("username", "display_name")
CODE = re.compile(r"[0-9A-Za-z]{1,12}")
TYPE = re.compile(r"[a-z][a-z0-9_]{1,29}")
USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{3,31}")
ORG_CODE = re.compile(r"[a-z][a-z0-9_]{1,63}")
MAX_FILE_BYTES = 1_000_000

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One reason a set-up file is refused: where (line, key) and why."""

    line: int
    key: str
    reason: str

    def __str__(self) -> str:
        if not self.key:
            return _("Line %(line)s: %(reason)s", line=self.line, reason=self.reason)
        return _("Line %(line)s, %(key)s: %(reason)s", line=self.line, key=self.key, reason=self.reason)


class SetupError(ValueError):
    """A set-up file or the change it asks for was refused; nothing was changed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("; ".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class RegionSpec:
    """A region as the file declares it; `row_name` is what its row is called (the top: its 本级 name)."""

    code: str
    name: str
    level: str
    parent: str | None
    order: int
    line: int
    own_name: str | None = None

    @property
    def row_name(self) -> str:
        return self.own_name or self.name

    @property
    def area_name(self) -> str | None:
        return self.name if self.parent is None else None


@dataclass(frozen=True)
class DepartmentSpec:
    """A department every region of `level` has: `type` names it in codes, `name` follows the region's."""

    level: str
    type: str
    name: str
    line: int


@dataclass(frozen=True)
class Structure:
    """The default internal structure of a new department: one unit, its levels (one post each), chains."""

    unit: str | None = DEFAULT_UNIT
    levels: tuple[str, ...] = DEFAULT_LEVELS
    chains: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_CHAINS))


@dataclass(frozen=True)
class Spec:
    """A whole set-up file, checked."""

    regions: tuple[RegionSpec, ...]
    departments: tuple[DepartmentSpec, ...]
    structure: Structure
    platform_code: str
    platform_name: str
    admin_username: str | None
    admin_display_name: str
    lines: dict[str, int] = field(default_factory=dict)  # the line of each top-level key

    @property
    def top(self) -> RegionSpec:
        return next(r for r in self.regions if r.parent is None)


class _Reader:
    """Turns the YAML node tree into plain values, remembering the line of every key and item."""

    def __init__(self, text: str) -> None:
        self.lines: dict[Path, int] = {}
        self.problems: list[Problem] = []
        self._loader = yaml.SafeLoader(text)

    def read(self) -> Any:
        try:
            node = self._loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            self.problems.append(Problem(line, "", _("This is not valid YAML (%(why)s).", why=exc.problem or "")))
            return None
        except yaml.YAMLError as exc:
            self.problems.append(Problem(1, "", _("This is not valid YAML (%(why)s).", why=str(exc))))
            return None
        finally:
            self._loader.dispose()
        return None if node is None else self._plain(node, ())

    def _plain(self, node: yaml.Node, path: Path) -> Any:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in result:
                    line = key_node.start_mark.line + 1
                    self.problems.append(Problem(line, dotted((*path, key)), _("This key appears twice.")))
                    continue
                result[key] = self._plain(value_node, (*path, key))
                self.lines[(*path, key)] = key_node.start_mark.line + 1
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self._plain(item, (*path, i)) for i, item in enumerate(node.value)]
        try:
            return self._loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.problems.append(
                Problem(self.lines[path], dotted(path), _("This is not valid YAML (%(why)s).", why=exc))
            )
            return None


def dotted(path: Path) -> str:
    """regions[3].parent: a key's place in the file, as the messages name it."""
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class _Checker:
    def __init__(self, lines: dict[Path, int], label: Callable[[Path], str]) -> None:
        self.lines = lines
        self.label = label
        self.problems: list[Problem] = []

    def line(self, path: Path) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def problem(self, path: Path, reason: str) -> None:
        self.problems.append(Problem(self.line(path), self.label(path), reason))

    def mapping(self, value: Any, path: Path, allowed: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.problem(path, _("Expected keys (key: value)."))
            return {}
        for key in value:
            if key not in allowed:
                self.problem((*path, key), _("Unknown key; allowed: %(keys)s.", keys=", ".join(allowed)))
        return value

    def items(self, value: Any, path: Path) -> list[Any]:
        if not isinstance(value, list) or not value:
            self.problem(path, _("Expected a list with at least one item (- …)."))
            return []
        return value

    def text(self, value: Any, path: Path, limit: int, pattern: re.Pattern[str] | None = None) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool) and pattern is CODE:
            value = str(value)  # an unquoted numeric code
        if not isinstance(value, str) or not value.strip():
            self.problem(path, _("Enter a value."))
            return None
        value = value.strip()
        if len(value) > limit:
            self.problem(path, _("At most %(n)d characters.", n=limit))
            return None
        if pattern is not None and not pattern.fullmatch(value):
            self.problem(path, _("Not a valid code: %(value)s.", value=value))
            return None
        return value


def read_spec(text: str | bytes) -> Spec:
    """Check a whole set-up file; raise SetupError listing every problem (line, key, reason)."""
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise SetupError([Problem(1, "", _("The file is larger than %(n)s bytes.", n=MAX_FILE_BYTES))])
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SetupError([Problem(1, "", _("The file is not UTF-8 text."))]) from None
    reader = _Reader(text)
    data = reader.read()
    if reader.problems:
        raise SetupError(reader.problems)
    return check_document(data, reader.lines)


def check_document(data: Any, lines: dict[Path, int], label: Callable[[Path], str] = dotted) -> Spec:
    """Check a set-up read from any format: its values, the line of each path, how a message names a path."""
    check = _Checker(lines, label)
    doc = check.mapping(data, (), TOP_KEYS)
    regions = _regions(check, doc.get("regions"))
    departments = _departments(check, doc.get("departments"), {r.level for r in regions})
    structure = _structure(check, doc.get("structure"))
    if doc and "platform" not in doc:
        check.problem(("platform",), _("This key is required."))
    platform = check.mapping(doc.get("platform", {}), ("platform",), PLATFORM_KEYS)
    platform_code = check.text(platform.get("code", "platform"), ("platform", "code"), 64, ORG_CODE)
    platform_name = check.text(platform.get("name"), ("platform", "name"), 200)
    admin = check.mapping(doc.get("administrator", {}), ("administrator",), ADMIN_KEYS)
    username = None
    if admin:
        username = check.text(admin.get("username"), ("administrator", "username"), 32, USERNAME)
    display = check.text(admin.get("display_name", "平台管理员"), ("administrator", "display_name"), 100)
    if check.problems:
        raise SetupError(check.problems)
    top_lines = {str(path[0]): line for path, line in lines.items() if len(path) == 1}
    return Spec(
        tuple(regions),
        tuple(departments),
        structure,
        str(platform_code),
        str(platform_name),
        username,
        str(display),
        top_lines,
    )


def _regions(check: _Checker, value: Any) -> list[RegionSpec]:
    raw: list[tuple[int, dict[str, Any]]] = []
    for i, item in enumerate(check.items(value, ("regions",))):
        raw.append((i, check.mapping(item, ("regions", i), REGION_KEYS)))
    by_code: dict[str, int] = {}
    names: dict[str, int] = {}
    parents: dict[str, str | None] = {}
    fields_of: dict[str, dict[str, Any]] = {}
    for i, item in raw:
        path: Path = ("regions", i)
        code = check.text(item.get("code"), (*path, "code"), 12, CODE)
        name = check.text(item.get("name"), (*path, "name"), 50)
        if code is None or name is None:
            continue
        if code in by_code:
            first = check.line(("regions", by_code[code]))
            check.problem((*path, "code"), _("The code %(code)s is already used on line %(n)s.", code=code, n=first))
            continue
        by_code[code] = i
        parent = item.get("parent")
        parents[code] = None if parent is None else check.text(parent, (*path, "parent"), 12, CODE) or ""
        own = item.get("own_name")
        if own is not None and parent is not None:
            check.problem((*path, "own_name"), _("Only the top region has an own_name."))
        own_name = check.text(own, (*path, "own_name"), 50) if own is not None else None
        fields_of[code] = {"name": name, "own_name": own_name, "line": check.line(path), "index": i}
        for shown in {name, own_name} - {None}:
            if shown in names:
                first = check.line(("regions", names[shown]))
                check.problem(
                    (*path, "name"), _("The name %(name)s is already used on line %(n)s.", name=shown, n=first)
                )
            names[str(shown)] = i
    tops = [code for code, parent in parents.items() if parent is None]
    if len(tops) != 1 and raw:
        check.problem(("regions",), _("Exactly one region has no parent (the top); found %(n)s.", n=len(tops)))
        return []
    for code, parent in parents.items():
        if parent and parent not in by_code:
            path = ("regions", by_code[code], "parent")
            check.problem(path, _("There is no region with the code %(code)s in this file.", code=parent))
    if check.problems:
        return []
    top = tops[0]
    declared = {code: raw[by_code[code]][1].get("level") for code in by_code}
    top_level = declared[top] or "city"
    if top_level not in LEVELS[:-1]:
        allowed = ", ".join(LEVELS[:-1])
        check.problem(("regions", by_code[top], "level"), _("Choose one of: %(values)s.", values=allowed))
        return []
    levels = {top: top_level}
    order = [top]
    for code in order:  # breadth first from the top: each child is one level below its parent
        for child in (c for c in by_code if parents[c] == code):
            depth = LEVELS.index(levels[code]) + 1
            path = ("regions", by_code[child])
            if depth >= len(LEVELS):
                check.problem((*path, "parent"), _("There is no level below %(level)s.", level=levels[code]))
                continue
            levels[child] = LEVELS[depth]
            if declared[child] not in (None, levels[child]):
                check.problem((*path, "level"), _("This region's level is %(level)s.", level=levels[child]))
            order.append(child)
    for code in by_code:
        if code not in levels and not check.problems:
            check.problem(("regions", by_code[code], "parent"), _("This region is not under the top region."))
    if check.problems:
        return []
    regions = []
    for code in sorted(levels, key=lambda c: by_code[c]):
        item = fields_of[code]
        own_name = item["own_name"] or (OWN_LABELS[levels[code]] if code == top else None)
        regions.append(
            RegionSpec(code, item["name"], levels[code], parents[code], item["index"], item["line"], own_name)
        )
    own_clash = [r for r in regions if r.parent is not None and r.name == regions[0].row_name]
    for region in own_clash:
        check.problem(("regions", region.order, "name"), _("%(name)s is the top region's own name.", name=region.name))
    return regions


def _departments(check: _Checker, value: Any, levels: set[str]) -> list[DepartmentSpec]:
    if value is None:
        return []
    result = []
    for level, items in check.mapping(value, ("departments",), LEVELS).items():
        if level not in LEVELS:
            continue
        if level not in levels:
            check.problem(("departments", level), _("No region of this file is at the level %(level)s.", level=level))
            continue
        seen: set[str] = set()
        for i, item in enumerate(check.items(items, ("departments", level))):
            path: Path = ("departments", level, i)
            item = check.mapping(item, path, DEPARTMENT_KEYS)
            kind = check.text(item.get("type"), (*path, "type"), 30, TYPE)
            name = check.text(item.get("name"), (*path, "name"), 100)
            if kind == "admin":
                check.problem((*path, "type"), _("The type admin is the platform's own office."))
            elif kind is not None and kind in seen:
                check.problem((*path, "type"), _("The type %(type)s appears twice at this level.", type=kind))
            elif kind is not None and name is not None:
                seen.add(kind)
                result.append(DepartmentSpec(level, kind, name, check.line(path)))
    return result


def _structure(check: _Checker, value: Any) -> Structure:
    if value is None:
        return Structure()
    item = check.mapping(value, ("structure",), STRUCTURE_KEYS)
    unit = check.text(item["unit"], ("structure", "unit"), 100) if item.get("unit") is not None else None
    levels: list[str] = []
    for i, level in enumerate(check.items(item.get("levels", list(DEFAULT_LEVELS)), ("structure", "levels"))):
        name = check.text(level, ("structure", "levels", i), 50)
        if name in levels:
            check.problem(("structure", "levels", i), _("This name is already used."))
        elif name is not None:
            levels.append(name)
    chains: dict[str, tuple[str, ...]] = {}
    modes = tuple(m.value for m in ApprovalMode)
    for mode, steps in check.mapping(item.get("chains", dict(DEFAULT_CHAINS)), ("structure", "chains"), modes).items():
        names: list[str] = []
        for i, step in enumerate(check.items(steps, ("structure", "chains", mode))):
            path: Path = ("structure", "chains", mode, i)
            if step not in levels:
                check.problem(path, _("Not one of the structure's levels: %(value)s.", value=step))
            elif step in names:
                check.problem(path, _("A post may appear only once in a chain."))
            else:
                names.append(step)
        chains[mode] = tuple(names)
    return Structure(unit, tuple(levels), chains)
