"""A :class:`~minshare.compile.plan.Plan` → one SQL query, built as a sqlglot expression tree.

The query reads four tables the engine provides (all as minshare's readers wrote them: typed,
trimmed, state codes normalized):

- ``enrollment``: the accepted enrollment rows, with lineage ``_MS_FILE``, ``_MS_ROW``,
  ``_MS_LINE``;
- ``determinations``: the accepted determination rows;
- ``unreadable`` (``SUBMTG_STATE_CD``, ``MSIS_IDENT_NUM``): keys of quarantined rows;
- ``review_decisions`` (``SUBMTG_STATE_CD``, ``MSIS_IDENT_NUM``, ``decision``): the latest
  reviewer decision per person, ``release`` or ``withhold``;
- ``guard_facts`` (``SUBMTG_STATE_CD``, ``MSIS_IDENT_NUM``, ``_MS_ROW`` and one boolean column
  per ``guard.*`` fact, named :func:`guard_column`): the rows with a decisive finding of the
  health-information guard (only when a rule uses a guard fact; every other row: false).

and returns one row per enrollment row (:data:`OUTPUT_COLUMNS`, the facts used, the permitted
columns). Reasons and cites are not repeated on every row: ``reason_hits`` numbers the deciding
hits in :func:`hit_table`, which the engine stores once beside the decisions. It is a chain of
CTEs, each one stage:

- ``rules``: one row of constants, per hit (1-based): its id, rank, reason and cite (the
  query's own table of what ``reason_hits`` numbers; the output reads no text from it, see
  :func:`hit_table`);
- ``src``: the columns the plan reads, nothing else;
- ``det_asof``, ``det_current``: the current determination (the rows with the latest date on or
  before the as-of date; whether they conflict; the least trusted source);
- ``dup_keys``, ``dup_people``, ``dup_rows``: keys with several rows; per compared field,
  whether the rows disagree; each row's rank in file order;
- ``unreadable_keys``; ``guard`` (the guard's findings per row, when a rule uses them);
- ``facts``: every fact the rules use, one column each, and which orders govern the row's
  state;
- ``hits``, ``hits_all``: one boolean per rule (its order governs the row's state and its
  predicate holds), then each order's default deny;
- ``decided``: the fixed combination (withhold > review > disclose; nothing → withhold);
- ``several_*``, ``person``, ``consolidated``: a person's rows share their strongest decision
  (the rule stages again, over only the rows of keys with several rows);
- ``reviewed``: earlier reviewer decisions applied to rows in review;
- ``collapsed``: one row per disclosed person;
- ``deciding``: the numbers of the hits that carry the decision (``reason_hits``); then the
  output.

Null semantics are the reference evaluator's: a comparison with a null subject is false, so
every comparison is wrapped in ``COALESCE(…, FALSE)``. Values are literals sqlglot escapes;
dates relative to the as-of date are computed here, so the SQL holds only constants.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlglot import exp

from minshare.compile.errors import CompileError
from minshare.compile.plan import (
    DUPLICATE_COLLAPSED,
    DUPLICATE_ROWS_DISAGREE,
    PERSON_ROWS_DISAGREE,
    REVIEW_RELEASED,
    REVIEW_WITHHELD,
    Hit,
    OrderPlan,
    Plan,
)
from minshare.data.model import KEY
from minshare.orders import facts
from minshare.orders.facts import SOURCE_TRUST, Derivation, Kind
from minshare.orders.model import Effect
from minshare.orders.predicates import (
    All,
    Always,
    AnyOf,
    AsOfMinusDays,
    Compare,
    Node,
    Not,
    ParamRef,
    references,
)

# Input tables (the engine registers them under these names).
ENROLLMENT = "enrollment"
DETERMINATIONS = "determinations"
UNREADABLE = "unreadable"
REVIEW_DECISIONS = "review_decisions"
GUARD_FACTS = "guard_facts"

LINEAGE = ("_MS_FILE", "_MS_ROW", "_MS_LINE")
# Output columns before the facts and the permitted columns.
OUTPUT_COLUMNS = (
    *KEY,
    *LINEAGE,
    "orders",  # ids of the orders governing the row's state
    "rule_decision",  # what the orders' rules decide (the reference evaluator's decision)
    "rule_ids",  # every rule that held, then every minshare step that applied
    "decision",  # the final decision: disclose | withhold | review
    "reason_ids",  # the ids that decided it
    "reason_hits",  # their numbers in hit_table(plan): reasons and cites are read from there
)

RANK = {Effect.DISCLOSE: 0, Effect.REVIEW: 1, Effect.WITHHOLD: 2}
EFFECT_OF_RANK = {v: k for k, v in RANK.items()}

# Python's ``\d`` (facts.ssn_shaped) is any Unicode decimal digit: \p{Nd} in RE2 and Java.
SSN_PATTERN = r"^(\p{Nd}{3})-?(\p{Nd}{2})-?(\p{Nd}{4})$"
SSN_INVALID_AREA = r"^(000|666|9)"
SSN_INVALID_GROUP = r"^\p{Nd}{3}-?00"
SSN_INVALID_SERIAL = r"0000$"


# --- small builders ------------------------------------------------------------------------------


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table)


def lit(value: Any) -> exp.Expr:
    """A constant as a literal the generator escapes (never pasted text)."""
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE"))
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise CompileError(f"cannot write {value!r} ({type(value).__name__}) as a SQL literal")


def false_if_null(e: exp.Expr) -> exp.Expr:
    return exp.Coalesce(this=e, expressions=[exp.false()])


def any_of(items: Sequence[exp.Expr]) -> exp.Expr:
    return exp.or_(*items) if items else exp.false()


def all_of(items: Sequence[exp.Expr]) -> exp.Expr:
    return exp.and_(*items) if items else exp.true()


def not_(e: exp.Expr) -> exp.Expr:
    return exp.Not(this=exp.Paren(this=e))


def is_null(e: exp.Expr) -> exp.Expr:
    return exp.Is(this=e, expression=exp.Null())


def not_null(e: exp.Expr) -> exp.Expr:
    return exp.Not(this=is_null(e))


def case(whens: Sequence[tuple[exp.Expr, exp.Expr]], default: exp.Expr | None = None) -> exp.Case:
    c = exp.Case()
    for cond, value in whens:
        c = c.when(cond, value)
    return c.else_(default) if default is not None else c


def array(items: Sequence[exp.Expr]) -> exp.Array:
    return exp.Array(expressions=list(items))


def compact(items: Sequence[exp.Expr]) -> exp.Expr:
    """The non-null elements of ``items``, in order."""
    x = exp.to_identifier("x")
    keep = exp.Lambda(this=not_null(x.copy()), expressions=[x.copy()])
    return exp.ArrayFilter(this=array(items), expression=keep)


def key_join(left: str, right: str) -> exp.Expr:
    return all_of([exp.EQ(this=col(k, left), expression=col(k, right)) for k in KEY])


def in_list(e: exp.Expr, values: Sequence[Any]) -> exp.Expr:
    return exp.In(this=e, expressions=[lit(v) for v in values])


def window(
    fn: exp.Expr, partition: Sequence[exp.Expr], order: Sequence[exp.Expr] = ()
) -> exp.Window:
    w = exp.Window(this=fn, partition_by=list(partition))
    if order:
        w.set("order", exp.Order(expressions=[exp.Ordered(this=o) for o in order]))
    return w


def rank_text(rank: exp.Expr) -> exp.Expr:
    return case([(exp.EQ(this=rank, expression=lit(r)), lit(e.value)) for e, r in RANK.items()])


# --- predicates ----------------------------------------------------------------------------------


class _Scope:
    """How a predicate's subjects resolve inside the ``hits`` CTE, for one order."""

    def __init__(self, plan: Plan, order: OrderPlan, alias: str = "f") -> None:
        self.plan = plan
        self.order = order
        self.alias = alias

    def subject(self, node: Compare) -> tuple[exp.Expr, facts.VType]:
        if node.column is not None:
            name = node.subject.upper()
            vtype = facts.column_type(name)
            if vtype is None:
                raise CompileError(f"{self.order.id}: unknown column {name}")
            return col(name, self.alias), vtype
        fact = facts.lookup(node.subject)
        column = self.plan.fact_column(node.subject, self.order.id)
        if fact is None or column is None:
            raise CompileError(f"{self.order.id}: fact {node.subject} is not in the plan")
        return col(column, self.alias), fact.type

    def value(self, value: Any, vtype: facts.VType) -> Any:
        if isinstance(value, ParamRef):
            if value.param not in self.order.params:
                raise CompileError(f"{self.order.id}: unknown param {value.param}")
            value = self.order.params[value.param]
        elif isinstance(value, AsOfMinusDays):
            days = value.as_of_minus_days
            n = self.order.params[days.param] if isinstance(days, ParamRef) else days
            value = self.plan.as_of - timedelta(days=int(n))
        if vtype.kind is Kind.DATE and isinstance(value, str):
            value = date.fromisoformat(value)
        return value


