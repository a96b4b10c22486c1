"""The dependency files stay exact and agree with the lock (CI installs with both)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def _norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path):
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split(" #")[0].strip()
        if not line or line.startswith(("#", "-r ", "-c ")):
            continue
        match = PIN.match(line)
        assert match, f"{path.name}: not an exact pin: {line!r}"
        pins[_norm(match[1])] = match[2]
    return pins


LOCK = _pins(ROOT / "constraints.txt")


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-dev.txt"])
def test_requirements_are_pinned_and_locked(name):
    pins = _pins(ROOT / name)
    assert pins
    for package, version in pins.items():
        assert LOCK.get(package) == version, (
            f"{name} pins {package}=={version} but constraints.txt has {LOCK.get(package)}: run scripts/lock"
        )
