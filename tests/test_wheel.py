"""The project installs as a wheel (not only editable) and `heard run` works from it.

Offline: the wheel is built with this venv's setuptools (--no-build-isolation) and installed
without dependencies into a fresh venv that borrows this venv's site-packages through a .pth
file. A path listed in a .pth is added without running that directory's own .pth files, so the
editable install of the repository stays out of sight. `make wheel-check` does the real thing
against PyPI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.wheel_smoke import clean_env, smoke

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "dialogs", "handlers", "storage")
MODULES = ("bot.cli", "dialogs.templates", "handlers.channels.telegram.service",
           "handlers.channels.webchat.routes", "handlers.agents.console.app",
           "storage.migrations")


def _source_files() -> list[Path]:
    """What a checkout holds: tracked and new files, not caches or an old heard.egg-info."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--",
             "pyproject.toml", "README.md", *PACKAGES],
            cwd=REPO, capture_output=True, check=True).stdout.decode()
        names = [n for n in out.split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = [str(p.relative_to(REPO)) for top in PACKAGES for p in (REPO / top).rglob("*")
                 if "__pycache__" not in p.parts] + ["pyproject.toml", "README.md"]
    return sorted({Path(n) for n in names if (REPO / n).is_file()})


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True,
                          env=env, check=False)


@pytest.mark.timeout(400)
def test_the_wheel_holds_every_package_and_data_file_and_heard_run_serves_from_it(
        tmp_path: Path) -> None:
    # A copy, so that the build's build/ and heard.egg-info stay out of the working tree.
    src = tmp_path / "src"
    files = _source_files()
    for rel in files:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, src / rel)

    built = _pip("wheel", "--no-deps", "--no-build-isolation", "-v", "-w",
                 str(tmp_path / "dist"), str(src))
    assert built.returncode == 0, built.stdout + built.stderr
    assert "absent from the `packages` configuration" not in built.stdout + built.stderr
    (wheel,) = (tmp_path / "dist").glob("heard-*.whl")

    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    shipped = {rel.as_posix() for rel in files if rel.parts[0] in PACKAGES}
    assert sorted(shipped - in_wheel) == []

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False, symlinks=True)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "heard-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    installed = _pip("--python", str(python), "install", "--no-deps", str(wheel))
    assert installed.returncode == 0, installed.stdout + installed.stderr

    work = tmp_path / "work"
    work.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import importlib, json, sys; print(json.dumps("
         "{m: importlib.import_module(m).__file__ for m in sys.argv[1:]}))", *MODULES],
        cwd=work, env=clean_env("sqlite+aiosqlite://", 0), capture_output=True, text=True,
        check=False)
    assert where.returncode == 0, where.stderr
    for module, file in json.loads(where.stdout).items():
        assert Path(file).resolve().is_relative_to(Path(site).resolve()), (module, file)
        assert not Path(file).resolve().is_relative_to(REPO), (module, file)

    seen = smoke(env_dir / "bin" / "heard", work)
    assert set(seen.values()) == {200}