def predicate(node: Node, scope: _Scope) -> exp.Expr:
    """A predicate as a boolean that is never null (two-valued, as in evaluate.py)."""
    if isinstance(node, All):
        return exp.Paren(this=all_of([predicate(p, scope) for p in node.all]))
    if isinstance(node, AnyOf):
        return exp.Paren(this=any_of([predicate(p, scope) for p in node.any]))
    if isinstance(node, Not):
        return not_(predicate(node.not_, scope))
    if isinstance(node, Always):
        return lit(node.always)
    return _compare(node, scope)


_BINARY: dict[str, type[exp.Binary]] = {
    "eq": exp.EQ,
    "ne": exp.NEQ,
    "lt": exp.LT,
    "le": exp.LTE,
    "gt": exp.GT,
    "ge": exp.GTE,
}


def _compare(node: Compare, scope: _Scope) -> exp.Expr:
    subject, vtype = scope.subject(node)
    op = node.op
    if op == "is_null":
        return is_null(subject) if node.is_null else not_null(subject)
    if op == "unknown_code":
        if vtype.codes is None:
            raise CompileError(f"{scope.order.id}: {node.subject} has no code list")
        known = in_list(subject, sorted(vtype.codes.codes))
        return exp.and_(not_null(subject), not_(known))
    if op in ("in", "not_in"):
        values = [scope.value(v, vtype) for v in node.operand]
        test = in_list(subject, values)
        return false_if_null(test if op == "in" else not_(test))
    binary = _BINARY[op](this=subject, expression=lit(scope.value(node.operand, vtype)))
    return false_if_null(binary)


