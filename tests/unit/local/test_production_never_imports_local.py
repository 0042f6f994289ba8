"""Production code never imports local mode: only the CLI and local mode itself may."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "layers" / "mailgate" / "mailgate"
FUNCTIONS = Path(__file__).resolve().parents[3] / "functions"
ALLOWED = {PACKAGE / "cli.py", PACKAGE / "admin_client.py"}  # the command line and its admin API client


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_module_outside_local_mode_and_the_cli_imports_mailgate_local():
    sources = [p for p in (*PACKAGE.rglob("*.py"), *FUNCTIONS.rglob("*.py"))
               if PACKAGE / "local" not in p.parents and p not in ALLOWED]
    assert len(sources) > 50
    offenders = {str(p.relative_to(PACKAGE.parents[2])): sorted(n for n in imported_modules(p) if is_local(n))
                 for p in sources}
    assert {path: names for path, names in offenders.items() if names} == {}


def is_local(module: str) -> bool:
    return module == "mailgate.local" or module.startswith("mailgate.local.")
