"""``imgbench keys``: set, list, remove API keys, and tighten the keys file's permissions.

Keys are read from a TTY without echo (getpass) or as one line from a pipe, never from argv
(where shell history and ``ps`` would see them), and shown masked only.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import warnings

from tui.cli.main import EXIT_OK
from tui.core import credentials, paths
from tui.core.api_keys import check_key, key_envs
from tui.core.validation import InputError, suggest
from tui.core.wording import file_mode


def _provider(name: str, known: dict[str, tuple[str, ...]]) -> str:
    if name not in known:
        raise InputError(f"unknown provider {name!r}{suggest(name, known)}; known: {', '.join(known)}", key="PROVIDER")
    return name


def _read_key(provider: str) -> str:
    # Never from argv: shell history and `ps` would see it.
    tty = sys.stdin.isatty()
    value = (getpass.getpass(f"{provider} API key (input hidden): ") if tty else sys.stdin.readline()).strip()
    return check_key(provider, value)


def _keys_set(args: argparse.Namespace) -> int:
    known = key_envs()
    provider = _provider(args.provider, known)
    value = _read_key(provider)
    credentials.store_key(provider, value)
    path = paths.credentials_file()
    print(f"stored the {provider} key {credentials.mask(value)} in {path} ({file_mode(path)})")
    shadowing = credentials.env_overrides(known[provider])
    if shadowing:
        print(f"note: ${shadowing[0]} is set and takes precedence over the stored key", file=sys.stderr)
    return EXIT_OK


def _keys_rm(args: argparse.Namespace) -> int:
    known = key_envs()
    provider = _provider(args.provider, known)
    if credentials.remove_key(provider):
        print(f"removed the stored {provider} key")
    else:
        print(f"no stored {provider} key (nothing removed)")
    still = credentials.env_overrides(known[provider])
    if still:
        print(f"note: ${still[0]} still provides a {provider} key; unset it to stop using it", file=sys.stderr)
    return EXIT_OK


def _keys_list(args: argparse.Namespace) -> int:
    known = key_envs()
    path = paths.credentials_file()
    with warnings.catch_warnings():  # said once, below, in the command's own words
        warnings.simplefilter("ignore", credentials.InsecureCredentialsWarning)
        stored = credentials.load_stored(path)
    rows = []
    for provider, envs in known.items():
        key = credentials.resolve(provider, envs, stored)
        rows.append(
            {
                "provider": provider,
                "present": key.value is not None,
                "masked": key.masked if key.value else None,
                "source": key.source,
                "fix": key.hint or None,
            }
        )
    problem = credentials.permission_problem(path)
    if args.json:
        sys.stdout.write(json.dumps({"file": str(path), "permissions": problem, "keys": rows}, indent=2) + "\n")
        return EXIT_OK
    width = max((len(r["provider"]) for r in rows), default=8)
    for row in rows:
        if row["present"]:
            print(f"{row['provider']:<{width}}  {row['masked']:<12}  {row['source']}")
        else:
            print(f"{row['provider']:<{width}}  missing — {row['fix']}")
    print(f"keys file: {path}" + ("" if path.exists() else " (not created yet)"))
    if problem:
        print(f"imgbench: warning: {problem}", file=sys.stderr)
    return EXIT_OK


def _keys_fix_permissions(args: argparse.Namespace) -> int:
    path = paths.credentials_file()
    credentials.fix_permissions(path)
    problem = credentials.permission_problem(path)
    if problem:
        raise InputError(problem, file=path)
    state = "file 600, directory 700" if path.exists() else "no keys file yet; directory 700"
    print(f"{path}: {state}" if path.parent.exists() else f"{path.parent} does not exist yet: nothing to fix")
    return EXIT_OK


def cmd_keys(args: argparse.Namespace) -> int:
    handler = {
        "set": _keys_set,
        "rm": _keys_rm,
        "list": _keys_list,
        "fix-permissions": _keys_fix_permissions,
    }[args.keys_command]
    return handler(args)