# --- facts ---------------------------------------------------------------------------------------


def _bare(e: exp.Expr) -> exp.Expr:
    """Hyphens and spaces removed (facts._bare)."""
    no_hyphen = exp.Anonymous(this="REPLACE", expressions=[e, lit("-"), lit("")])
    return exp.Anonymous(this="REPLACE", expressions=[no_hyphen, lit(" "), lit("")])


def _msis_id_is_ssn(src: str) -> exp.Expr:
    msis, ssn = col("MSIS_IDENT_NUM", src), col("SSN_NUM", src)
    same = exp.and_(
        exp.NEQ(this=_bare(ssn), expression=lit("")),
        exp.EQ(this=_bare(ssn), expression=_bare(msis)),
    )

    def matches(pattern: str) -> exp.Expr:
        return exp.RegexpLike(this=msis.copy(), expression=lit(pattern))

    # Once the shape matches, the area is the first three characters, the group the two after
    # them (and an optional hyphen), the serial the last four (facts.ssn_shaped).
    valid = exp.and_(
        not_(matches(SSN_INVALID_AREA)),
        not_(matches(SSN_INVALID_GROUP)),
        not_(matches(SSN_INVALID_SERIAL)),
    )
    shaped = case([(matches(SSN_PATTERN), valid)], exp.false())
    return exp.or_(false_if_null(same), false_if_null(shaped))


def _trust_rank(e: exp.Expr) -> exp.Expr:
    return case(
        [(exp.EQ(this=e, expression=lit(s)), lit(i)) for i, s in enumerate(SOURCE_TRUST)],
        lit(-1),
    )


def _fact_expr(plan: Plan, name: str, order_id: str | None, dup_fields: list[str]) -> exp.Expr:
    fact = facts.lookup(name)
    assert fact is not None
    conflict = col("conflict", "c")
    d = fact.derivation
    if d is Derivation.AS_OF:
        return lit(plan.as_of)
    if d is Derivation.NORMALIZED_STATE:
        return col("SUBMTG_STATE_CD", "s")  # normalized by the reader
    if d is Derivation.CURRENT_DETERMINATION_PRESENT:
        return not_null(col("determined_on", "c"))
    if d is Derivation.CURRENT_DETERMINATION_CONFLICT:
        return false_if_null(conflict)
    if d is Derivation.CURRENT_DETERMINATION_VALUE:
        if fact.column == "STATUS_CATEGORY":
            return case([(false_if_null(conflict.copy()), exp.Null())], col("category", "c"))
        if fact.column == "DETERMINED_ON":
            return col("determined_on", "c")
    if d is Derivation.CURRENT_DETERMINATION_SOURCE:
        by_rank = [
            (exp.EQ(this=col("trust", "c"), expression=lit(i)), lit(s))
            for i, s in enumerate(SOURCE_TRUST)
        ]
        return case([(false_if_null(conflict.copy()), exp.Null()), *by_rank])
    if d is Derivation.CURRENT_DETERMINATION_AGE_DAYS:
        return exp.DateDiff(this=lit(plan.as_of), expression=col("determined_on", "c"))
    if d is Derivation.MSIS_ID_IS_SSN:
        return _msis_id_is_ssn("s")
    if d is Derivation.SUPPLIED:
        # A scanned row with no decisive finding has every guard fact false; a row the guard
        # did not scan (withheld whatever it finds, see guard_candidate) has null.
        found = false_if_null(col(guard_column(name), "g"))
        return case([(guard_candidate(plan, "s"), found)])
    if d is Derivation.DUPLICATE_CONFLICT:
        owner = plan.order(order_id or "")
        diffs = [
            col(_diff_column(dup_fields.index(f)), "d") for f in owner.fields if f in dup_fields
        ]
        return false_if_null(exp.Paren(this=any_of(diffs)))
    raise CompileError(f"no SQL for fact {name} (derivation {d})")


