"""Where a drift report goes: its HTML file (written atomically) and the local Evidently workspace.

Evidently is imported inside the functions; importing this module is cheap.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from schemewatch.files import atomic_target
from schemewatch.locks import exclusive_lock

if TYPE_CHECKING:
    from evidently.core.report import Snapshot


def save_html(snapshot: Snapshot, target: Path) -> None:
    """Write the report's HTML to ``target`` through a temporary file, so a reader never sees half of it."""
    with atomic_target(target, suffix=".html") as tmp:  # ordinary mode: a web server or a colleague reads it
        snapshot.save_html(str(tmp))


def _workspace_lock(workspace_dir: Path) -> AbstractContextManager[None]:
    # Several Dagster processes may add runs at once; two must not both create the project.
    return exclusive_lock(workspace_dir / ".schemewatch.lock")


def add_to_workspace(
    snapshot: Snapshot, workspace_dir: Path, project_name: str, replace_run_id: str | None = None
) -> tuple[str, str]:
    """Add ``snapshot`` to the local Evidently workspace's project (created if missing).

    Args:
        replace_run_id: A previous snapshot of the same evaluation to delete first,
            so that recomputing drift does not show the evaluation twice.

    Returns:
        (project id, snapshot id).
    """
    from evidently.ui.workspace import Workspace

    with _workspace_lock(workspace_dir):
        workspace = Workspace(str(workspace_dir))
        found = [p for p in workspace.search_project(project_name) if p.name == project_name]
        project = found[0] if found else workspace.create_project(
            project_name, description="schemewatch: drift of every evaluation against the reference evaluation"
        )
        if replace_run_id is not None and replace_run_id in {str(r) for r in workspace.list_runs(project.id)}:
            workspace.delete_run(project.id, replace_run_id)
        ref = workspace.add_run(project.id, snapshot, include_data=False)
    return str(project.id), str(ref.id)


def list_workspace_runs(workspace_dir: Path, project_name: str = "schemewatch") -> list[str]:
    """Snapshot ids in the workspace project (empty when it does not exist)."""
    from evidently.ui.workspace import Workspace

    workspace = Workspace(str(workspace_dir))
    found = [p for p in workspace.search_project(project_name) if p.name == project_name]
    return [str(r) for r in workspace.list_runs(found[0].id)] if found else []
