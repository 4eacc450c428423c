"""The headless commands behind ``imgbench``: the same core the TUI drives."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from tui.cli.main import EXIT_OK, EXIT_OVER_BUDGET, EXIT_RUNS_FAILED, one_line
from tui.core.context import Context
from tui.core.safe_text import json_text, visible
from tui.core.validation import InputError
from tui.core.wording import count

_REF_SLOT = re.compile(r"^(?P<preset>[a-z0-9][a-z0-9_./-]*?)(#(?P<slot>\d+|mask))?=(?P<file>.+)$")


def _print_json(data: Any) -> None:
    sys.stdout.write(json_text(json.dumps(data, indent=2, ensure_ascii=False)) + "\n")


def _say(*parts: object, file: Any = None, flush: bool = False) -> None:
    """One line for the terminal, built from stored strings: every control character in them shown, not sent."""
    print(visible(" ".join(str(p) for p in parts), one_line=True), file=file or sys.stdout, flush=flush)


def _report_catalog_errors(ctx: Context) -> None:
    for err in ctx.catalog.errors:
        _say(f"imgbench: warning: preset skipped: {err}", file=sys.stderr)


def cmd_presets(args: argparse.Namespace) -> int:
    ctx = Context()
    _report_catalog_errors(ctx)
    presets = list(ctx.catalog.presets.values())
    if args.json:
        _print_json(
            [
                {
                    "id": p.id,
                    "title": p.title,
                    "category": p.category,
                    "mode": p.mode,
                    "builtin": p.builtin,
                    "reference_slots": [s.description for s in p.reference_slots],
                    "checklist_items": len(p.checklist),
                    "path": p.path,
                }
                for p in presets
            ]
        )
        return EXIT_OK
    width = max((len(p.id) for p in presets), default=10)
    for p in presets:
        refs = f"  needs {count(len(p.reference_slots), 'reference image')}" if p.reference_slots else ""
        _say(f"{p.id:<{width}}  {p.mode}  {p.title} ({count(len(p.checklist), 'check')}){refs}")
    return EXIT_OK


def _refresh_model_lists(ctx: Context) -> None:
    """Ask the providers, say on stderr what each answered, and start over from the new cache."""
    from tui.core import model_lists

    lists = model_lists.refresh(ctx.registry)
    for name, entry in sorted(lists.items()):
        said = f"failed: {one_line(entry.error)}" if entry.error else f"{count(len(entry.models), 'image model')}"
        print(f"{name}: {said} ({entry.fetched_at})", file=sys.stderr)
    if not lists:
        print("no provider with a model list has a key: nothing to refresh", file=sys.stderr)
    ctx.__dict__.pop("registry", None)  # rebuilt with the refreshed names


def cmd_models(args: argparse.Namespace) -> int:
    ctx = Context()
    if getattr(args, "refresh", False):
        _refresh_model_lists(ctx)
    models = ctx.registry.models()
    if args.json:
        _print_json(
            [
                {
                    "id": m.info.id,
                    "provider": m.info.provider,
                    "label": m.info.label,
                    "available": m.available,
                    "detail": m.detail,
                    "demo": m.info.demo,
                    "note": m.info.note,
                    "catalogued": m.info.catalogued,
                }
                for m in models
            ]
        )
        return EXIT_OK
    width = max((len(m.info.id) for m in models), default=10)
    for m in models:
        mark = "ok " if m.available else "-- "
        label = m.info.label if m.info.catalogued else "(unknown to the catalog: conservative capabilities, no price)"
        note = f" — {m.info.note}" if m.info.note and m.info.catalogued else ""
        _say(f"{mark}{m.info.id:<{width}}  {label}{note}  [{m.detail}]")
    return EXIT_OK


def parse_refs(refs: list[str], known_presets: set[str]) -> tuple[list[Path], dict[str, list[tuple[int | None, Path]]]]:
    """Split ``--ref`` values into plain files (for prompt cases) and preset slot assignments."""
    plain: list[Path] = []
    slotted: dict[str, list[tuple[int | None, Path]]] = {}
    for value in refs:
        m = _REF_SLOT.match(value)
        if m and m.group("preset") in known_presets and m.group("slot") == "mask":
            continue  # PRESET#mask=FILE: see parse_masks
        if m and m.group("preset") in known_presets:
            slot = int(m.group("slot")) if m.group("slot") else None
            slotted.setdefault(m.group("preset"), []).append((slot, Path(m.group("file")).expanduser()))
        elif m and m.group("slot") is not None:
            raise InputError(f"unknown preset {m.group('preset')!r} in --ref {value!r}", key="--ref")
        else:
            plain.append(Path(value).expanduser())
    return plain, slotted


def parse_masks(refs: list[str], known_presets: set[str]) -> dict[str, Path]:
    """``--ref PRESET_ID#mask=FILE`` values: each preset's edit mask."""
    masks: dict[str, Path] = {}
    for value in refs:
        m = _REF_SLOT.match(value)
        if m and m.group("preset") in known_presets and m.group("slot") == "mask":
            if m.group("preset") in masks:
                raise InputError(f"two masks for {m.group('preset')}", key="--ref")
            masks[m.group("preset")] = Path(m.group("file")).expanduser()
    return masks