def guard_column(name: str) -> str:
    """``guard.finding`` → ``guard_finding``: a column name every dialect takes unquoted."""
    return name.replace(".", "_")


def _guard_cte(plan: Plan) -> exp.Select:
    """One row per (key, row number) with a finding, whatever the guard table repeats."""
    keys = [col(k) for k in (*KEY, "_MS_ROW")]
    return (
        exp.select(*keys)
        .select(
            *[
                exp.LogicalOr(this=col(guard_column(n))).as_(guard_column(n))
                for n in plan.guard_facts
            ]
        )
        .from_(GUARD_FACTS)
        .group_by(*[k.copy() for k in keys])
    )


def _columns_only(node: Node) -> bool:
    return all(kind == "column" for kind, _ in references(node))


def guard_candidate(plan: Plan, alias: str) -> exp.Expr:
    """Whether the guard's findings on a row can change its decision: the row's state is
    requested and governed, and no gate or withhold rule that reads only columns holds (a
    withhold hit stands whatever else holds, so such rows are withheld without the guard)."""
    state = col("SUBMTG_STATE_CD", alias)
    requested = (
        false_if_null(in_list(state.copy(), plan.requested_states))
        if plan.requested_states is not None
        else exp.true()
    )
    governed: list[exp.Expr] = []
    withheld: list[exp.Expr] = []
    for order in plan.orders:
        gov = false_if_null(in_list(state.copy(), order.states))
        governed.append(gov)
        if order.gate:
            withheld.append(gov.copy())
            continue
        scope = _Scope(plan, order, alias)
        rules = [
            predicate(r.when, scope)
            for r in order.rules
            if r.effect is Effect.WITHHOLD and r.when is not None and _columns_only(r.when)
        ]
        if rules:
            withheld.append(exp.and_(gov.copy(), exp.Paren(this=any_of(rules))))
    return exp.and_(requested, exp.Paren(this=any_of(governed)), not_(any_of(withheld)))


def build_guard_input(plan: Plan, fields: Sequence[str]) -> exp.Select:
    """The rows the guard scans (:func:`guard_candidate`), with its keys and ``fields``."""
    names = [*KEY, "_MS_ROW", *[f for f in fields if f not in KEY]]
    return (
        exp.select(*[col(n) for n in names])
        .from_(ENROLLMENT)
        .where(guard_candidate(plan, ENROLLMENT))
    )


def _diff_column(i: int) -> str:
    return f"dup_diff_{i + 1}"


# --- the query -----------------------------------------------------------------------------------


def _src(plan: Plan) -> exp.Select:
    names = [*plan.enrollment_columns, *LINEAGE]
    return exp.select(*[col(n) for n in names]).from_(ENROLLMENT)


def _det_asof(plan: Plan) -> exp.Select:
    on = col("DETERMINED_ON")
    latest = window(exp.Max(this=on.copy()), [col(k) for k in KEY])
    return (
        exp.select(
            *[col(k) for k in KEY], *[col(n) for n in ("STATUS_CATEGORY", "DETERMINATION_SOURCE")]
        )
        .select(on.copy(), latest.as_("latest_on"))
        .from_(DETERMINATIONS)
        .where(exp.LTE(this=on.copy(), expression=lit(plan.as_of)))
    )


def _det_current() -> exp.Select:
    category = col("STATUS_CATEGORY")
    distinct = exp.Count(this=exp.Distinct(expressions=[category.copy()]))
    has_null = exp.Max(this=case([(is_null(category.copy()), lit(1))], lit(0)))
    return (
        exp.select(*[col(k) for k in KEY])
        .select(
            exp.Max(this=col("DETERMINED_ON")).as_("determined_on"),
            exp.GT(this=exp.Add(this=distinct, expression=has_null), expression=lit(1)).as_(
                "conflict"
            ),
            exp.Min(this=category.copy()).as_("category"),
            exp.Min(this=_trust_rank(col("DETERMINATION_SOURCE"))).as_("trust"),
        )
        .from_("det_asof")
        .where(exp.EQ(this=col("DETERMINED_ON"), expression=col("latest_on")))
        .group_by(*[col(k) for k in KEY])
    )


