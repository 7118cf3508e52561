"""Points the peers at the simulator: requests to Microsoft's three hosts go to its address.

The peers build their URLs from constants they own (cloudpub's graph prefix and login
template, azure-img-utils' INGESTION_API, the CPP host written inline in azure-img-utils
1.2.0, MSAL's authority); their paths, headers, bodies and flows are left as they are. Only
the scheme and host of those URLs are replaced, in the one place every one of them goes
through: requests' Session.request.
"""

import os
import sys

import requests

SIMULATOR = os.environ["OFFERDECK_SIMULATOR"].rstrip("/")
MICROSOFT_HOSTS = (
    "https://graph.microsoft.com",
    "https://cloudpartner.azure.com",
    "https://login.microsoftonline.com",
)
TENANT = "sim-tenant"
CLIENT_ID = "offerdeck-demo"
CLIENT_SECRET = "demo-secret"

_send = requests.sessions.Session.request


def _to_simulator(self, method, url, *args, **kwargs):
    if isinstance(url, str):
        for host in MICROSOFT_HOSTS:
            if url.startswith(host):
                url = SIMULATOR + url[len(host):]
                break
    # Bounded: a stuck simulator fails the step instead of hanging the run.
    kwargs.setdefault("timeout", 30)
    return _send(self, method, url, *args, **kwargs)


requests.sessions.Session.request = _to_simulator

failures = []


def step(name, check):
    """Runs one step of a flow; prints PASS or FAIL with the reason."""
    try:
        detail = check()
    except Exception as error:  # a peer's own exception is the finding
        failures.append(name)
        print(f"FAIL {name}: {type(error).__name__}: {str(error)[:600]}", flush=True)
        return None
    print(f"PASS {name}" + (f" ({detail})" if detail else ""), flush=True)
    return detail


def offerdeck(*args):
    """Runs offerdeck (the binary peers.sh built) on the demo config pointed at the simulator,
    in a data folder of its own; returns its stdout, and fails the step on a non-zero exit."""
    import subprocess
    import tempfile

    folder = tempfile.mkdtemp(prefix="offerdeck-peers-")
    with open(os.environ["OFFERDECK_DEMO_CONFIG"]) as f:
        config = f.read().replace("http://127.0.0.1:7878", SIMULATOR)
    path = os.path.join(folder, "config.toml")
    with open(path, "w") as f:
        f.write(config)
    env = dict(os.environ, OFFERDECK_DATA_DIR=folder, OFFERDECK_DEMO_SECRET=CLIENT_SECRET)
    run = subprocess.run(
        [os.environ["OFFERDECK_BINARY"], "--config", path, *args],
        capture_output=True, text=True, timeout=120, env=env,
    )
    if run.returncode != 0:
        raise AssertionError(f"offerdeck {' '.join(args[:3])} exited {run.returncode}: {run.stderr[-600:]}")
    return run.stdout


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def finish():
    if failures:
        print(f"{len(failures)} step(s) failed: {', '.join(failures)}", flush=True)
        sys.exit(1)