def _make_previews() -> None:
    """Thumbnails of every stored image, made in the background (the core hands them over; imaging makes them)."""
    from tui.core import checking, previews
    from tui.imaging import check_queue, thumb_queue

    previews.install(thumb_queue)
    checking.install(check_queue)  # and the machine checks of each recorded run


def cmd_run(args: argparse.Namespace) -> int:
    from providers.http import warm_up
    from tui.core.compose import CaseSpec, SessionSpec, build_session, parse_checklist
    from tui.core.model import Params

    warm_up()  # TLS set-up overlaps composing the session
    _make_previews()
    ctx = Context()
    _report_catalog_errors(ctx)
    if args.concurrency is not None and not 1 <= args.concurrency <= 256:
        raise InputError("must be between 1 and 256", key="--concurrency")
    preset_ids: list[str] = []
    for ref in args.preset:
        try:
            preset_ids.extend(p.id for p in ctx.catalog.expand(ref))
        except KeyError as exc:
            raise InputError(str(exc.args[0]) if exc.args else f"unknown preset {ref!r}", key="--preset") from None
    plain, slotted = parse_refs(args.ref, set(ctx.catalog.presets))
    masks = parse_masks(args.ref, set(ctx.catalog.presets))
    if args.mask and not args.prompt:
        raise InputError("--mask goes with --prompt; for a preset use --ref PRESET_ID#mask=FILE", key="--mask")
    for preset_id in [*slotted, *masks]:
        if preset_id not in preset_ids:
            raise InputError(f"--ref names {preset_id}, which is not among the presets to run", key="--ref")
    if plain and not args.prompt:
        raise InputError("a plain --ref FILE goes with --prompt; for a preset use --ref PRESET_ID=FILE", key="--ref")
    if args.check and not args.prompt:
        raise InputError("checks go with a --prompt (presets bring their own checklists)", key="--check")
    checklist = parse_checklist("\n".join(args.check), key="--check")
    cases = [CaseSpec(preset_id=pid, refs=slotted.get(pid, []), mask=masks.get(pid)) for pid in preset_ids]
    mask = Path(args.mask).expanduser() if args.mask else None
    cases += [
        CaseSpec(prompt=text, refs=[(None, p) for p in plain], checklist=checklist, mask=mask) for text in args.prompt
    ]
    params = Params(size=args.size, aspect=args.aspect, resolution=args.resolution, quality=args.quality)
    spec = SessionSpec(
        cases=cases,
        models=args.model,
        name=args.name or "",
        params=params,
        repeats=args.repeat,
        blind=args.blind,
        concurrency=args.concurrency,
    )
    from tui.cli.spending import cap_of, checked_estimate, say_estimate

    cap = cap_of(args.max_cost, ctx)
    estimates: list[Any] = []  # checked before the session is saved: a refusal leaves nothing
    session = build_session(
        spec,
        store=ctx.store,
        registry=ctx.registry,
        catalog=ctx.catalog,
        before_save=lambda s: estimates.append(checked_estimate(ctx, s, s.runs, cap)),
    )
    print(session.id, flush=True)
    budget = say_estimate(estimates[0], cap, quiet=args.quiet)
    return _execute(ctx, session.id, quiet=args.quiet, budget=budget, estimated=True)


