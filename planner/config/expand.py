"""`count` and `for_each`: one vm block -> the evaluation contexts of its instances.

`count = N` gives N instances with count.index 0..N-1; `for_each` over a map gives one per key
(each.key, each.value), over a set of strings one per element (each.key == each.value).
"""

from __future__ import annotations

from dataclasses import replace

from planner.config.context import Context, EvalError
from planner.config.evaluate import evaluate
from planner.config.limits import MAX_INSTANCES
from planner.config.syntax import Block
from planner.config.values import describe, is_number, show, sorted_set


def instances(block: Block, ctx: Context) -> list[Context]:
    """The contexts to evaluate `block` in, one per instance; EvalError for a bad count/for_each."""
    attrs = {a.name: a for a in block.body.attributes}
    count, for_each = attrs.get("count"), attrs.get("for_each")
    if count is not None and for_each is not None:
        raise EvalError(
            "a vm block cannot have both count and for_each", for_each.name_pos, "keep one of them"
        )
    if count is not None:
        value = evaluate(count.expr, ctx)
        if not is_number(value) or isinstance(value, float):
            hint = "use a whole number, e.g. count = 3" if not is_number(value) else None
            raise EvalError(
                f"count must be a whole number (got {describe(value)})", count.expr.pos, hint
            )
        if not 0 <= value <= MAX_INSTANCES:
            raise EvalError(
                f"count must be between 0 and {MAX_INSTANCES} (got {value})", count.expr.pos
            )
        return [replace(ctx, count_index=i) for i in range(value)]
    if for_each is not None:
        value = evaluate(for_each.expr, ctx)
        if isinstance(value, dict):
            return [replace(ctx, each=(key, value[key])) for key in sorted(value)]
        if isinstance(value, frozenset):
            bad = [v for v in value if not isinstance(v, str)]
            if bad:
                raise EvalError(
                    f"for_each over a set needs strings (got {show(bad[0])})",
                    for_each.expr.pos,
                    "convert the elements with tostring()",
                )
            return [replace(ctx, each=(v, v)) for v in sorted_set(value)]
        hint = "wrap a list in toset(...)" if isinstance(value, list) else None
        raise EvalError(
            f"for_each needs a map or a set of strings (got {describe(value)})",
            for_each.expr.pos,
            hint,
        )
    return [ctx]
