"""`assay init`: set a repository up for assay (workflows from the templates, `[tool.assay]` config)."""

from __future__ import annotations

import click

from assay.cli.context import AppContext, pass_app


@click.command()
@click.option(
    "--template",
    "-t",
    "names",
    multiple=True,
    metavar="NAME",
    help="Template to copy (repeatable; default: all). See --list.",
)
@click.option("--list", "list_only", is_flag=True, help="List the workflow templates and exit.")
@click.option("--force", is_flag=True, help="Overwrite workflow files that exist and differ.")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.option("--no-config", is_flag=True, help="Do not add [tool.assay] configuration.")
@click.option(
    "--default-branch",
    metavar="BRANCH",
    help="Branch the workflows guard (default: the repository's default branch, else main).",
)
@click.option(
    "--assay-spec", metavar="SPEC", help="What the workflows `pip install` for assay (default: assay)."
)
@click.option(
    "--project-spec",
    metavar="SPEC",
    help='How the workflows install this project, e.g. ".[test]" (default: .).',
)
@pass_app
def init(
    app: AppContext,
    names: tuple[str, ...],
    list_only: bool,
    force: bool,
    dry_run: bool,
    no_config: bool,
    default_branch: str | None,
    assay_spec: str | None,
    project_spec: str | None,
) -> None:
    """Copy assay's workflow templates into .github/workflows/ and add [tool.assay] to pyproject.toml.

    Never overwrites a file without --force, and checks every file before writing the first one.
    """
    from assay import init as setup
    from assay import vcs

    if list_only:
        for t in setup.templates().values():
            click.echo(f"{t.name}: {t.description}")
        return
    root = app.root
    branch = default_branch
    if branch is None and app.repo.is_git:
        found = vcs.default_branch(root)
        branch = found.split("/")[-1] if found else None
    actions = setup.plan(
        root,
        names or None,
        force=force,
        default_branch=branch or "main",
        assay_spec=assay_spec,
        project_spec=project_spec,
        config=not no_config,
    )
    for a in actions:
        note = f" ({a.note})" if a.note else ""
        click.echo(f"{'would ' if dry_run else ''}{a.action:9} {a.path}{note}")
    if dry_run:
        return
    written = setup.apply(root, actions)
    click.echo(
        f"assay init: wrote {len(written)} file(s). Next: commit them, then run `assay gate` locally "
        "after `assay coverage run --base main`, `assay security scan` and `assay score`.",
        err=True,
    )
