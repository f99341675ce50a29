"""Start-up time: whole `digest` processes beside bare Python processes importing what they cannot avoid.

    python bench/startup.py [--runs 7]

Rows, all from the same run, each the median wall time of `--runs` fresh processes, a command and its floor
taken in turns (after one warm-up run each, so every row reads its files from the page cache):
  digest --help            the console script, as a user types it
  python -c "import click"  the floor for any click command
  digest preview           the seeds preview, from a copy of config.toml in a temporary folder (output there too)
  python -c "import numpy, feedparser, jinja2"   the floor for a command that parses feeds, clusters and renders
Targets: `digest --help` within 3x of `import click`, the seeds preview within 4x of its floor.

digest's own modules are compiled to bytecode first (`compileall`, as pip does when it installs a package and
as the floor's libraries were): with PYTHONDONTWRITEBYTECODE set, as in CI and these sessions, an editable
install never gets its .pyc files, and every digest process would compile its modules from source again (0.08 s
of a preview), which a user's install never does.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def digest_command() -> list[str]:
    """The console script beside this interpreter (what a user runs), else the module."""
    script = Path(sys.executable).parent / "digest"
    return [str(script)] if script.exists() else [sys.executable, "-m", "digest"]


def run_once(command: Sequence[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def paired(command: Sequence[str], floor: Sequence[str], runs: int, cwd: Path) -> tuple[float, float]:
    """Median wall times of `runs` processes of each, taken in turns so both see the same load on the machine;
    one run of each before them warms the page cache."""
    run_once(command, cwd), run_once(floor, cwd)
    times = [(run_once(command, cwd), run_once(floor, cwd)) for _ in range(runs)]
    return statistics.median(t for t, _ in times), statistics.median(f for _, f in times)


def seeds_folder(into: Path) -> Path:
    """A copy of config.toml beside a link to seeds/, so the preview writes its out/ here, not in the clone."""
    shutil.copy(ROOT / "config.toml", into / "config.toml")
    (into / "seeds").symlink_to(ROOT / "seeds")
    return into / "config.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="processes per row (the median is shown)")
    runs = parser.parse_args().runs
    compileall.compile_dir(ROOT / "digest", quiet=1)
    digest = digest_command()
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        config = seeds_folder(here)
        pairs = [
            (
                "digest --help",
                [*digest, "--help"],
                'python -c "import click"',
                [sys.executable, "-c", "import click"],
                3,
            ),
            (
                "digest preview (seeds)",
                [*digest, "preview", "--config", str(config)],
                'python -c "import numpy, feedparser, jinja2"',
                [sys.executable, "-c", "import numpy, feedparser, jinja2"],
                4,
            ),
        ]
        print(f"median of {runs} processes each; python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
        print(f"{'command':<28} {'s':>6}   {'floor':<46} {'s':>6}  {'ratio':>6}  target")
        for name, command, floor_name, floor, target in pairs:
            took, base = paired(command, floor, runs, here)
            ratio = took / base
            verdict = "ok" if ratio <= target else "MISSED"
            print(f"{name:<28} {took:6.3f}   {floor_name:<46} {base:6.3f}  {ratio:5.1f}x  <= {target}x {verdict}")


if __name__ == "__main__":
    main()
