"""The intake benchmark against the code of a baseline commit, in the same run on the same
machine: "the intake benchmark stays within 10 % of today" (issue 10), where today is the code
before the issue's work.

    python bench/intake_compare.py [--baseline REF] [--runs N] [--conversations N]
                                   [--concurrency C] [--stored S]

The baseline's tree is exported from git (`git archive REF`, into a temporary folder that is
removed afterwards; no worktree is registered, so an interrupted run leaves nothing in the
repository) and its own bench/intake.py is run there, with this venv's Python and the same
parameters, alternately with this checkout's bench/intake.py (baseline, current, baseline, …),
so that a machine getting slower or faster mid-run hurts both alike. Prints every run's line,
each side's median, and last:
    intake_vs_baseline=<+x.x%> p99_vs_baseline=<+x.x%> cpu_vs_baseline=<+x.x%>
    within_10pct=<yes|no>
(turns per second, current against baseline: negative is slower; p99 latency and the CPU time
the whole run took, start-up included: positive is slower). Without git history (a tarball),
git itself, or the baseline commit (a shallow clone) it says the comparison was skipped and
why, and exits 0; so does a baseline that no longer runs in this venv. A current run that
fails exits 1.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The commit every issue-10 branch started from: the code before the work.
BASELINE = "909e2d3"
KEYS = ("turns_per_s", "p50_ms", "p99_ms", "cpu_s")


class Skip(Exception):
    """The comparison cannot be made here; the message says why."""


def git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    if done.returncode:
        raise Skip(done.stderr.strip().splitlines()[-1] if done.stderr.strip()
                   else f"git {' '.join(args)} failed")
    return done.stdout.strip()


def baseline_commit(ref: str) -> tuple[str, str]:
    """(full hash, "short subject") of `ref`, or Skip."""
    if shutil.which("git") is None:
        raise Skip("git is not installed")
    try:
        inside = git("rev-parse", "--is-inside-work-tree")
    except Skip as e:
        raise Skip(f"{ROOT} has no git history (a tarball?): {e}") from None
    if inside != "true":
        raise Skip(f"{ROOT} is not a git work tree")
    try:
        commit = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except Skip:
        raise Skip(f"the baseline {ref} is not in this clone's history (a shallow clone? "
                   f"fetch it, or pass --baseline)") from None
    return commit, git("log", "-1", "--format=%h %s", commit)


def export(commit: str, into: Path) -> None:
    """The baseline's files as committed, without touching the repository's worktrees."""
    done = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit],
                          capture_output=True)
    if done.returncode:
        raise Skip(f"git archive {commit[:9]} failed: {done.stderr.decode().strip()}")
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(into, filter="data")
        else:  # Python before 3.11.4: our own repository's archive
            tar.extractall(into)


def environment(tree: Path) -> dict[str, str]:
    """The environment a tree's bench runs in: its own packages first, whatever this venv has
    installed in editable mode notwithstanding."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    return env


def check_imports(tree: Path) -> None:
    """The tree's own dialogs/ is what its bench imports; else the run would compare the
    current code with itself."""
    probe = subprocess.run([sys.executable, "-c", "import dialogs; print(dialogs.__file__)"],
                           cwd=tree, env=environment(tree), capture_output=True, text=True)
    where = Path(probe.stdout.strip() or ".").resolve()
    if probe.returncode or tree.resolve() not in where.parents:
        raise RuntimeError(f"{tree} imports dialogs from {where or probe.stderr.strip()}")


def cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run_intake(tree: Path, params: list[str]) -> dict[str, float]:
    """The run's figures, and the CPU seconds its process used (start-up and seeding included):
    on a machine shared with other work the wall-clock figures swing, CPU time much less."""
    before = cpu_seconds()
    done = subprocess.run([sys.executable, str(tree / "bench" / "intake.py"), *params],
                          cwd=tree, env=environment(tree), capture_output=True, text=True)
    if done.returncode:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"bench/intake.py in {tree} exited {done.returncode}: {tail}")
    line = done.stdout.strip().splitlines()[-1]
    figures = {k: float(v) for k, v in (f.split("=", 1) for f in line.split())}
    figures["cpu_s"] = cpu_seconds() - before
    return figures


def line(figures: dict[str, float]) -> str:
    return (f"turns_per_s={figures['turns_per_s']:.0f} p50_ms={figures['p50_ms']:.1f} "
            f"p99_ms={figures['p99_ms']:.1f} cpu_s={figures['cpu_s']:.1f}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--baseline", default=BASELINE, help=f"commit to compare with ({BASELINE})")
    p.add_argument("--runs", type=int, default=3, help="runs of each side, interleaved")
    p.add_argument("--conversations", type=int, default=2000)
    p.add_argument("--concurrency", type=int, default=18)
    p.add_argument("--stored", type=int, default=1000)
    args = p.parse_args()
    params = [f"--conversations={args.conversations}", f"--concurrency={args.concurrency}",
              f"--stored={args.stored}"]
    try:
        commit, subject = baseline_commit(args.baseline)
    except Skip as e:
        print(f"intake_vs_baseline=skipped ({e})")
        return 0
    try:
        head = git("log", "-1", "--format=%h", "HEAD")
        dirty = " + uncommitted changes" if git("status", "--porcelain") else ""
    except Skip:
        head, dirty = "?", ""
    print(f"# intake against the baseline {subject[:90]}", flush=True)
    print(f"# current: {ROOT} at {head}{dirty}; {args.runs} interleaved runs each, "
          f"{' '.join(params)}", flush=True)
    sides: dict[str, list[dict[str, float]]] = {"baseline": [], "current": []}
    with tempfile.TemporaryDirectory(prefix="heard-baseline-") as tmp:
        tree = Path(tmp)
        try:
            export(commit, tree)
        except Skip as e:
            print(f"intake_vs_baseline=skipped ({e})")
            return 0
        check_imports(tree)
        check_imports(ROOT)
        for n in range(1, args.runs + 1):
            for side, where in (("baseline", tree), ("current", ROOT)):
                try:
                    figures = run_intake(where, params)
                except RuntimeError as e:
                    if side == "current":
                        print(f"current run failed: {e}", file=sys.stderr)
                        return 1
                    print(f"intake_vs_baseline=skipped (the baseline does not run here: {e})")
                    return 0
                sides[side].append(figures)
                print(f"{side:8} run {n}: {line(figures)}", flush=True)
    median = {side: {k: statistics.median(r[k] for r in runs) for k in KEYS}
              for side, runs in sides.items()}
    for side in sides:
        print(f"{side:8} median: {line(median[side])}")
    # Each pair ran back to back, so its ratio is the least disturbed by a load that comes and
    # goes; the headline is the ratio of the medians.
    pairs = [c["turns_per_s"] / b["turns_per_s"] - 1
             for b, c in zip(sides["baseline"], sides["current"], strict=True)]
    print(f"pairs (current against the baseline run just before it): "
          f"{' '.join(f'{r * 100:+.1f}%' for r in pairs)}")
    speed = median["current"]["turns_per_s"] / median["baseline"]["turns_per_s"] - 1
    p99 = median["current"]["p99_ms"] / median["baseline"]["p99_ms"] - 1
    cpu = median["current"]["cpu_s"] / median["baseline"]["cpu_s"] - 1
    print(f"intake_vs_baseline={speed * 100:+.1f}% p99_vs_baseline={p99 * 100:+.1f}% "
          f"cpu_vs_baseline={cpu * 100:+.1f}% within_10pct={'yes' if speed >= -0.10 else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