def _dup_fields(plan: Plan) -> list[str]:
    """Fields compared between a person's rows: every duplicate_conflict order's, then the
    columns that leave."""
    out: list[str] = []
    for use in plan.facts:
        if use.name == "duplicate_conflict":
            out += [f for f in plan.order(use.order_id or "").fields if f not in out]
    out += [f for f in plan.columns if f not in out]
    # Rows of one key cannot differ in the key.
    return [f for f in out if f not in KEY]


def _dup_keys() -> exp.Select:
    return (
        exp.select(*[col(k) for k in KEY])
        .from_("src")
        .group_by(*[col(k) for k in KEY])
        .having(exp.GT(this=exp.Count(this=exp.Star()), expression=lit(1)))
    )


def _dup_people(fields: list[str]) -> exp.Select:
    """Per key with several rows: for each compared field, whether the rows disagree (a null
    differs from any value)."""
    q = exp.select(*[col(k, "s") for k in KEY])
    for i, name in enumerate(fields):
        f = col(name, "s")
        distinct = exp.Count(this=exp.Distinct(expressions=[f.copy()]))
        has_null = exp.Max(this=case([(is_null(f.copy()), lit(1))], lit(0)))
        differ = exp.GT(this=exp.Add(this=distinct, expression=has_null), expression=lit(1))
        q = q.select(differ.as_(_diff_column(i)), copy=False)
    return (
        q.from_(exp.alias_(exp.to_table("src"), "s"))
        .join(exp.alias_(exp.to_table("dup_keys"), "k"), on=key_join("s", "k"))
        .group_by(*[col(k, "s") for k in KEY])
    )


def _dup_rows(fields: list[str]) -> exp.Select:
    """Each row of a key with several rows: its rank in file order and its person's diffs."""
    rank = window(
        exp.RowNumber(), [col(k, "s") for k in KEY], [col("_MS_FILE", "s"), col("_MS_ROW", "s")]
    )
    return (
        exp.select(col("_MS_FILE", "s"), col("_MS_ROW", "s"), rank.as_("dup_rank"))
        .select(*[col(_diff_column(i), "p") for i in range(len(fields))])
        .from_(exp.alias_(exp.to_table("src"), "s"))
        .join(exp.alias_(exp.to_table("dup_people"), "p"), on=key_join("s", "p"))
    )


def _gov_column(i: int) -> str:
    return f"gov_{i + 1}"


def _facts(plan: Plan, fields: list[str], source: str = "src") -> exp.Select:
    q = exp.select("s.*")
    for use in plan.facts:
        q = q.select(_fact_expr(plan, use.name, use.order_id, fields).as_(use.column), copy=False)
    state = col("SUBMTG_STATE_CD", "s")
    # Which orders govern the row's state, and whether the request asks for it: once per row.
    for i, order in enumerate(plan.orders):
        q = q.select(
            false_if_null(in_list(state.copy(), order.states)).as_(_gov_column(i)), copy=False
        )
    requested = (
        false_if_null(in_list(state.copy(), plan.requested_states))
        if plan.requested_states is not None
        else exp.true()
    )
    out_fields = [fields.index(f) for f in plan.columns if f in fields]
    out_conflict = any_of([col(_diff_column(i), "d") for i in out_fields])
    q = q.select(
        requested.as_("requested"),
        col("dup_rank", "d"),
        false_if_null(exp.Paren(this=out_conflict)).as_("dup_conflict_out"),
        not_null(col("SUBMTG_STATE_CD", "u")).as_("unreadable_row"),
        col("decision", "r").as_("review_decision"),
    )
    q = q.from_(exp.alias_(exp.to_table(source), "s"), copy=False)
    if plan.uses_determinations:
        q = q.join(
            exp.alias_(exp.to_table("det_current"), "c"),
            on=key_join("s", "c"),
            join_type="left",
            copy=False,
        )
    if plan.guard_facts:
        on = all_of([exp.EQ(this=col(n, "s"), expression=col(n, "g")) for n in (*KEY, "_MS_ROW")])
        q = q.join(exp.alias_(exp.to_table("guard"), "g"), on=on, join_type="left", copy=False)
    lineage_join = all_of(
        [exp.EQ(this=col(n, "s"), expression=col(n, "d")) for n in ("_MS_FILE", "_MS_ROW")]
    )
    q = q.join(
        exp.alias_(exp.to_table("dup_rows"), "d"), on=lineage_join, join_type="left", copy=False
    )
    q = q.join(
        exp.alias_(exp.to_table("unreadable_keys"), "u"),
        on=key_join("s", "u"),
        join_type="left",
        copy=False,
    )
    return q.join(
        exp.alias_(exp.to_table(REVIEW_DECISIONS), "r"),
        on=key_join("s", "r"),
        join_type="left",
        copy=False,
    )


