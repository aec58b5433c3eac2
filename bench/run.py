"""`make bench`: run every benchmark module in bench/ (each as `python -m bench.<name>`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SKIP = {
    "__init__.py",
    "common.py",
    "run.py",
    "overhead_settings.py",
    "overhead_urls.py",
    "peer_services.py",
    "peer_loads.py",
    "profile.py",
    "soak_support.py",
    "soak_checks.py",
}


def main() -> int:
    scripts = sorted(p for p in HERE.glob("*.py") if p.name not in SKIP)
    if not scripts:
        print("no benchmarks yet")
        return 0
    failed = []
    for script in scripts:
        print(f"=== {script.name} ===", flush=True)
        code = subprocess.call([sys.executable, "-m", f"bench.{script.stem}"], cwd=HERE.parent)
        if code != 0:
            failed.append(script.name)
    if failed:
        print(f"benchmarks failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