def _execute(
    ctx: Context,
    session_id: str,
    *,
    quiet: bool,
    retry_failed: bool = False,
    cap: float | None = None,
    budget: Any = None,
    estimated: bool = False,
) -> int:
    """Run what is pending. ``estimated``: the estimate was said and checked already, ``budget`` is its cap (a new
    run); else ``cap`` is checked here against the estimate of what is about to be sent (a resume)."""
    from tui.cli.spending import guard, held_back
    from tui.core.runner import RunEvent, Runner
    from tui.imaging import check_queue, thumb_queue

    _make_previews()

    session = ctx.store.load(session_id)
    total = len(session.runs)
    labels = {c.id: c.label for c in session.cases}
    done = [0]  # counted once the runs to do are known: a retried failure is not finished twice
    started = time.perf_counter()

    def progress(event: RunEvent) -> None:
        if event.kind == "write_failed":  # said even with -q: the results are at risk
            _say(f"imgbench: warning: {event.message}", file=sys.stderr, flush=True)
            return
        if quiet or event.run is None:
            return
        run = event.run
        if event.kind == "finished":
            done[0] += 1
            detail = f"{run.latency_ms / 1000:.2f}s" if run.latency_ms is not None else ""
            if run.error:
                detail = f"{run.error.kind}: {run.error.message}"
            _say(
                f"[{done[0]:>{len(str(total))}}/{total}] {run.status:<9} {run.model}  {labels[run.case_id]}  {detail}",
                file=sys.stderr,
                flush=True,
            )
        elif event.kind == "retrying":
            _say(f"    retrying {run.model}  {labels[run.case_id]}: {event.message}", file=sys.stderr, flush=True)

    runner = Runner(ctx.store, ctx.registry, session, listener=progress)
    todo = runner.pending()
    if retry_failed:
        todo += [r for r in session.runs if r.status in ("failed", "cancelled")]
    if not estimated:  # a resume: estimated under the runner lock, on the runs it is about to send

        def check(sending: list[Any]) -> None:
            runner.budget = guard(ctx, session, sending, cap, quiet=quiet)

        runner.before_send = check
    runner.budget = budget
    again = {r.id for r in todo}
    done[0] = sum(1 for r in session.runs if r.finished and r.id not in again)
    import asyncio

    session = asyncio.run(runner.execute(todo))
    counts = session.status_counts()
    if not quiet:
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        _say(f"session {session.id}: {summary} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    thumb_queue.wait()  # previews ready for `imgbench preview` and the TUI
    if check_queue.pending() and not quiet:
        _say(f"measuring machine checks of {check_queue.pending()} output(s)…", file=sys.stderr, flush=True)
    check_queue.wait()  # stored on each run: `imgbench checks ID` prints them
    if stopped := held_back(session, runner.budget):
        _say(stopped, file=sys.stderr)
        return EXIT_OVER_BUDGET
    return EXIT_OK if counts.get("succeeded", 0) == total else EXIT_RUNS_FAILED


def cmd_sessions(args: argparse.Namespace) -> int:
    """export, import and resume (``list`` is tui/cli/sessions.py, which imports none of this)."""
    ctx = Context(config=None)
    return globals()[f"_sessions_{args.sessions_command}"](ctx, args)


def _sessions_export(ctx: Context, args: argparse.Namespace) -> int:
    from tui.cli.session_ids import resolve_session_id
    from tui.core.outputs import write_user_file
    from tui.reports.export import export_json

    args.id = resolve_session_id(ctx.store, args.id)  # a unique prefix is enough, for a bundle too
    if args.for_rater is not None or args.bundle:
        from tui.cli.bundles import export_bundle

        return export_bundle(ctx, args)
    data = export_json(ctx.store.load(args.id), ctx.store)
    where = write_user_file(args.output or "-", data, durable=True)
    if where != "stdout":
        _say(where, file=sys.stderr)
    return EXIT_OK


def _sessions_import(ctx: Context, args: argparse.Namespace) -> int:
    from tui.reports.bundle_import import import_file

    session, lines = import_file(
        Path(args.file), store=ctx.store, into=args.into, rater=_local_rater(), theirs=args.theirs
    )
    print(session.id)
    summary, details = lines[0], lines[1:]
    _say(f"{session.id}: {summary}", file=sys.stderr)
    for line in details[:20]:
        _say(f"  {line}", file=sys.stderr)
    if len(details) > 20:
        print(f"  … and {len(details) - 20} more", file=sys.stderr)
    return EXIT_OK


def _local_rater() -> str | None:
    """Whose scores are "mine" in a merge: the configured rater (else the login name), as the TUI records them."""
    try:
        return Context().rater
    except InputError:
        return None


def _sessions_resume(ctx: Context, args: argparse.Namespace) -> int:
    from tui.cli.session_ids import resolve_session_id
    from tui.cli.spending import cap_of

    cap = cap_of(args.max_cost, ctx)  # checked before anything is marked
    session_id = resolve_session_id(ctx.store, args.id)
    marked = ctx.store.recover_interrupted(session_id)
    if marked and not args.quiet:
        print(f"{count(marked, 'interrupted run')} will run again", file=sys.stderr)
    return _execute(ctx, session_id, quiet=args.quiet, retry_failed=args.retry_failed, cap=cap)


def cmd_locate(args: argparse.Namespace) -> int:
    from tui.core import paths

    print(f"config   {paths.config_file()}")
    print(f"keys     {paths.credentials_file()}")
    print(f"presets  {paths.user_presets_dir()}")
    print(f"data     {paths.data_dir()}")
    print(f"sessions {paths.sessions_dir()}")
    print(f"cache    {paths.cache_dir()}")
    return EXIT_OK
