"""Source health: reachable, really read-only, schema as the models expect it, indexes present.

Pure read functions: each check connects through the ordinary SELECT-only alias
(`connections[alias]`), reads the catalogs and returns dataclasses. Nothing here writes, and a
failing source gives a report, never an exception. Three catalog queries per source:

1. session and role: server version, read-only flags, role, TEMP/CREATE privileges;
2. every mirrored table with its columns, types, enum labels and write privileges (ONE query);
3. the indexes of those tables, to decide which recommended indexes are missing.

Used by `manage.py check_sources` (deploy gate), the admin "Source health" page and the drift
banner on a source's list pages (backoffice.health_admin).
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.utils import timezone

from backoffice.sources import get_source

OK, INFO, WARNING, ERROR = "ok", "info", "warning", "error"
SEVERITY_ORDER = {OK: 0, INFO: 1, WARNING: 2, ERROR: 3}

# Finding kinds: what a page or a deploy gate may look for.
CONNECT, READ_ONLY, MISSING_TABLE, MISSING_COLUMN, TYPE, EXTRA_COLUMN, ENUM, INDEX = (
    "connect",
    "read_only",
    "missing_table",
    "missing_column",
    "type",
    "extra_column",
    "enum",
    "index",
)
JOIN = "join"
# Schema findings that make a page of the model fail (the banner shows these).
PAGE_BREAKING = {MISSING_TABLE, MISSING_COLUMN, TYPE}


@dataclass
class Finding:
    severity: str  # ok / info / warning / error
    kind: str
    message: str
    table: str = ""
    column: str = ""


@dataclass
class SourceReport:
    alias: str
    label: str
    reachable: bool = False
    error: str = ""  # why it is unreachable
    server_version: str = ""
    role: str = ""
    database: str = ""
    read_only: bool = False
    replica: bool = False  # a hot standby: writes are impossible whatever the grants
    findings: list[Finding] = field(default_factory=list)
    index_suggestions: list[str] = field(default_factory=list)
    duration_ms: float = 0.0
    checked_at: datetime | None = None

    @property
    def unusable(self) -> bool:
        """Unreachable, not provably read-only, or a mirrored table is missing: gate the deploy."""
        return (
            not self.reachable
            or not self.read_only
            or any(f.kind == MISSING_TABLE and f.severity == ERROR for f in self.findings)
        )

    @property
    def status(self) -> str:
        if self.unusable:
            return "unusable"
        worst = max((SEVERITY_ORDER[f.severity] for f in self.findings), default=0)
        return {0: "ok", 1: "ok", 2: "warnings", 3: "errors"}[worst]

    def breaking(self) -> list[Finding]:
        """Error-level schema findings that break a page of some model of this source."""
        return [f for f in self.findings if f.severity == ERROR and f.kind in PAGE_BREAKING]

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def as_dict(self) -> dict:
        return {**asdict(self), "unusable": self.unusable, "status": self.status}

    def add(self, severity: str, kind: str, message: str, table: str = "", column: str = "") -> None:
        self.findings.append(Finding(severity, kind, message, table, column))


# -- public API -----------------------------------------------------------------------------------


def check_all() -> list[SourceReport]:
    return [check_source(alias) for alias in settings.CONFIGURED_SOURCES]


def check_source(alias: str) -> SourceReport:
    """The health report of one configured source. Never raises for a database problem."""
    started = time.perf_counter()
    report = SourceReport(alias=alias, label=get_source(alias).label, checked_at=timezone.now())
    from backoffice import source_security  # the URL's TLS and the role's privileges (its own module)

    source_security.check_tls(alias, report)
    wrapper = connections[alias]
    try:
        # Its own short-lived connection with the alias's settings (same SELECT-only role): the
        # check never shares, slows or poisons the transaction of the page that shows a banner.
        raw = wrapper.get_new_connection(wrapper.get_connection_params())
    except Exception as exc:  # OperationalError, ConnectionTimeout, bad settings...
        report.error = _first_line(exc)
        report.add(ERROR, CONNECT, f"Cannot connect: {report.error}")
        report.duration_ms = _ms(started)
        return report
    report.reachable = True
    models = _mirrored_models(alias)
    module = _models_module(alias)
    try:
        with raw, raw.cursor() as cursor:
            _check_session(cursor, report)
            tables = _read_tables(cursor, sorted({m._meta.db_table for m in models}))
            _check_write_privileges(tables, report)
            source_security.check_role(cursor, report, alias, mirrored=list(tables))
            _check_schema(models, tables, getattr(module, "SECRET_COLUMNS", {}) or {}, report)
            _check_indexes(cursor, recommended_indexes(models, module), tables, report)
    except Exception as exc:  # psycopg errors: this connection is outside Django's wrappers
        report.add(ERROR, CONNECT, f"A catalog query failed: {_first_line(exc)}")
    finally:
        raw.close()
    report.duration_ms = _ms(started)
    return report


def worst_severity(findings: list[Finding]) -> str:
    return max((f.severity for f in findings), key=SEVERITY_ORDER.__getitem__, default=OK)


# -- 1. session and role ---------------------------------------------------------------------------

SESSION_SQL = """
SELECT current_setting('server_version'),
       current_setting('default_transaction_read_only'),
       current_setting('transaction_read_only'),
       current_user,
       current_database(),
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
       has_database_privilege(current_user, current_database(), 'TEMP'),
       has_schema_privilege(current_user, 'public', 'CREATE'),
       pg_is_in_recovery()
