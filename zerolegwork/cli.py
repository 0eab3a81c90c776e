"""`flask zlw …` commands: check and deploy diagrams, set up, seed demo data, serve, sweep, relay, work."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from .extensions import db


@click.group("zlw")
def zlw() -> None:
    """Zero-Legwork platform commands."""


def _add_domain_commands() -> None:
    from .audit.cli import audit_group

    zlw.add_command(audit_group)
    from .api.cli import api_group

    zlw.add_command(api_group)
    from .engine.cli import engine_group

    zlw.add_command(engine_group)


_add_domain_commands()


@zlw.command("check-bpmn")
@click.option("--bpmn-dir", default=None, help="Diagram folder (default: ZLW_BPMN_DIR).")
@click.option("--forms-dir", default=None, help="Form folder (default: ZLW_FORMS_DIR).")
@with_appcontext
def check_bpmn(bpmn_dir: str | None, forms_dir: str | None) -> None:
    """Validate every diagram and form; print file, element and reason per problem; exit 1 on any."""
    from .engine.catalog import load_catalog

    cfg = current_app.config["ZLW"]
    catalog = load_catalog(bpmn_dir or cfg.bpmn_dir, forms_dir or cfg.forms_dir)
    for problem in catalog.problems:
        click.echo(str(problem))
    for warning in catalog.warnings:
        click.echo(f"WARNING {warning}")
    if catalog.problems:
        click.echo(f"{len(catalog.problems)} problem(s); refused: {', '.join(sorted(catalog.refused)) or '-'}")
        sys.exit(1)
    click.echo(f"OK: {len(catalog.bundles)} process(es): {', '.join(sorted(catalog.bundles))}")


@zlw.command("init-db")
@with_appcontext
def init_db() -> None:
    """Bring the database schema up to date (Alembic upgrade)."""
    _upgrade()
    click.echo("database is up to date")


def _upgrade() -> None:
    from flask_migrate import upgrade

    upgrade()


@zlw.command("deploy")
@click.option("--note", default="", help="The change note kept with every new version (shown in 流程管理).")
@with_appcontext
def deploy(note: str) -> None:
    """Deploy the diagrams of ZLW_BPMN_DIR; refused ones keep their last good version live."""
    report = _deploy(note.strip() or None)
    for pid, version in report.deployed.items():
        click.echo(f"deployed {pid} v{version}")
    for pid in report.unchanged:
        click.echo(f"unchanged {pid}")
    for pid in report.refused:
        click.echo(f"REFUSED {pid} (run check-bpmn for the reasons)")
    if report.refused:
        sys.exit(1)


def _deploy(note: str | None = None):  # type: ignore[no-untyped-def]
    from .engine.catalog import load_catalog
    from .engine.deploy import deploy_catalog

    cfg = current_app.config["ZLW"]
    catalog = load_catalog(cfg.bpmn_dir, cfg.forms_dir)
    for problem in catalog.problems:
        click.echo(str(problem), err=True)
    report = deploy_catalog(catalog, note=note)
    db.session.commit()
    return report


@zlw.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the demo organisations, accounts and projects (once; not into an installation that has users)."""
    from . import demo

    accounts = demo.seed()
    db.session.commit()
    if accounts:
        accounts += _showcase()
    _print_accounts(accounts)


@zlw.command("setup")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Say what would change; change nothing.")
@with_appcontext
def setup_cmd(path: str, dry_run: bool) -> None:
    """Set up regions, departments and the first administrator from a YAML or .xlsx file; again: the changes."""
    from pathlib import Path

    from flask_babel import gettext as _

    from .orgs import provision, setupfile
    from .projects.sheet import MAX_FILE_BYTES

    file = Path(path)
    workbook = file.suffix.lower() == ".xlsx"
    with file.open("rb") as fh:
        data = fh.read((MAX_FILE_BYTES if workbook else setupfile.MAX_FILE_BYTES) + 1)
    try:
        if workbook:
            from .orgs.setupbook import read_workbook

            spec = read_workbook(data)
        else:
            spec = setupfile.read_spec(data)
        password = None
        if not dry_run and provision.admin_missing(spec):
            prompt = _("Password for the platform administrator %(username)s", username=spec.admin_username)
            password = click.prompt(prompt, hide_input=True, confirmation_prompt=True)
        changes = provision.apply(spec, password, source=data, dry_run=dry_run)
    except setupfile.SetupError as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(f"{file.name}: {problem}", err=True)
        click.echo(_("Nothing was changed: %(n)s problems.", n=len(exc.problems)), err=True)
        sys.exit(1)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    for change in changes:
        click.echo(change)
    if not changes:
        click.echo(_("Nothing to change: the database already says what %(file)s says.", file=file.name))
    elif dry_run:
        click.echo(_("%(n)s changes found; nothing was changed (--dry-run).", n=len(changes)))
    else:
        click.echo(_("%(n)s changes applied.", n=len(changes)))


