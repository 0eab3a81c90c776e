"""Applying a set-up file (`flask zlw setup`): regions, departments, the first administrator, as the file says.

Only differences are written, each one audited and described; a file that says what the database
already holds changes nothing. Every refusal is found before the first write (flush only; the caller
commits, or rolls back on SetupError).
"""

from __future__ import annotations

import hashlib

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from ..audit import services as audit
from ..engine.models import HumanTask
from ..extensions import db
from ..projects.models import Project
from . import services as orgs
from . import structure as struct
from .models import ChainStep, Expert, MgmtLevel, Organisation, OrgKind, OrgUnit, Post, Region, User
from .setupfile import Problem, RegionSpec, SetupError, Spec, Structure

ADMIN_TYPE = "admin"


def department_code(region: RegionSpec | Region, dept_type: str, top: bool) -> str:
    """A department's code: its type at the top level (finance), else region code + type (150202_finance)."""
    return dept_type if top else f"{region.code}_{dept_type}"


def admin_missing(spec: Spec) -> bool:
    """Whether applying `spec` creates the first administrator (and so needs a password)."""
    if spec.admin_username is None:
        return False
    return db.session.scalar(select(User.id).where(func.lower(User.username) == spec.admin_username.lower())) is None


def apply(
    spec: Spec, password: str | None = None, source: bytes = b"", actor_id: int | None = None, dry_run: bool = False
) -> list[str]:
    """Make the database say what `spec` says; return what changed, one line each (flush only).

    With `dry_run` no password is needed and no account is made; the caller rolls the rest back.
    """
    plan = _Plan(spec, actor_id)
    plan.dry_run = dry_run
    problems = plan.refusals(password)
    if problems:
        raise SetupError(problems)
    plan.write(password)
    if plan.changes:
        digest = hashlib.sha256(source).hexdigest()
        audit.record("setup.apply", "setup", digest[:16], actor_id, sha256=digest, changes=plan.changes)
    return plan.changes


def create_department(code: str, name: str, dept_type: str, region: Region, layout: Structure) -> Organisation:
    """A department with the given internal structure: a unit, one post per level, the chains (flush only)."""
    dept = orgs.create_org(code, name, OrgKind.DEPARTMENT, region, dept_type=dept_type)
    unit = struct.add_unit(dept, layout.unit) if layout.unit else None
    posts = {}
    for rank, level_name in enumerate(layout.levels, 1):
        level = struct.add_level(dept, rank, level_name)
        posts[level_name] = struct.add_post(dept, f"{level_name}岗", level, unit)
    for mode, steps in layout.chains.items():
        struct.set_chain(dept, mode, [posts[step] for step in steps])
    return dept


FIELD_LABELS = {
    "name": _l("region name"),
    "level": _l("region level"),
    "parent_id": _l("parent region"),
    "sort_order": _l("order in the tables"),
    "area_name": _l("area name of the tables"),
}


def _field_label(key: str) -> str:
    return str(FIELD_LABELS.get(key, key))


def _depth(region: Region, by_id: dict[int, Region]) -> int:
    depth = 0
    while region.parent_id is not None and region.parent_id in by_id and depth < 10:
        region, depth = by_id[region.parent_id], depth + 1
    return depth


def _remove_department(org: Organisation) -> None:
    for model in (ChainStep, Post, MgmtLevel, OrgUnit):
        db.session.execute(delete(model).where(model.org_id == org.id))  # type: ignore[attr-defined]
    db.session.delete(org)
    db.session.flush()


