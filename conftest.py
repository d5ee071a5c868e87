import os

# Plain static storage in tests: no collectstatic manifest is needed.
os.environ.setdefault("TESTING", "1")
