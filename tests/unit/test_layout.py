"""The architecture, checked: what imports what, and where provider names may appear."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from celery import current_app

from kyc import jobs
from kyc.providers import registry

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("name", jobs.NAMES)
def test_every_job_name_is_a_registered_task(name):
    assert name in current_app.tasks


@pytest.mark.parametrize(
    "path",
    sorted(
        p
        for folder in ("kyc/services", "kyc/webhooks", "kyc/providers", "kyc/admin", "onboarding")
        for p in (ROOT / folder).rglob("*.py")
    ),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_nothing_the_tasks_call_imports_the_tasks(path):
    # kyc.tasks imports the services; they publish through kyc.jobs by task name instead.
    imported = _imports(path)
    assert not [name for name in imported if name == "kyc.tasks" or name.startswith("kyc.tasks.")]


# Where a provider may be named: its own package, the registry, the settings (defaults),
# and the migrations (history).
NAMED_IN = ("kyc/providers/registry.py", "onboarding/settings.py", "kyc/migrations/")


def _python_outside_providers() -> list[Path]:
    files = [*(ROOT / "kyc").rglob("*.py"), *(ROOT / "onboarding").rglob("*.py")]
    return sorted(
        path
        for path in files
        if not str(path.relative_to(ROOT)).startswith(NAMED_IN)
        and not any(
            str(path.relative_to(ROOT)).startswith(f"kyc/providers/{name}/")
            for name in registry.BUILT_IN
        )
    )


@pytest.mark.parametrize(
    "path", _python_outside_providers(), ids=lambda p: str(p.relative_to(ROOT))
)
def test_no_provider_is_named_in_code_outside_its_package(path):
    names = {name.lower() for name in registry.BUILT_IN}
    literals = [
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert not [text for text in literals if text.strip().lower() in names]


def test_no_template_or_script_names_a_provider():
    files = [*(ROOT / "templates").rglob("*.*"), *(ROOT / "static").rglob("*.js")]
    named = [
        str(path.relative_to(ROOT))
        for path in files
        if any(name in path.read_text().lower() for name in registry.BUILT_IN)
    ]
    assert named == []


def test_no_template_or_email_contains_a_literal_attempt_count():
    pattern = re.compile(r"(out of|attempts? left[^{]*)\s*\d", re.IGNORECASE)
    files = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "templates").rglob("*.txt")]
    assert [str(p.relative_to(ROOT)) for p in files if pattern.search(p.read_text())] == []