"""


def _check_session(cursor, report: SourceReport) -> None:
    cursor.execute(SESSION_SQL)
    version, default_ro, tx_ro, role, database, superuser, temp, create, replica = cursor.fetchone()
    report.server_version, report.role, report.database = version, role, database
    report.replica = bool(replica)
    proofs = []
    if default_ro == "on":
        report.add(OK, READ_ONLY, "Session is read-only (default_transaction_read_only = on).")
        proofs.append(True)
    else:
        report.add(ERROR, READ_ONLY, f"default_transaction_read_only is {default_ro}: the session may write.")
        proofs.append(False)
    if tx_ro != "on":
        report.add(WARNING, READ_ONLY, "The current transaction is not read-only.")
    if superuser:
        report.add(ERROR, READ_ONLY, f"Role {role} is a superuser: it can write anything and bypasses every grant.")
        proofs.append(False)
    if temp:
        report.add(ERROR, READ_ONLY, f"Role {role} may create temporary tables (TEMP on {database}).")
        proofs.append(False)
    else:
        report.add(OK, READ_ONLY, f"Role {role} cannot create temporary tables.")
    if create:
        report.add(WARNING, READ_ONLY, f"Role {role} may create objects in schema public.")
    if replica:
        report.add(OK, READ_ONLY, "Connected to a replica in recovery: writes are impossible.")
    report.read_only = all(proofs) or bool(replica and not superuser)


def _check_write_privileges(tables: dict, report: SourceReport) -> None:
    writable = sorted(name for name, table in tables.items() if table["writable"])
    replica = report.replica
    if not writable:
        if tables:
            report.add(OK, READ_ONLY, f"Role {report.role} cannot write any of the {len(tables)} mirrored tables.")
        return
    names = ", ".join(writable[:8]) + (" …" if len(writable) > 8 else "")
    if replica:
        report.add(WARNING, READ_ONLY, f"Role {report.role} holds write grants (on a replica) on: {names}.")
    else:
        report.add(ERROR, READ_ONLY, f"Role {report.role} may INSERT/UPDATE/DELETE/TRUNCATE: {names}.")
        report.read_only = False


# -- 2. tables, columns, types ------------------------------------------------------------------

# One row per column of every visible mirrored table (a table without columns gives one row with
# NULL attname). Enum labels come with their column, for arrays of enums too.
TABLES_SQL = """
SELECT c.relname,
       c.relkind,
       has_table_privilege(current_user, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'),
       a.attname,
       format_type(a.atttypid, a.atttypmod),
       t.typname,
       COALESCE(e.typtype, t.typtype),
       e.typname,
       (SELECT array_agg(enumlabel::text ORDER BY enumsortorder)
          FROM pg_enum WHERE enumtypid = COALESCE(e.oid, t.oid))
  FROM pg_class c
  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
 WHERE c.relname = ANY(%s)
   AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND pg_table_is_visible(c.oid)
 ORDER BY c.relname, a.attnum
"""


@dataclass
class Column:
    name: str
    type: str  # format_type(), e.g. "character varying(64)", "timestamp without time zone"
    typname: str  # pg_type.typname, e.g. "varchar", "timestamptz", "_text"
    typtype: str  # "b" base, "e" enum (of the element for arrays), "d" domain, ...
    element: str | None  # element typname for arrays
    enum_labels: list[str] | None


def _read_tables(cursor, names: list[str]) -> dict[str, dict]:
    cursor.execute(TABLES_SQL, [names])
    tables: dict[str, dict] = {}
    for relname, relkind, writable, attname, fmt, typname, typtype, element, labels in cursor.fetchall():
        table = tables.setdefault(relname, {"kind": relkind, "writable": writable, "columns": {}})
        if attname is not None:
            table["columns"][attname] = Column(attname, fmt, typname, typtype, element, labels)
    return tables


def _mirrored_models(alias: str) -> list:
    try:
        config = apps.get_app_config(alias)
    except LookupError:
        return []
    return [m for m in config.get_models() if not m._meta.managed and not m._meta.proxy]


def _models_module(alias: str):
    try:
        return import_module(f"{apps.get_app_config(alias).name}.models")
    except (LookupError, ImportError):
        return None


TEXT_TYPES = {"text", "varchar", "bpchar", "char", "name", "citext"}
INT_TYPES = {"int2", "int4", "int8"}
FLOAT_TYPES = {"float4", "float8", "numeric"}
TIMESTAMP_TYPES = {"timestamptz", "timestamp"}
# Internal types whose columns either match one of these pg_type names or are an error.
SIMPLE_TYPES = {
    **dict.fromkeys(
        (
            "IntegerField",
            "SmallIntegerField",
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "BigIntegerField",
            "PositiveBigIntegerField",
            "AutoField",
            "BigAutoField",
            "SmallAutoField",
        ),
        INT_TYPES,
    ),
    "FloatField": FLOAT_TYPES | INT_TYPES,
    "DecimalField": FLOAT_TYPES | INT_TYPES,
    "BooleanField": {"bool"},
    "BinaryField": {"bytea"},
    "DurationField": {"interval"},
    "TimeField": {"time", "timetz"},
    "GenericIPAddressField": {"inet"} | TEXT_TYPES,
}


def _field_kind(field) -> tuple[str, object]:
    """(internal type, the field that defines the column type): FKs take their target's type."""
    while field.is_relation and getattr(field, "target_field", None) is not None:
        field = field.target_field
    return field.get_internal_type(), field


def _check_schema(models, tables: dict, secrets: dict, report: SourceReport) -> None:
    known: dict[str, set[str]] = {}
    for model in models:
        table_name = model._meta.db_table
        table = tables.get(table_name)
        if table is None:
            report.add(
                ERROR,
                MISSING_TABLE,
                f"Table {table_name} is missing: the {model._meta.verbose_name} pages will fail.",
                table_name,
            )
            continue
        known.setdefault(table_name, set())
        for model_field in model._meta.concrete_fields:
            column_name = model_field.column
            known[table_name].add(column_name)
            column = table["columns"].get(column_name)
            if column is None:
                report.add(
                    ERROR,
                    MISSING_COLUMN,
                    f"Table {table_name} lacks column {column_name} "
                    f"({model.__name__}.{model_field.name}): the {model._meta.verbose_name} pages will fail.",
                    table_name,
                    column_name,
                )
                continue
            for severity, kind, message in _compare(model_field, column):
                report.add(severity, kind, f"{table_name}.{column_name}: {message}", table_name, column_name)
            _check_join(model_field, column, tables, report)
    for table_name, columns in known.items():
        hidden = set(secrets.get(table_name, ()))
        extra = [c for c in tables[table_name]["columns"] if c not in columns and c not in hidden]
        for column_name in extra:
            column = tables[table_name]["columns"][column_name]
            report.add(
                INFO,
                EXTRA_COLUMN,
                f"{table_name}.{column_name} ({column.type}) is not mapped by the models (ignored by every page).",
                table_name,
                column_name,
            )
    schema_errors = [f for f in report.findings if f.severity == ERROR and f.kind in PAGE_BREAKING]
    if tables and not schema_errors:
        report.add(OK, TYPE, f"{len(known)} tables and their columns match the models.")


def _family(typname: str) -> str:
    if typname in TEXT_TYPES:
        return "text"
    if typname in INT_TYPES:
        return "integer"
    return typname


def _check_join(model_field, column: Column, tables: dict, report: SourceReport) -> None:
    """A relation whose two columns drifted apart (uuid on one side, text on the other) cannot be
    joined in SQL: `uuid = text` has no operator, so select_related / related filters fail."""
    if not (model_field.is_relation and model_field.many_to_one and getattr(model_field, "target_field", None)):
        return
    target = model_field.target_field
    target_table = tables.get(target.model._meta.db_table)
    target_column = target_table["columns"].get(target.column) if target_table else None
    if target_column is None:
        return
    if _family(column.typname) != _family(target_column.typname):
        table = model_field.model._meta.db_table
        report.add(
            WARNING,
            JOIN,
            f"{table}.{column.name} ({column.type}) and {target.model._meta.db_table}.{target.column} "
            f"({target_column.type}) differ: SQL joins between them fail ({column.typname} = "
            f"{target_column.typname}); fetch the related rows by a second query instead of select_related.",
            table,
            column.name,
        )


def _compare(model_field, column: Column) -> list[tuple[str, str, str]]:
    """Findings for one mapped column: (severity, kind, message). Empty when it matches."""
    internal, target = _field_kind(model_field)
    typ = column.typname
    expected = internal
    out: list[tuple[str, str, str]] = []

    def bad(message=None):
        out.append((ERROR, TYPE, message or f"is {column.type}, the model expects {expected}: its pages may fail."))

    if column.typtype == "e" and not column.element:  # a native enum
        if internal in {"CharField", "TextField"}:
            out.extend(_compare_enum(model_field, column))
        else:
            bad()
    elif internal in {"CharField", "TextField", "SlugField", "EmailField", "URLField"}:
        if typ == "uuid":
            out.append(
                (
                    WARNING,
                    TYPE,
                    f"is uuid, the model expects text ({internal}): reads work, but joins with text columns and "
                    "non-UUID search terms fail; compare as text (Cast(..., TextField())).",
                )
            )
        elif typ in INT_TYPES | FLOAT_TYPES:
            out.append((WARNING, TYPE, f"is {column.type}, the model expects text: values read back as numbers."))
        elif typ not in TEXT_TYPES:
            bad()
    elif internal == "UUIDField":
        if typ in TEXT_TYPES:
            out.append(
                (
                    WARNING,
                    TYPE,
                    f"is {column.type}, the model expects uuid (UUIDField): lookups with uuid parameters fail "
                    "(text = uuid) and joins with uuid columns break; compare as text.",
                )
            )
        elif typ != "uuid":
            bad()
    elif internal == "DateTimeField":
        naive_model = type(target).__name__ == "NaiveUTCDateTimeField"
        if typ == "timestamp" and not naive_model:
            out.append(
                (INFO, TYPE, "is timestamp without time zone (naive): read as the connection's time zone (UTC).")
            )
        elif typ == "timestamptz" and naive_model:
            out.append((INFO, TYPE, "is timestamptz, the model expects naive UTC timestamps: reads still work."))
        elif typ not in TIMESTAMP_TYPES:
            bad()
    elif internal == "DateField":
        if typ not in {"date", "timestamp", "timestamptz"}:
            bad()
    elif internal == "JSONField":
        source_json = type(target).__name__ == "SourceJSONField"
        if typ == "json":
            if source_json:
                out.append((INFO, TYPE, "is json (not jsonb): no @>/? operators, no GIN index; read keys with KT()."))
            else:
                bad("is json, a plain models.JSONField crashes when a row is loaded: use SourceJSONField.")
        elif typ != "jsonb":
            bad()
    elif internal == "ArrayField":
        if not column.element:
            bad()
    elif internal in SIMPLE_TYPES and typ not in SIMPLE_TYPES[internal]:
        bad()
    return out


def _compare_enum(model_field, column: Column) -> list[tuple[str, str, str]]:
    labels = column.enum_labels or []
    choices = [str(value) for value, _ in (model_field.flatchoices or [])]
    if not choices:
        return [(INFO, ENUM, f"is the enum {column.type} ({', '.join(labels)}); the model has no choices for it.")]
    out = []
    unknown = [label for label in labels if label not in choices]
    if unknown:
        out.append(
            (
                WARNING,
                ENUM,
                f"enum {column.type} has values the model does not know: {', '.join(unknown)} "
                "(shown raw, not offered by filters).",
            )
        )
    absent = [choice for choice in choices if choice not in labels]
    if absent:
        out.append(
            (
                WARNING,
                ENUM,
                f"the model offers values enum {column.type} does not have: {', '.join(absent)} "
                "(filtering on them is an error in PostgreSQL).",
            )
        )
    return out


# -- 3. indexes ---------------------------------------------------------------------------------

INDEXES_SQL = """
SELECT tablename, indexname, indexdef
  FROM pg_indexes
 WHERE tablename = ANY(%s) AND schemaname = ANY(current_schemas(false))
"""

_INDEXDEF_RE = re.compile(
    r"\bON\s+(?:ONLY\s+)?\S+\s+USING\s+(?P<method>\w+)\s*\((?P<columns>.*)\)"
    r"(?P<rest>(?:\s+INCLUDE\s*\(.*?\))?(?:\s+NULLS\s+NOT\s+DISTINCT)?(?:\s+WITH\s*\(.*?\))?"
    r"(?:\s+TABLESPACE\s+\S+)?(?:\s+WHERE\s+.*)?)$",
    re.IGNORECASE | re.DOTALL,
)
_CAST_RE = re.compile(r"::\s*(?:\"[^\"]+\"|[a-z_][a-z0-9_ ]*?)(?:\[\])?(?=[\s,()]|$)", re.IGNORECASE)
_RECOMMENDED_RE = re.compile(
    r"^\s*(?:USING\s+(?P<method>\w+)\s*)?\(?(?P<columns>.*?)\)?\s*$", re.IGNORECASE | re.DOTALL
)


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if "".join(current).strip():
        parts.append("".join(current))
    return parts


def _normalise_element(element: str) -> tuple[str, bool]:
    """('lower email', descending?) for 'lower((email)::text) DESC NULLS FIRST' and the like."""
    text = " ".join(element.strip().split())
    descending = False
    for suffix, desc in ((" nulls first", None), (" nulls last", None), (" desc", True), (" asc", False)):
        if text.lower().endswith(suffix):
            text = text[: -len(suffix)]
            if desc is not None:
                descending = desc
    text = _CAST_RE.sub("", text)
    text = re.sub(r'["()\s]', "", text).lower()
    return text, descending


def parse_columns(columns_sql: str) -> tuple[str, list[tuple[str, bool]]]:
    """('btree', [(expr, desc), ...]) of a recommended 'a DESC, lower(b)' or 'USING gin (c)'."""
    match = _RECOMMENDED_RE.match(columns_sql)
    method = (match.group("method") or "btree").lower()
    body = match.group("columns") if match.group("method") else columns_sql
    return method, [_normalise_element(e) for e in _split_top_level(body)]


def parse_indexdef(indexdef: str) -> tuple[str, list[tuple[str, bool]], bool] | None:
    """(method, elements, partial?) of a pg_indexes.indexdef; None when it cannot be read."""
    match = _INDEXDEF_RE.search(indexdef)
    if not match:
        return None
    columns = match.group("columns")
    # the greedy group may have swallowed an INCLUDE (...) clause: cut at the matching paren
    depth = 0
    for i, char in enumerate(columns):
        depth += char == "("
        depth -= char == ")"
        if depth < 0:
            columns = columns[:i]
            break
    partial = " WHERE " in indexdef.upper()
    return match.group("method").lower(), [_normalise_element(e) for e in _split_top_level(columns)], partial


def covers(existing: tuple[str, list[tuple[str, bool]], bool], wanted: tuple[str, list[tuple[str, bool]]]) -> bool:
    """Does an existing index serve the wanted one? Same method, wanted columns leading, and the
    directions all equal or all reversed (a btree scans backwards); partial indexes do not count."""
    method, elements, partial = existing
    want_method, want = wanted
    if partial or method != want_method or len(elements) < len(want):
        return False
    lead = elements[: len(want)]
    if [e for e, _ in lead] != [e for e, _ in want]:
        return False
    if method != "btree" or len(want) == 1:
        return True
    same = all(d == w for (_, d), (_, w) in zip(lead, want, strict=True))
    reversed_ = all(d != w for (_, d), (_, w) in zip(lead, want, strict=True))
    return same or reversed_


def suggestion(table: str, columns_sql: str, name: str, partitioned: bool = False) -> str:
    columns_sql = columns_sql.strip()
    target = (
        f"{_ident(table)} {columns_sql}"
        if columns_sql.upper().startswith("USING")
        else f"{_ident(table)} ({columns_sql})"
    )
    if partitioned:
        return (
            f"-- {table} is partitioned: CONCURRENTLY is refused on the parent; create the index on each partition "
            f"CONCURRENTLY, then:\nCREATE INDEX IF NOT EXISTS {_ident(name)} ON ONLY {target};"
        )
    return f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {_ident(name)} ON {target};"


def recommended_indexes(models, module) -> list[tuple[str, str, str]]:
    """(table, columns_sql, name) the back office relies on.

    Declared in the source's models module (RECOMMENDED_INDEXES or HOT_INDEXES), plus what the
    models imply: a ForeignKey with a reverse accessor (related lists filter on it), a field with
    db_index/unique, Meta.indexes and unique constraints. Implied ones already declared (same
    table and leading columns) are not repeated.
    """
    declared = list(getattr(module, "RECOMMENDED_INDEXES", None) or []) + list(
        getattr(module, "HOT_INDEXES", None) or []
    )
    seen = {(table, tuple(parse_columns(columns)[1])) for table, columns, _ in declared}
    implied: list[tuple[str, str, str]] = []

    def imply(table: str, columns: list[str]) -> None:
        columns_sql = ", ".join(columns)
        key = (table, tuple(parse_columns(columns_sql)[1]))
        if any(t == table and k[: len(key[1])] == key[1] for t, k in seen):
            return
        seen.add(key)
        implied.append((table, columns_sql, f"bo_{table}_{'_'.join(columns)}"[:63]))

    for model in models:
        opts = model._meta
        for model_field in opts.concrete_fields:
            if model_field.primary_key:
                continue
            if model_field.is_relation and model_field.remote_field.hidden:
                continue  # related_name="+": no reverse list filters on this column
            if model_field.db_index or model_field.unique:
                imply(opts.db_table, [_ident(model_field.column)])
        for index in opts.indexes:
            if index.fields and not index.condition:
                imply(opts.db_table, [_ident(opts.get_field(f.lstrip("-")).column) for f in index.fields])
        for constraint in opts.constraints:
            fields = getattr(constraint, "fields", ())
            if fields and not getattr(constraint, "condition", None):
                imply(opts.db_table, [_ident(opts.get_field(f).column) for f in fields])
    return declared + implied


def _check_indexes(cursor, recommended: list[tuple[str, str, str]], tables: dict, report: SourceReport) -> None:
    recommended = [r for r in recommended if r[0] in tables and tables[r[0]]["kind"] in {"r", "p", "m"}]
    if not recommended:
        return
    wanted_tables = sorted({table for table, _, _ in recommended})
    cursor.execute(INDEXES_SQL, [wanted_tables])
    existing: dict[str, list[tuple[str, tuple | None]]] = {}
    for table, name, indexdef in cursor.fetchall():
        existing.setdefault(table, []).append((name, parse_indexdef(indexdef)))
    present = 0
    for table, columns_sql, name in recommended:
        wanted = parse_columns(columns_sql)
        indexes = existing.get(table, [])
        if any(n == name or (parsed and covers(parsed, wanted)) for n, parsed in indexes):
            present += 1
            continue
        statement = suggestion(table, columns_sql, name, tables[table]["kind"] == "p")
        report.index_suggestions.append(statement)
        report.add(
            WARNING,
            INDEX,
            f"No index on {table} ({columns_sql}) for the back office's queries; suggested: {name}.",
            table,
        )
    if present:
        report.add(OK, INDEX, f"{present} of {len(recommended)} recommended indexes are present.")


# -- helpers --------------------------------------------------------------------------------------

_PLAIN_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_RESERVED = {"user", "order", "group", "table", "select", "where", "from", "limit", "offset", "check", "default"}


def _ident(name: str) -> str:
    if _PLAIN_IDENT.match(name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
