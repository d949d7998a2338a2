"""Command-line tools: flask seed, flask create-user, flask setup."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from meetings.db import unit_of_work
from meetings.errors import DomainError


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(setup_command)
    app.cli.add_command(send_reminders_command)


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Load the demo data (the seed case). Running it twice duplicates nothing."""
    from meetings.seeding import load_seed

    report = load_seed()
    click.echo(f"Seed loaded: {report}")


@click.command("setup")
@with_appcontext
def setup_command() -> None:
    """Apply the migrations, then load the demo data if the database has no units yet."""
    from flask_migrate import upgrade

    from meetings.accounts.models import Unit
    from meetings.extensions import db
    from meetings.seeding import load_seed

    upgrade(directory=current_app.extensions["migrate"].directory)
    if db.session.scalar(select(func.count()).select_from(Unit)) == 0:
        click.echo(f"Empty database: loading the demo. {load_seed()}")
    else:
        click.echo("Database is up to date.")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="Full name")
@click.option("--unit", "unit_code", required=True, help="Code of the person's unit")
@click.option("--role", type=click.Choice(["admin", "organizer", "member"]), default="member")
@click.option("--locale", type=click.Choice(["vi", "en"]), default="vi")
@click.password_option()
@with_appcontext
def create_user_command(email, full_name, unit_code, role, locale, password) -> None:
    """Create an account from the command line (the first administrator, say)."""
    from meetings.accounts import services
    from meetings.accounts.models import Unit
    from meetings.extensions import db

    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise click.ClickException(f"No unit has the code {unit_code!r}.")
    try:
        with unit_of_work():
            user = services.create_user(
                actor=None,
                system=True,
                data={
                    "email": email,
                    "full_name": full_name,
                    "unit_id": unit.id,
                    "role": role,
                    "locale": locale,
                    "password": password,
                },
            )
    except DomainError as error:
        details = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in error.field_errors.items())
        raise click.ClickException(details or str(error.message)) from error
    click.echo(f"Created {user.email} ({role}) in {unit.code}.")


@click.command("send-reminders")
@with_appcontext
def send_reminders_command() -> None:
    """Remind the units whose answer to a circulated draft is due within 48 hours or overdue,
    and the lead units of directives due within a week; escalate overdue directives.

    Run it from cron (hourly, say): a unit is reminded at most once a day. Mail goes out
    when MAIL_SERVER is configured; the inbox and "My directives" show the reminders in
    any case."""
    from meetings.directives import followup
    from meetings.drafts import circulation

    with unit_of_work():
        count = circulation.send_reminders()
    click.echo(f"Reminders sent: {count}")
    # Directives: the lead unit a week before the deadline (every three days), and the
    # conference's organizers once when it has passed.
    with unit_of_work():
        reminded, escalated = followup.send_reminders()
    click.echo(f"Directive reminders sent: {reminded}; overdue directives escalated: {escalated}")