class _Hits:
    """Every hit the plan can produce, numbered from 1 in the order the reference evaluator
    lists them, with its SQL condition over the ``facts`` row (alias ``f``)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.items: list[tuple[Hit, str, exp.Expr]] = []  # hit, column, condition
        self.late: set[str] = set()  # hits that read other hits: one stage later
        govs = [col(_gov_column(i), "f") for i in range(len(plan.orders))]
        requested = col("requested", "f")
        self._add(plan.not_requested, not_(requested.copy()))
        self._add(plan.no_order, exp.and_(requested.copy(), not_(any_of(govs))))
        for i, order in enumerate(plan.orders):
            gov = col(_gov_column(i), "f")
            if order.gate:
                for hit in order.gate:
                    self._add(hit, gov.copy())
                continue
            scope = _Scope(plan, order)
            rule_columns: list[str] = []
            for hit in order.rules:
                assert hit.when is not None
                rule_columns.append(
                    self._add(hit, exp.and_(gov.copy(), predicate(hit.when, scope)))
                )
            none_held = not_(any_of([col(c, "f") for c in rule_columns]))
            self._add(order.default_deny, exp.and_(gov.copy(), none_held), late=True)
        self._add(plan.unreadable, col("unreadable_row", "f"))

    def _add(self, hit: Hit, condition: exp.Expr, *, late: bool = False) -> str:
        name = f"hit_{len(self.items) + 1}"
        self.items.append((hit, name, condition))
        if late:
            self.late.add(name)
        return name

    def held(self, effect: Effect) -> exp.Expr:
        return any_of([col(n, "h") for h, n, _ in self.items if h.effect is effect])

    def shared(self, pick: str) -> bool:
        """Whether two hits of one effect have the same reason (or cite)."""
        seen: set[tuple[Effect, str]] = set()
        for hit, _, _ in self.items:
            key = (hit.effect, hit.reason if pick == "reason" else hit.cite)
            if key in seen:
                return True
            seen.add(key)
        return False

    def texts(self, pick: str) -> tuple[list[str], list[int]]:
        """Distinct reasons (or cites) in hit order, and each hit's 1-based index into them."""
        distinct: list[str] = []
        of: list[int] = []
        for hit, _, _ in self.items:
            text = hit.reason if pick == "reason" else hit.cite
            if text not in distinct:
                distinct.append(text)
            of.append(distinct.index(text) + 1)
        return distinct, of


def _rules_cte(hits: _Hits) -> exp.Select:
    """One row of constants: per hit (1-based) its id, rank and reason and cite numbers."""
    reasons, reason_of = hits.texts("reason")
    cites, cite_of = hits.texts("cite")
    return exp.select(
        array([lit(h.id) for h, _, _ in hits.items]).as_("hit_id"),
        array([lit(RANK[h.effect]) for h, _, _ in hits.items]).as_("hit_rank"),
        array([lit(i) for i in reason_of]).as_("hit_reason"),
        array([lit(t) for t in reasons]).as_("reason_text"),
        array([lit(i) for i in cite_of]).as_("hit_cite"),
        array([lit(t) for t in cites]).as_("cite_text"),
    )


def _hits_cte(hits: _Hits, source: str = "facts") -> exp.Select:
    q = exp.select("f.*")
    for _, name, cond in hits.items:
        if name not in hits.late:
            q = q.select(cond.as_(name), copy=False)
    return q.from_(exp.alias_(exp.to_table(source), "f"))


def _hits_all_cte(hits: _Hits, source: str = "hits") -> exp.Select:
    q = exp.select("f.*")
    for _, name, cond in hits.items:
        if name in hits.late:
            q = q.select(cond.as_(name), copy=False)
    return q.from_(exp.alias_(exp.to_table(source), "f"))


def _decided_cte(hits: _Hits, source: str = "hits_all") -> exp.Select:
    rank = case(
        [
            (hits.held(Effect.WITHHOLD), lit(RANK[Effect.WITHHOLD])),
            (hits.held(Effect.REVIEW), lit(RANK[Effect.REVIEW])),
            (hits.held(Effect.DISCLOSE), lit(RANK[Effect.DISCLOSE])),
        ],
        lit(RANK[Effect.WITHHOLD]),  # nothing held: default deny (never reached: see _Hits)
    )
    return (
        exp.select("h.*").select(rank.as_("rule_rank")).from_(exp.alias_(exp.to_table(source), "h"))
    )


