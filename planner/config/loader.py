"""A configuration directory -> DesiredConfig: read, parse, resolve variables and locals, check.

The one entry point is load_config. It gathers every diagnostic of the run and raises them
together in one DiagnosticError; it never returns a half-checked configuration.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from planner.config.check import Collected, check_across, collect_datacenter, quoted
from planner.config.context import AlreadyReported, Context, EvalError, did_you_mean
from planner.config.endpoint import parse_url, url_problem
from planner.config.evaluate import evaluate
from planner.config.files import config_files, read_config_file
from planner.config.parse_cache import parse_body_cached
from planner.config.syntax import Attribute, Block, Body
from planner.config.tag_blocks import check_vm_tags, read_tag_categories
from planner.config.values import describe, sorted_set
from planner.config.variables import declare_variables, resolve_variables
from planner.gc_pause import collector_paused
from planner.model import DesiredConfig, Pos, VCenterSettings
from planner.model.diagnostics import Diagnostic, DiagnosticError
from planner.model.names import workspace_problem

TOP_LEVEL_BLOCKS = ("vcplan", "vcenter", "variable", "locals", "tag_category", "datacenter")
VCENTER_ATTRIBUTES = ("url", "user", "ca_file", "insecure")


def load_config(
    directory: Path,
    var_args: Sequence[str] = (),
    var_files: Sequence[Path] = (),
    env: Mapping[str, str] | None = None,
    on_vcenter: Callable[[VCenterSettings], None] | None = None,
) -> DesiredConfig:
    """The checked desired model of a configuration directory, or a DiagnosticError with all
    of the run's diagnostics (each with a file:line:col where there is one). `on_vcenter` is
    called with the vcenter block's settings as soon as they are known and nothing has failed
    so far, before the VMs are evaluated: `plan` starts reading vCenter then
    (docs/performance.md#overlap)."""
    with collector_paused():
        return _load(directory, var_args, var_files, env, on_vcenter)


def _load(
    directory: Path,
    var_args: Sequence[str],
    var_files: Sequence[Path],
    env: Mapping[str, str] | None,
    on_vcenter: Callable[[VCenterSettings], None] | None = None,
) -> DesiredConfig:
    env = os.environ if env is None else env
    diags: list[Diagnostic] = []
    directory = Path(directory)
    if not directory.is_dir():
        raise DiagnosticError([Diagnostic(f"{directory}: not a directory")])
    files = config_files(directory)
    if not files:
        raise DiagnosticError(
            [
                Diagnostic(
                    f"no configuration files (*.hcl) in {directory}",
                    hint="*.vars.hcl files hold variable values and are read only with --var-file",
                )
            ]
        )

    bodies: list[Body] = []
    digest = hashlib.sha256()
    for path in files:
        text = read_config_file(path)
        if isinstance(text, Diagnostic):
            diags.append(text)
            continue
        digest.update(f"{path.name}\0{text}\0".encode())
        try:
            bodies.append(parse_body_cached(text, str(path)))  # docs/performance.md#parse-cache
        except DiagnosticError as exc:
            diags.extend(exc.diagnostics)

    if diags:  # checking a half-parsed configuration would only add noise
        raise DiagnosticError(_unique(diags))

    blocks: dict[str, list[Block]] = {name: [] for name in TOP_LEVEL_BLOCKS}
    for body in bodies:
        for item in body.items:
            if isinstance(item, Attribute):
                diags.append(
                    Diagnostic(
                        f"unexpected attribute {quoted(item.name)} at the top level",
                        item.name_pos,
                        "attributes go inside a block, e.g. vcplan { workspace = ... }",
                    )
                )
            elif item.type in blocks:
                blocks[item.type].append(item)
            else:
                hint = did_you_mean(item.type, TOP_LEVEL_BLOCKS)
                if item.type in ("vm", "cluster", "host"):
                    hint = f"a {item.type} block goes inside a datacenter block"
                diags.append(
                    Diagnostic(
                        f"unknown block type {quoted(item.type)}",
                        item.pos,
                        hint or f"allowed at the top level: {', '.join(TOP_LEVEL_BLOCKS)}",
                    )
                )

    decls = declare_variables(blocks["variable"], diags)
    variables = resolve_variables(decls, var_args, var_files, env, diags)
    digest.update(json.dumps(_plain(variables), sort_keys=True, default=str).encode())
    ctx = Context(variables=_Variables(variables, decls), directory=directory)
    ctx = _with_locals(blocks["locals"], ctx, diags)

    workspace = _workspace(blocks["vcplan"], ctx, diags)
    vcenter = _vcenter(blocks["vcenter"], ctx, diags, directory)
    if on_vcenter is not None and not diags and workspace is not None:
        on_vcenter(vcenter)
    collected = Collected()
    for block in blocks["datacenter"]:
        collect_datacenter(block, ctx, collected, diags)
    vms = check_across(collected.vms, diags)
    categories = read_tag_categories(blocks["tag_category"], ctx, diags)
    check_vm_tags(vms, categories, diags)

    if diags:
        raise DiagnosticError(_unique(diags))
    assert workspace is not None
    return DesiredConfig(
        workspace=workspace,
        vms=tuple(vms),
        containers=tuple(collected.containers.values()),
        vcenter=vcenter,
        config_hash=digest.hexdigest(),
        tag_categories=categories,
    )


class _Variables(dict[str, Any]):
    """var.* values; a declared variable whose value failed is present but already reported."""

    def __init__(self, values: Mapping[str, Any], decls: Mapping[str, Any]):
        super().__init__(values)
        self.failed = {name for name in decls if name not in values}

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key) or key in self.failed

    def __getitem__(self, key: str) -> Any:
        if key in self.failed:
            raise AlreadyReported(f"var.{key}", Pos("", 0, 0))
        return super().__getitem__(key)