def _showcase() -> list[tuple[str, str]]:
    """The demo's projects at every stage (showcase.py) and its extra accounts; needs the diagrams deployed."""
    from . import showcase
    from .engine.models import ProcessDefinition

    if db.session.scalar(db.select(ProcessDefinition.id).limit(1)) is None:
        click.echo("showcase skipped: deploy the diagrams first (flask zlw deploy), then run seed-demo again")
        return []
    showcase.seed()
    db.session.commit()
    return showcase.ACCOUNTS


def _print_accounts(accounts: list[tuple[str, str]]) -> None:
    from .demo import DEMO_PASSWORD

    if not accounts:
        return
    click.echo(f"demo accounts (password {DEMO_PASSWORD}):")
    for username, role in accounts:
        click.echo(f"  {username:10s} {role}")


@zlw.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Prepare the database, deploy, seed demo data and serve with the in-process sweeper."""
    from . import demo
    from .timers import start_background_sweeper

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _upgrade()
    _deploy()
    accounts = demo.seed()
    db.session.commit()
    if accounts:
        accounts += _showcase()
    cfg = app.config["ZLW"]
    start_background_sweeper(app, cfg.sweep_interval)
    click.echo("")
    click.echo(f"零跑腿 Zero-Legwork is running at http://{host}:{port}/")
    click.echo(f"database: {cfg.database_url}; jobs: {'rq at ' + cfg.redis_url if cfg.redis_url else 'in-process'}")
    _print_accounts(accounts)
    # app.run() is a no-op under the flask command (FLASK_RUN_FROM_CLI); serve with werkzeug directly.
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False)


@zlw.command("sweep")
@with_appcontext
def sweep_cmd() -> None:
    """Fire due timers once."""
    from .timers import sweep

    click.echo(f"advanced {sweep()} instance(s)")


@zlw.command("exchange-send")
@with_appcontext
def exchange_send_cmd() -> None:
    """Push the finance system's messages that are due now (the sweep does this on its own)."""
    from .exchange import sender

    if not current_app.config["ZLW"].finance_push_url:
        raise click.UsageError("ZLW_FINANCE_PUSH_URL is not set: nothing is pushed")
    click.echo(f"delivered {sender.deliver_due()} message(s)")


@zlw.command("relay")
@click.option("--once", is_flag=True, help="Relay once and exit.")
@with_appcontext
def relay_cmd(once: bool) -> None:
    """Move outbox rows to rq and fire due timers, every ZLW_SWEEP_INTERVAL seconds."""
    import time

    from . import jobs
    from .orgs.security import purge_rate_limits
    from .timers import sweep

    cfg = current_app.config["ZLW"]
    if not cfg.redis_url:
        raise click.UsageError("ZLW_REDIS_URL is not set; without Redis jobs run in-process")
    while True:
        try:
            jobs.relay()
            sweep()
            purge_rate_limits()
            db.session.commit()
        except Exception as exc:  # keep relaying; the outbox keeps the jobs
            click.echo(f"relay: {exc}", err=True)
            db.session.rollback()
        if once:
            return
        time.sleep(cfg.sweep_interval)


@zlw.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queue", "queues", multiple=True, help="Listen to this queue only (repeatable; default: all).")
@with_appcontext
def worker_cmd(burst: bool, queues: tuple[str, ...]) -> None:
    """Run an rq worker (with its scheduler) on this installation's queues (default, mail), or the ones named."""
    from worker.main import run_worker

    run_worker(burst=burst, queues=queues)