def _several_src() -> exp.Select:
    """The rows of keys with several rows (the same columns as ``src``)."""
    return (
        exp.select("s.*")
        .from_(exp.alias_(exp.to_table("src"), "s"))
        .join(exp.alias_(exp.to_table("dup_keys"), "k"), on=key_join("s", "k"))
    )


def _person_cte() -> exp.Select:
    """A person's strongest rule decision over their rows, for keys with several rows. It is
    computed by a second copy of the rule stages over just those rows, so the main chain is
    read once and never held in memory whole."""
    return (
        exp.select(*[col(k) for k in KEY])
        .select(exp.Max(this=col("rule_rank")).as_("person_rank"))
        .from_("several_decided")
        .group_by(*[col(k) for k in KEY])
    )


def _consolidated_cte() -> exp.Select:
    """A row of a person with several rows takes the person's strongest decision."""
    person, own = col("person_rank", "p"), col("rule_rank", "h")
    stronger = false_if_null(exp.GT(this=person, expression=own))
    return (
        exp.select("h.*")
        .select(
            case([(stronger, person.copy())], own.copy()).as_("rank_1"),
            case([(stronger.copy(), lit(PERSON_ROWS_DISAGREE))]).as_("post_1"),
        )
        .from_(exp.alias_(exp.to_table("decided"), "h"))
        .join(exp.alias_(exp.to_table("person"), "p"), on=key_join("h", "p"), join_type="left")
    )


def _reviewed_cte() -> exp.Select:
    rank, said = col("rank_1"), col("review_decision")
    in_review = exp.EQ(this=rank, expression=lit(RANK[Effect.REVIEW]))
    withheld = exp.and_(in_review, false_if_null(exp.EQ(this=said, expression=lit("withhold"))))
    released = exp.and_(
        in_review.copy(), false_if_null(exp.EQ(this=said.copy(), expression=lit("release")))
    )
    return (
        exp.select("*")
        .select(
            case(
                [(withheld, lit(RANK[Effect.WITHHOLD])), (released, lit(RANK[Effect.DISCLOSE]))],
                rank.copy(),
            ).as_("rank_2"),
            case(
                [(withheld.copy(), lit(REVIEW_WITHHELD)), (released.copy(), lit(REVIEW_RELEASED))]
            ).as_("post_2"),
        )
        .from_("consolidated")
    )


def _collapsed_cte() -> exp.Select:
    rank = col("rank_2")
    leaving = exp.EQ(this=rank, expression=lit(RANK[Effect.DISCLOSE]))
    disagree = exp.and_(leaving, col("dup_conflict_out"))
    copy_of = exp.and_(
        leaving.copy(), false_if_null(exp.GT(this=col("dup_rank"), expression=lit(1)))
    )
    return (
        exp.select("*")
        .select(
            case(
                [(disagree, lit(RANK[Effect.REVIEW])), (copy_of, lit(RANK[Effect.WITHHOLD]))],
                rank.copy(),
            ).as_("rank_3"),
            case(
                [
                    (disagree.copy(), lit(DUPLICATE_ROWS_DISAGREE)),
                    (copy_of.copy(), lit(DUPLICATE_COLLAPSED)),
                ]
            ).as_("post_3"),
        )
        .from_("reviewed")
    )


def hit_table(plan: Plan) -> list[dict[str, Any]]:
    """What ``reason_hits`` numbers: every hit of the plan (1-based, in the order the reference
    evaluator lists them), then minshare's post-decision steps; with id, effect, reason, cite
    and order. The engine stores it with the decisions; ``explain`` reads reasons from it."""
    items = [h for h, _, _ in _Hits(plan).items] + list(plan.post.values())
    return [
        {
            "hit": i,
            "id": h.id,
            "effect": h.effect.value,
            "reason": h.reason,
            "cite": h.cite,
            "order_id": h.order_id,
        }
        for i, h in enumerate(items, start=1)
    ]


def _at(arr: exp.Expr, i: exp.Expr) -> exp.Expr:
    """``arr[i]``, 1-based in every dialect (DuckDB ``arr[i]``, Spark ``ELEMENT_AT``)."""
    return exp.Bracket(this=arr, expressions=[i], offset=1, safe=False)