class _Plan:
    """What the file asks for against what the database holds, read once."""

    def __init__(self, spec: Spec, actor_id: int | None) -> None:
        self.spec = spec
        self.actor_id = actor_id
        self.changes: list[str] = []
        self.dry_run = False
        self.existing = {r.code: r for r in db.session.scalars(select(Region))}
        self.wanted = {r.code: r for r in spec.regions}
        self.removed = [r for code, r in self.existing.items() if code not in self.wanted]
        self.orgs = {o.code: o for o in db.session.scalars(select(Organisation))}
        self.departments = {}  # code -> (region spec, department spec)
        for region in spec.regions:
            for dept in spec.departments:
                if dept.level == region.level:
                    code = department_code(region, dept.type, region.parent is None)
                    self.departments[code] = (region, dept)
        removed_ids = {r.id for r in self.removed}
        self.stale = [
            o
            for o in self.orgs.values()
            if o.kind == OrgKind.DEPARTMENT
            and o.dept_type != ADMIN_TYPE
            and o.code not in self.departments
            and (o.region_id in removed_ids or o.region.code in self.wanted)
        ]

    def refusals(self, password: str | None) -> list[Problem]:
        """Every reason the file cannot be applied as it stands."""
        problems: list[Problem] = []
        removed_ids = [r.id for r in self.removed]
        if removed_ids:
            counts = dict(
                db.session.execute(
                    select(Project.region_id, func.count(Project.id))
                    .where(Project.region_id.in_(removed_ids))
                    .group_by(Project.region_id)
                ).all()
            )
            experts = set(db.session.scalars(select(Expert.region_id).where(Expert.region_id.in_(removed_ids))))
            stale_ids = {o.id for o in self.stale}
            for region in self.removed:
                where = _("regions (code %(code)s)", code=region.code)
                line = self.spec.lines.get("regions", 1)
                if counts.get(region.id):
                    reason = _(
                        "The file leaves out %(name)s, which has %(n)s projects; a region with projects stays.",
                        name=region.name,
                        n=counts[region.id],
                    )
                    problems.append(Problem(line, where, reason))
                others = [o.name for o in self.orgs.values() if o.region_id == region.id and o.id not in stale_ids]
                if others or region.id in experts:
                    reason = _(
                        "The file leaves out %(name)s, where organisations or experts are registered: %(names)s.",
                        name=region.name,
                        names="、".join(others[:5]) or _("experts"),
                    )
                    problems.append(Problem(line, where, reason))
        for org in self.stale:
            if self._in_use(org):
                reason = _(
                    "The file leaves out the department %(name)s (%(code)s), which has people or projects.",
                    name=org.name,
                    code=org.code,
                )
                problems.append(Problem(self.spec.lines.get("departments", 1), "departments", reason))
        for code, (region, dept) in self.departments.items():
            org = self.orgs.get(code)
            if org is not None and (org.kind != OrgKind.DEPARTMENT or org.region.code != region.code):
                reason = _("The code %(code)s belongs to another organisation: %(name)s.", code=code, name=org.name)
                problems.append(Problem(dept.line, f"departments.{dept.level}", reason))
        platform = self.orgs.get(self.spec.platform_code)
        if platform is not None and platform.dept_type != ADMIN_TYPE:
            reason = _(
                "The code %(code)s belongs to another organisation: %(name)s.", code=platform.code, name=platform.name
            )
            problems.append(Problem(self.spec.lines.get("platform", 1), "platform.code", reason))
        if admin_missing(self.spec):
            from .security import check_password

            if self.dry_run:
                pass
            elif not password:
                reason = _("A password is needed for the first administrator.")
                problems.append(Problem(self.spec.lines.get("administrator", 1), "administrator", reason))
            else:
                for reason in check_password(password, str(self.spec.admin_username)):
                    problems.append(Problem(self.spec.lines.get("administrator", 1), "administrator", reason))
        return problems

    def _in_use(self, org: Organisation) -> bool:
        return bool(
            db.session.scalar(select(User.id).where(User.org_id == org.id).limit(1))
            or db.session.scalar(select(Project.id).where(Project.competent_department_id == org.id).limit(1))
            or db.session.scalar(select(HumanTask.id).where(HumanTask.org_code == org.code).limit(1))
        )

    def note(self, action: str, object_type: str, object_id: object, text: str, **detail: object) -> None:
        self.changes.append(text)
        audit.record(action, object_type, object_id, self.actor_id, **detail)

    def write(self, password: str | None) -> None:
        for org in self.stale:
            self.note(
                "setup.department_remove",
                "organisation",
                org.id,
                _("removed department %(name)s", name=org.name),
                before={"code": org.code, "name": org.name},
            )
            _remove_department(org)
        regions = self._write_regions()
        self._write_platform(regions)
        layout = self.spec.structure
        for code, (region_spec, dept) in self.departments.items():
            region = regions[region_spec.code]
            name = region_spec.name + dept.name
            org = self.orgs.get(code)
            if org is None:
                org = create_department(code, name, dept.type, region, layout)
                self.note(
                    "setup.department_add",
                    "organisation",
                    org.id,
                    _("added department %(name)s (%(code)s)", name=name, code=code),
                    after={"code": code, "name": name},
                )
            elif org.name != name or org.dept_type != dept.type:
                before = {"name": org.name, "dept_type": org.dept_type}
                org.name, org.dept_type = name, dept.type
                self.note(
                    "setup.department_change",
                    "organisation",
                    org.id,
                    _("renamed department %(old)s to %(new)s", old=before["name"], new=name),
                    before=before,
                    after={"name": name, "dept_type": dept.type},
                )
        db.session.flush()
        if admin_missing(self.spec):
            username = str(self.spec.admin_username)
            text = _("added the platform administrator %(username)s", username=username)
            if self.dry_run:
                self.changes.append(text)
                return
            platform = self.orgs[self.spec.platform_code]
            user = orgs.create_user(
                username, self.spec.admin_display_name, str(password), platform, is_admin=True, is_region_admin=True
            )
            self.note("setup.admin_add", "user", user.id, text, after={"username": username})

    def _write_regions(self) -> dict[str, Region]:
        regions = dict(self.existing)
        old_names = {
            r.code: regions[r.code].name
            for r in self.spec.regions
            if r.code in regions and regions[r.code].name != r.row_name
        }
        old_names.update({r.code: r.name for r in self.removed})
        for code in old_names:  # free the names first: two regions may swap theirs, or take a removed one's
            regions[code].name = f"~{code}"
        db.session.flush()
        levels = {"province": 0, "city": 1, "district": 2}
        for spec in sorted(self.spec.regions, key=lambda r: levels[r.level]):
            parent_id = regions[spec.parent].id if spec.parent else None
            wanted = {
                "name": spec.row_name,
                "level": spec.level,
                "parent_id": parent_id,
                "sort_order": spec.order,
                "area_name": spec.area_name,
            }
            row = regions.get(spec.code)
            if row is None:
                row = Region(code=spec.code, **wanted)
                db.session.add(row)
                db.session.flush()
                regions[spec.code] = row
                self.note(
                    "setup.region_add",
                    "region",
                    row.id,
                    _("added region %(name)s (%(code)s)", name=spec.name, code=spec.code),
                    after={"code": spec.code, **wanted},
                )
                continue
            before = {key: getattr(row, key) for key in wanted}
            before["name"] = old_names.get(spec.code, row.name)
            diff = {key: value for key, value in wanted.items() if before[key] != value}
            if not diff:
                continue
            for key, value in diff.items():
                setattr(row, key, value)
            if "level" in diff:
                db.session.execute(update(Project).where(Project.region_id == row.id).values(level=spec.level))
            fields = "、".join(_field_label(key) for key in diff)
            self.note(
                "setup.region_change",
                "region",
                row.id,
                _("changed region %(name)s (%(code)s): %(fields)s", name=spec.name, code=spec.code, fields=fields),
                before={k: before[k] for k in diff},
                after=diff,
            )
        db.session.flush()
        by_id = {r.id: r for r in self.existing.values()}
        for region in sorted(self.removed, key=lambda r: -_depth(r, by_id)):  # leaves first
            name = old_names[region.code]
            self.note(
                "setup.region_remove",
                "region",
                region.id,
                _("removed region %(name)s (%(code)s)", name=name, code=region.code),
                before={"code": region.code, "name": name},
            )
            db.session.delete(region)
            db.session.flush()
            regions.pop(region.code)
        return regions

    def _write_platform(self, regions: dict[str, Region]) -> None:
        top = regions[self.spec.top.code]
        org = self.orgs.get(self.spec.platform_code)
        if org is None:
            org = orgs.create_org(
                self.spec.platform_code, self.spec.platform_name, OrgKind.DEPARTMENT, top, dept_type=ADMIN_TYPE
            )
            self.orgs[org.code] = org
            self.note(
                "setup.platform_add",
                "organisation",
                org.id,
                _("added the platform office %(name)s", name=org.name),
                after={"code": org.code, "name": org.name},
            )
        elif org.name != self.spec.platform_name or org.region_id != top.id:
            before = {"name": org.name, "region": org.region.code}
            org.name, org.region_id, org.region = self.spec.platform_name, top.id, top
            self.note(
                "setup.platform_change",
                "organisation",
                org.id,
                _("changed the platform office %(name)s", name=org.name),
                before=before,
                after={"name": org.name, "region": top.code},
            )
        db.session.flush()
