"""Time from SIGKILL of an app process holding jobs to their rows being reaped (docs/reliability.md, Jobs).

An app-like process starts a one-worker pool, submits three long jobs (one runs, two wait) and is
killed with SIGKILL; a second pool (another app process) is running and reaps the rows once their lease
has run out. Run: ``python benchmarks/jobs_reap.py [database-url]`` (default: a throw-away SQLite file);
``VOLTVAULT_JOB_LEASE_S`` sets the lease (default 30 s).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

APP = """
import json, sys, time
from voltvault_core.db.engine import create_db_engine
from voltvault_core.jobs import store
from voltvault_core.jobs.pool import ProcessPoolJobRunner
engine = create_db_engine(sys.argv[1])
runner = ProcessPoolJobRunner(engine, workers=1)
ids = [runner.submit("voltvault_core.jobs.testing_tasks:sleep_steps", {"seconds": 600, "steps": 600},
                     kind="bench") for _ in range(3)]
while store.read_job_row(engine, ids[0]).status != "running":
    time.sleep(0.05)
print(json.dumps(ids), flush=True)
time.sleep(3600)
"""


def main() -> None:
    from voltvault_core.db.engine import create_db_engine
    from voltvault_core.db.migrate import upgrade
    from voltvault_core.jobs import store
    from voltvault_core.jobs.pool import ProcessPoolJobRunner

    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/reap.db"
    engine = create_db_engine(url)
    upgrade(engine)
    other_app = ProcessPoolJobRunner(engine, workers=1)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    app = subprocess.Popen([sys.executable, "-c", APP, url], stdout=subprocess.PIPE, text=True, env=env)
    ids = json.loads(app.stdout.readline())
    app.send_signal(signal.SIGKILL)
    app.wait()
    killed = time.monotonic()
    while not all(store.read_job_row(engine, i).status == "failed" for i in ids):
        time.sleep(0.05)
    print(f"{engine.dialect.name}: lease {store.lease_seconds():g} s, 3 rows reaped "
          f"{time.monotonic() - killed:.2f} s after the SIGKILL")  # fmt: skip
    other_app.shutdown(wait=False)


if __name__ == "__main__":
    main()