def _deciding_cte(plan: Plan, hits: _Hits) -> exp.Select:
    """``reason_hits``: the numbers (in :func:`hit_table`) of the hits that carry the decision:
    the last post-decision step that applied, alone; else the hits of the rule decision's
    effect that held. Only the candidates of the row's effect are listed (the list is filtered
    per row, so shorter is cheaper)."""
    rank = col("rule_rank")
    last_post = exp.Coalesce(this=col("post_3"), expressions=[col("post_2"), col("post_1")])
    post_number = case(
        [
            (exp.EQ(this=last_post.copy(), expression=lit(h["id"])), lit(h["hit"]))
            for h in hit_table(plan)[len(hits.items) :]
        ]
    )
    by_rank = case(
        [
            (
                exp.EQ(this=rank.copy(), expression=lit(RANK[effect])),
                compact(
                    [
                        case([(col(n), lit(i))])
                        for i, (h, n, _) in enumerate(hits.items, start=1)
                        if h.effect is effect
                    ]
                ),
            )
            for effect in (Effect.WITHHOLD, Effect.REVIEW, Effect.DISCLOSE)
        ]
    )
    reason_hits = case([(not_null(last_post.copy()), array([post_number]))], by_rank)
    return exp.select("*").select(reason_hits.as_("reason_hits")).from_("collapsed")


def _final(plan: Plan, hits: _Hits) -> exp.Select:
    """One row per enrollment row. Its reasons and cites are read from :func:`hit_table` by its
    ``reason_hits`` where needed; the lists are built from the hit columns and constants,
    never by looking texts up per row."""
    i = exp.column("i")
    ids = array([lit(h["id"]) for h in hit_table(plan)])
    held_ids = [case([(col(n), lit(h.id))]) for h, n, _ in hits.items]
    posts = [col("post_1"), col("post_2"), col("post_3")]
    leaving = in_list(col("rank_3"), [RANK[Effect.DISCLOSE], RANK[Effect.REVIEW]])
    orders = compact([case([(col(_gov_column(n)), lit(o.id))]) for n, o in enumerate(plan.orders)])
    q = exp.select(*[col(n) for n in (*KEY, *LINEAGE)]).select(
        orders.as_("orders"),
        rank_text(col("rule_rank")).as_("rule_decision"),
        compact([*held_ids, *posts]).as_("rule_ids"),
        rank_text(col("rank_3")).as_("decision"),
        exp.Transform(
            this=col("reason_hits"),
            expression=exp.Lambda(this=_at(ids, i), expressions=[exp.to_identifier("i")]),
        ).as_("reason_ids"),
        col("reason_hits"),
        *[col(u.column) for u in plan.facts],
        # Values travel on only for rows that may leave or that a reviewer must see.
        *[case([(leaving.copy(), col(c))]).as_(c) for c in plan.columns if c not in KEY],
    )
    return q.from_("deciding")


def build_query(plan: Plan) -> exp.Select:
    """The decision query of ``plan`` as a dialect-neutral sqlglot tree."""
    hits = _Hits(plan)
    fields = _dup_fields(plan)
    # Referenced several times but cheap to recompute: never materialize them (a materialized
    # copy of every row would make memory grow with the input). ``rules`` is not read by the
    # output (see _final): it stays as the compiled query's own table of its hits.
    inline = {"src"}
    ctes: list[tuple[str, exp.Expr]] = [("rules", _rules_cte(hits)), ("src", _src(plan))]
    if plan.uses_determinations:
        ctes += [("det_asof", _det_asof(plan)), ("det_current", _det_current())]
    ctes += [
        ("dup_keys", _dup_keys()),
        ("dup_people", _dup_people(fields)),
        ("dup_rows", _dup_rows(fields)),
        ("unreadable_keys", exp.select(*[col(k) for k in KEY]).distinct().from_(UNREADABLE)),
        *([("guard", _guard_cte(plan))] if plan.guard_facts else []),
        ("facts", _facts(plan, fields)),
        ("hits", _hits_cte(hits)),
        ("hits_all", _hits_all_cte(hits)),
        ("decided", _decided_cte(hits)),
        ("several_src", _several_src()),
        ("several_facts", _facts(plan, fields, "several_src")),
        ("several_hits", _hits_cte(hits, "several_facts")),
        ("several_hits_all", _hits_all_cte(hits, "several_hits")),
        ("several_decided", _decided_cte(hits, "several_hits_all")),
        ("person", _person_cte()),
        ("consolidated", _consolidated_cte()),
        ("reviewed", _reviewed_cte()),
        ("collapsed", _collapsed_cte()),
        ("deciding", _deciding_cte(plan, hits)),
    ]
    query = _final(plan, hits)
    for name, body in ctes:
        query = query.with_(
            name, as_=body, materialized=False if name in inline else None, copy=False
        )
    return query


__all__ = [
    "DETERMINATIONS",
    "ENROLLMENT",
    "GUARD_FACTS",
    "LINEAGE",
    "OUTPUT_COLUMNS",
    "RANK",
    "REVIEW_DECISIONS",
    "SSN_PATTERN",
    "UNREADABLE",
    "build_guard_input",
    "build_query",
    "guard_candidate",
    "guard_column",
    "hit_table",
    "lit",
    "predicate",
]
