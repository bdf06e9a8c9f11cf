"""The configuration bundle at run time: publishing checked versions (`studio.py`) and
keeping every process on the newest one (`watch.py`)."""