@zlw.command("probe-jobs")
@click.option("--seconds", default=0.0, type=float)
@click.option("--token", default="probe")
@with_appcontext
def probe_jobs(seconds: float, token: str) -> None:
    """Queue a probe job that sleeps and then leaves a notification: checks the job pipeline."""
    from . import jobs

    row = jobs.enqueue("probe", seconds=seconds, token=token)
    db.session.commit()
    jobs.dispatch_committed()
    click.echo(f"queued outbox job {row.id}")


@zlw.group("import")
def import_group() -> None:
    """Import data from files."""


@import_group.command("projects")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every row; import nothing.")
@click.option("--map", "maps", multiple=True, help="列名=文件中的值:字典中的条目, e.g. 项目类别=交通运输:市政道路.")
@click.option("--add-missing", multiple=True, help="A column whose unknown values are added to its dictionary.")
@with_appcontext
def import_projects_cmd(path: str, dry_run: bool, maps: tuple[str, ...], add_missing: tuple[str, ...]) -> None:
    """Open the project library from an Excel workbook; print 第N行 列名: 原因 per problem; exit 1 on any."""
    from pathlib import Path

    from flask_babel import gettext as _

    from .projects import matching, sheet, transfer

    file = Path(path)
    with file.open("rb") as fh:
        data = fh.read(sheet.MAX_FILE_BYTES + 1)
    try:
        choices = matching.parse_choices(maps, add_missing)
    except matching.MappingError as exc:
        raise click.UsageError(str(exc)) from None
    report = transfer.import_projects(data, None, dry_run=dry_run, filename=file.name, choices=choices)
    for problem in report.errors:
        click.echo(str(problem))
    for column, counts in report.unmatched.items():
        click.echo(
            _("%(column)s: values no dictionary entry names (map them with --map, or --add-missing):", column=column)
        )
        for value, rows in counts.items():
            click.echo(_("  %(value)s (%(n)s rows)", value=value, n=rows))
    for column, value in report.added:
        click.echo(_("Added to the dictionary %(column)s: %(value)s", column=column, value=value))
    for problem in report.warnings:
        click.echo(_("Note: %(problem)s", problem=str(problem)))
    if not report.ok:
        db.session.rollback()
        click.echo(
            _("Nothing was imported: %(n)s problems.", n=len(report.errors) + sum(map(len, report.unmatched.values())))
        )
        sys.exit(1)
    counts = {"n": len(report.units_created), "codes": report.codes_allocated}
    if dry_run:
        db.session.rollback()
        click.echo(_("Checked: all %(rows)s rows are good; nothing was imported (--dry-run).", rows=report.rows))
        click.echo(_("Unregistered units to create: %(n)s; project codes to allocate: %(codes)s.", **counts))
    else:
        db.session.commit()
        click.echo(_("Imported %(n)s projects.", n=report.imported))
        click.echo(_("Unregistered units created: %(n)s; project codes allocated: %(codes)s.", **counts))


@zlw.group("report")
def report_group() -> None:
    """Fixed statistics tables over EVERY project (the widest scope: no user, no visibility filter)."""


def _add_fixed_table_command(name: str, label: str) -> None:
    @report_group.command(name, help=f"The fixed table {label} (项目管理平台统计表), every project, as of now.")
    @click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "pdf"]), default="csv", show_default=True)
    @click.option("--out", type=click.Path(dir_okay=False, writable=True), help="File to write (default: stdout).")
    @with_appcontext
    def command(fmt: str, out: str | None) -> None:
        from .db import utcnow
        from .reports.fixed import render, tables

        table = tables.build(name, None, utcnow())
        data = render.FORMATS[fmt].write(table)
        if out:
            with open(out, "wb") as fh:
                fh.write(data)
            click.echo(f"{out}: {table.title} {table.time_text}", err=True)
        else:
            click.echo(data, nl=False)  # bytes go to the binary stdout as they are


def _add_fixed_table_commands() -> None:
    from .reports.fixed.tables import TABLES

    for name, (_builder, label) in TABLES.items():
        _add_fixed_table_command(name, label)


_add_fixed_table_commands()