def _with_locals(blocks: Sequence[Block], ctx: Context, diags: list[Diagnostic]) -> Context:
    """Locals may refer to each other in any order; each is evaluated once, on first use."""
    exprs: dict[str, Attribute] = {}
    for block in blocks:
        if block.labels:
            diags.append(Diagnostic("a locals block takes no name", block.labels[0].pos))
        for nested in block.body.blocks:
            diags.append(
                Diagnostic(
                    f"unexpected block {quoted(nested.type)} in locals",
                    nested.pos,
                    "locals hold name = value lines",
                )
            )
        for item in block.body.attributes:
            if item.name in exprs:
                diags.append(
                    Diagnostic(
                        f"local.{item.name} is defined twice",
                        item.name_pos,
                        f"first defined at {exprs[item.name].name_pos}",
                    )
                )
                continue
            exprs[item.name] = item
    values: dict[str, Any] = {}
    failed: set[str] = set()
    active: list[str] = []

    def local_value(name: str, pos: Pos) -> Any:
        if name in values:
            return values[name]
        if name in failed:
            raise AlreadyReported(f"local.{name}", pos)
        if name not in exprs:
            hint = did_you_mean(name, exprs)
            raise EvalError(
                f"unknown local value local.{name}",
                pos,
                hint.replace('"', '"local.', 1) if hint else "define it in a locals block",
            )
        if name in active:
            cycle = active[active.index(name) :] + [name]
            failed.update(cycle)
            raise EvalError(
                "locals refer to each other in a cycle: "
                + " -> ".join(f"local.{n}" for n in cycle),
                exprs[cycle[0]].name_pos,
            )
        active.append(name)
        try:
            values[name] = evaluate(exprs[name].expr, local_ctx)
            return values[name]
        except AlreadyReported:
            failed.add(name)
            raise
        except EvalError as exc:
            failed.add(name)
            if exc.diagnostic not in diags:
                diags.append(exc.diagnostic)
            raise AlreadyReported(f"local.{name}", pos) from None
        finally:
            active.pop()

    local_ctx = replace(ctx, local_value=local_value, where="in locals")
    for name, item in exprs.items():
        try:
            local_value(name, item.name_pos)
        except AlreadyReported:
            pass
        except EvalError as exc:
            diags.append(exc.diagnostic)
    return replace(ctx, local_value=local_value)


def _single(blocks: Sequence[Block], kind: str, diags: list[Diagnostic]) -> Block | None:
    for extra in blocks[1:]:
        diags.append(
            Diagnostic(
                f"a configuration has one {kind} block",
                extra.pos,
                f"the first is at {blocks[0].pos}",
            )
        )
    for block in blocks[:1]:
        if block.labels:
            diags.append(Diagnostic(f"the {kind} block takes no name", block.labels[0].pos))
        for nested in block.body.blocks:
            diags.append(
                Diagnostic(f"unexpected block {quoted(nested.type)} in {kind}", nested.pos)
            )
    return blocks[0] if blocks else None


