"""Which file of the console's build a URL path names: never one outside the build, never a hidden one."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailgate.local.console_server import content_type, dist_file


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "secret.txt").write_text("outside")
    build = tmp_path / "dist"
    (build / "assets").mkdir(parents=True)
    (build / "index.html").write_text("index")
    (build / "assets" / "app-1.js").write_text("js")
    (build / ".env").write_text("hidden")
    (build / "assets" / "out.txt").symlink_to(tmp_path / "secret.txt")
    return build


def test_a_file_of_the_build_is_found(dist):
    assert dist_file(dist, "/assets/app-1.js") == (dist / "assets" / "app-1.js").resolve()
    assert dist_file(dist, "/index.html") == (dist / "index.html").resolve()


@pytest.mark.parametrize("path", ["/", "/assets", "/assets/", "/no/such/file.js", "/../secret.txt",
                                  "/assets/../../secret.txt", "/assets/out.txt", "/.env", "/assets\\..\\x",
                                  "/a\0b"])
def test_anything_else_names_no_file(dist, path):
    assert dist_file(dist, path) is None


@pytest.mark.parametrize(("name", "expected"), [
    ("a.js", "text/javascript; charset=utf-8"), ("a.css", "text/css; charset=utf-8"), ("a.svg", "image/svg+xml"),
    ("a.png", "image/png"), ("a.woff2", "font/woff2"), ("a.html", "text/html; charset=utf-8"),
    ("a.unknown-kind", "application/octet-stream")])
def test_content_types(name, expected):
    assert content_type(Path(name)) == expected