def _value(item: Attribute, ctx: Context, diags: list[Diagnostic]) -> Any:
    try:
        return evaluate(item.expr, ctx)
    except AlreadyReported:
        return None
    except EvalError as exc:
        diags.append(exc.diagnostic)
        return None


def _workspace(blocks: Sequence[Block], ctx: Context, diags: list[Diagnostic]) -> str | None:
    block = _single(blocks, "vcplan", diags)
    if block is None:
        diags.append(
            Diagnostic(
                "the configuration has no vcplan block",
                None,
                'add vcplan { workspace = "NAME" }: the workspace names the VMs this '
                "configuration owns",
            )
        )
        return None
    workspace = None
    found = False
    for item in block.body.attributes:
        if item.name != "workspace":
            diags.append(
                Diagnostic(
                    f"unknown attribute {quoted(item.name)} in the vcplan block",
                    item.name_pos,
                    did_you_mean(item.name, ["workspace"]) or "allowed: workspace",
                )
            )
            continue
        found = True
        value = _value(item, ctx, diags)
        if not isinstance(value, str) or not value.strip():
            if value is not None or not diags:
                diags.append(
                    Diagnostic(
                        f"workspace must be a non-empty string (got {describe(value)})",
                        item.expr.pos,
                    )
                )
            continue
        problem = workspace_problem(value)
        if problem is not None:
            diags.append(Diagnostic(problem, item.expr.pos))
            continue
        workspace = value
    if not found:
        diags.append(
            Diagnostic(
                "the vcplan block needs a workspace",
                block.pos,
                'e.g. vcplan { workspace = "prod-web" }',
            )
        )
    return workspace


def _vcenter(
    blocks: Sequence[Block], ctx: Context, diags: list[Diagnostic], directory: Path
) -> VCenterSettings:
    block = _single(blocks, "vcenter", diags)
    if block is None:
        return VCenterSettings()
    settings: dict[str, Any] = {}
    for item in block.body.attributes:
        if item.name == "password":
            diags.append(
                Diagnostic(
                    "a password does not belong in a configuration file",
                    item.name_pos,
                    "remove it and set VCPLAN_PASSWORD (or type it at the prompt)",
                )
            )
            continue
        if item.name not in VCENTER_ATTRIBUTES:
            diags.append(
                Diagnostic(
                    f"unknown attribute {quoted(item.name)} in the vcenter block",
                    item.name_pos,
                    did_you_mean(item.name, VCENTER_ATTRIBUTES)
                    or f"allowed: {', '.join(VCENTER_ATTRIBUTES)}",
                )
            )
            continue
        value = _value(item, ctx, diags)
        if value is None:
            continue
        if item.name == "insecure":
            if not isinstance(value, bool):
                diags.append(
                    Diagnostic(
                        f"insecure must be true or false (got {describe(value)})", item.expr.pos
                    )
                )
                continue
        elif not isinstance(value, str) or not value:
            diags.append(
                Diagnostic(
                    f"{item.name} must be a non-empty string (got {describe(value)})", item.expr.pos
                )
            )
            continue
        elif item.name == "url" and _url_has_password(value):
            diags.append(
                Diagnostic(
                    "a password does not belong in the URL",
                    item.expr.pos,
                    "remove it and set VCPLAN_PASSWORD (or type it at the prompt)",
                )
            )
            continue
        elif item.name == "url" and (problem := url_problem(value)) is not None:
            diags.append(Diagnostic(problem.message, item.expr.pos, problem.hint))
            continue
        elif item.name == "ca_file" and not Path(value).is_absolute():
            value = str(directory / value)  # relative to the configuration, not the shell
        settings[item.name] = value
    return VCenterSettings(**settings, pos=block.pos)


def _url_has_password(url: str) -> bool:
    """The one URL parser's answer; a URL it cannot parse is reported by url_problem, with any
    password masked."""
    try:
        return parse_url(url).has_password
    except DiagnosticError:
        return False


def _plain(value: Any) -> Any:
    if isinstance(value, frozenset):
        return [_plain(v) for v in sorted_set(value)]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _where(diag: Diagnostic) -> tuple[str, int, int]:
    return (diag.pos.file, diag.pos.line, diag.pos.col) if diag.pos else ("", 0, 0)


def _unique(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[Diagnostic] = set()
    out = []
    for diag in sorted(diags, key=_where):
        if diag not in seen:
            seen.add(diag)
            out.append(diag)
    return out
