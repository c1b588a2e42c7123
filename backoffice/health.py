"""Source health: reachable, really read-only, schema as the models expect it, indexes present.

Pure read functions: each check connects through the ordinary SELECT-only alias
(`connections[alias]`), reads the catalogs and returns dataclasses. Nothing here writes, and a
failing source gives a report, never an exception. Four catalog queries per source:

1. session and role: server version, read-only flags, role, TEMP/CREATE privileges;
2. every mirrored table with its columns, types, enum labels and write privileges (ONE query);
3. the primary keys and unique indexes of those tables (is the model's key still a key?);
4. their indexes, to decide which of the service's own indexes the pages rely on are gone and
   which recommended indexes are missing.

Expected types come from the models: each Django field class (and the fields of
backoffice/fields.py) maps to the PostgreSQL type the services use for it (EXPECTED_TYPES), so a
column whose type changed is named, with what it does to the pages that read it.

Used by `manage.py check_sources` (deploy gate), the admin "Source health" page and the drift
banner on a source's list pages (backoffice.health_admin).
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.utils import timezone

from backoffice.fields import NaiveUTCDateTimeField, NativeEnumField, SourceJSONField
from backoffice.source_app import source_config
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
JOIN, PRIMARY_KEY, SERVICE_INDEX = "join", "primary_key", "service_index"
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
    config = source_config(alias)
    try:
        with raw, raw.cursor() as cursor:
            _check_session(cursor, report)
            tables = _read_tables(cursor, sorted({m._meta.db_table for m in models}))
            _check_write_privileges(tables, report)
            source_security.check_role(cursor, report, alias, mirrored=list(tables))
            _check_schema(models, tables, config.secret_columns if config else {}, report)
            _check_primary_keys(models, _read_keys(cursor, sorted(tables)), tables, report)
            _check_indexes(cursor, index_declarations(alias, models), tables, report)
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


TEXT_TYPES = {"text", "varchar", "bpchar", "char", "name", "citext"}
INT_TYPES = {"int2", "int4", "int8"}
FLOAT_TYPES = {"float4", "float8", "numeric"}
TIMESTAMP_TYPES = {"timestamptz", "timestamp"}
ENUM = "enum"  # any native enum type (its labels are compared with the field's choices)

# The PostgreSQL type (pg_type.typname) the services use for each Django field class; the
# fields of backoffice/fields.py refine it (expected_type). varchar and text are one family:
# the pages read both alike, so a change between them is not reported.
EXPECTED_TYPES = {
    **dict.fromkeys(("AutoField", "IntegerField", "PositiveIntegerField"), "int4"),
    **dict.fromkeys(("BigAutoField", "BigIntegerField", "PositiveBigIntegerField"), "int8"),
    **dict.fromkeys(("SmallAutoField", "SmallIntegerField", "PositiveSmallIntegerField"), "int2"),
    **dict.fromkeys(("CharField", "SlugField", "EmailField", "URLField"), "varchar"),
    "TextField": "text",
    "FloatField": "float8",
    "DecimalField": "numeric",
    "BooleanField": "bool",
    "UUIDField": "uuid",
    "DateTimeField": "timestamptz",
    "DateField": "date",
    "TimeField": "time",
    "DurationField": "interval",
    "BinaryField": "bytea",
    "GenericIPAddressField": "inet",
    "JSONField": "jsonb",
}
TYPE_NAMES = {
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "float4": "real",
    "float8": "double precision",
    "varchar": "character varying",
    "bool": "boolean",
    "timestamptz": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
    "time": "time without time zone",
    ENUM: "a native enum",
}


def _field_kind(field) -> tuple[str, object]:
    """(internal type, the field that defines the column type): FKs take their target's type."""
    while field.is_relation and getattr(field, "target_field", None) is not None:
        field = field.target_field
    return field.get_internal_type(), field


def expected_type(model_field) -> str | None:
    """The pg_type name the model declares for the column ("_text" for text[]), None if unknown."""
    internal, target = _field_kind(model_field)
    if isinstance(target, NativeEnumField):
        return ENUM
    if isinstance(target, NaiveUTCDateTimeField):
        return "timestamp"
    if isinstance(target, SourceJSONField):
        return target.json_type
    if internal == "ArrayField":
        element = expected_type(target.base_field)
        return f"_{element}" if element and element != ENUM else None
    return EXPECTED_TYPES.get(internal)


def _type_name(typname: str | None) -> str:
    if typname and typname.startswith("_"):
        return f"{_type_name(typname[1:])}[]"
    return TYPE_NAMES.get(typname, typname or "?")


def _same_type(expected: str, column: Column) -> bool:
    actual = column.typname
    if expected == ENUM:
        return column.typtype == "e" and not column.element
    if column.typtype == "e" and not column.element:
        return False
    if expected in TEXT_TYPES:
        return actual in TEXT_TYPES
    if expected.startswith("_") and actual.startswith("_"):
        return expected == actual or (expected[1:] in TEXT_TYPES and actual[1:] in TEXT_TYPES)
    return expected == actual


def pages_of(model) -> str:
    """The pages that read a model's table, in words a support engineer can follow."""
    from django.contrib import admin
    from django.urls import NoReverseMatch, reverse

    opts = model._meta
    if admin.site.is_registered(model):
        try:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        except NoReverseMatch:
            url = ""
        return f"the {opts.verbose_name} list and detail" + (f" ({url})" if url else "")
    return f"the {opts.verbose_name_plural} shown inside other pages"


def _check_schema(models, tables: dict, secrets: dict, report: SourceReport) -> None:
    known: dict[str, set[str]] = {}
    for model in models:
        table_name = model._meta.db_table
        table = tables.get(table_name)
        pages = pages_of(model)
        if table is None:
            report.add(ERROR, MISSING_TABLE, f"Table {table_name} is missing: {pages} will fail.", table_name)
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
                    f"({model.__name__}.{model_field.name}): {pages} will fail.",
                    table_name,
                    column_name,
                )
                continue
            for severity, kind, message in _compare(model_field, column):
                report.add(
                    severity,
                    kind,
                    f"{table_name}.{column_name}: {message} Pages: {pages}.",
                    table_name,
                    column_name,
                )
            _check_join(model_field, column, tables, report)
    for table_name, columns in known.items():
        hidden = set(secrets.get(table_name, ()))
        extra = [c for c in tables[table_name]["columns"] if c not in columns and c not in hidden]
        for column_name in extra:
            column = tables[table_name]["columns"][column_name]
            report.add(
                INFO,
                EXTRA_COLUMN,
                f"{table_name}.{column_name} ({column.type}) is new: not mapped by the models (ignored by every page).",
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


def _changed(expected: str, column: Column) -> str:
    return f"type changed: the model declares {_type_name(expected)}, the table has {column.type}."


# What a type change does to the pages, by (declared family, actual family). Anything not listed
# is an error: the pages may fail.
def _effect(expected: str, column: Column) -> tuple[str, str] | None:
    actual = column.typname
    native_enum = column.typtype == "e" and not column.element
    if expected in TEXT_TYPES and native_enum:
        return (
            WARNING,
            "Lists and details read it as text; a filter or search with a value outside the enum "
            "answers an error, and sorting follows the enum's order.",
        )
    if expected == ENUM and actual in TEXT_TYPES:
        return (INFO, "Read as text as before; values are no longer limited to the enum.")
    if expected in TEXT_TYPES and actual == "uuid":
        return (
            WARNING,
            "Reads work, but joins with text columns and non-UUID search terms fail; compare as text "
            "(Cast(..., TextField())).",
        )
    if expected == "uuid" and actual in TEXT_TYPES:
        return (
            WARNING,
            "Lookups with uuid parameters fail (text = uuid) and joins with uuid columns break; compare as text.",
        )
    if expected in TEXT_TYPES and actual in INT_TYPES | FLOAT_TYPES:
        return (WARNING, "Values read back as numbers.")
    if expected in INT_TYPES and actual in INT_TYPES:
        return (WARNING, "Pages still work (Python ints have no width); declare the new width in the model.")
    if expected in FLOAT_TYPES and actual in FLOAT_TYPES | INT_TYPES:
        return (
            WARNING,
            "Pages still show it; numeric reads as Decimal and double precision as float, so rounding "
            "and sums may differ.",
        )
    if expected in TIMESTAMP_TYPES and actual in TIMESTAMP_TYPES:
        if actual == "timestamp":
            return (WARNING, "Naive values are read as UTC (the connection's time zone); check the writer stores UTC.")
        return (WARNING, "Aware values are converted to UTC on read; filters still compare correctly.")
    if expected == "date" and actual in TIMESTAMP_TYPES:
        return (WARNING, "Read as a datetime where the model expects a date.")
    if expected in {"json", "jsonb"} and actual in {"json", "jsonb"}:
        return (
            WARNING,
            "Pages read both; SQL that reads keys in the database follows the column's real type (read "
            "once per process), but expression indexes built for the old type no longer serve the filters.",
        )
    return None


def _compare(model_field, column: Column) -> list[tuple[str, str, str]]:
    """Findings for one mapped column: (severity, kind, message). Empty when it matches."""
    internal, target = _field_kind(model_field)
    expected = expected_type(model_field)
    out: list[tuple[str, str, str]] = []
    native_enum = column.typtype == "e" and not column.element
    if internal == "JSONField" and column.typname == "json" and not isinstance(target, SourceJSONField):
        return [(ERROR, TYPE, "is json: a plain models.JSONField crashes when a row is loaded; use SourceJSONField.")]
    if expected is None:
        if internal == "ArrayField" and not column.element:
            out.append((ERROR, TYPE, f"is {column.type}, the model expects an array: its pages may fail."))
    elif not _same_type(expected, column):
        effect = _effect(expected, column)
        if effect is None:
            out.append((ERROR, TYPE, f"{_changed(expected, column)} Its pages may fail."))
        else:
            out.append((effect[0], TYPE, f"{_changed(expected, column)} {effect[1]}"))
    if native_enum and internal in {"CharField", "TextField"}:
        out.extend(_compare_enum(model_field, column))
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


# -- 3. primary keys --------------------------------------------------------------------------------

# Primary keys and plain unique indexes (no expression, no predicate), key columns in order.
KEYS_SQL = """
SELECT c.relname, i.indisprimary, i.indexrelid::regclass::text, array_agg(a.attname::text ORDER BY k.ord)
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indrelid
 CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
 WHERE c.relname = ANY(%s) AND pg_table_is_visible(c.oid)
   AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL AND k.ord <= i.indnkeyatts
 GROUP BY c.relname, i.indisprimary, i.indexrelid
"""


def _read_keys(cursor, names: list[str]) -> dict[str, dict]:
    """{table: {"primary": [columns] or None, "unique": {frozenset(columns): index name}}}."""
    keys: dict[str, dict] = {}
    if not names:
        return keys
    cursor.execute(KEYS_SQL, [names])
    for table, primary, index, columns in cursor.fetchall():
        entry = keys.setdefault(table, {"primary": None, "unique": {}})
        if primary:
            entry["primary"] = list(columns)
        entry["unique"][frozenset(columns)] = index
    return keys


def _check_primary_keys(models, keys: dict, tables: dict, report: SourceReport) -> None:
    """The model's primary key should be the table's: detail pages look rows up by it."""
    for model in models:
        opts = model._meta
        table = tables.get(opts.db_table)
        if table is None or table["kind"] not in {"r", "p"}:
            continue
        declared = [f.column for f in (getattr(opts, "pk_fields", None) or [opts.pk])]
        if any(column not in table["columns"] for column in declared):
            continue  # reported as a missing column
        entry = keys.get(opts.db_table, {"primary": None, "unique": {}})
        primary = entry["primary"]
        if primary == declared:
            continue
        now = f"({', '.join(primary)})" if primary else "no primary key"
        key = ", ".join(declared)
        still_unique = entry["unique"].get(frozenset(declared))
        if still_unique:
            effect = f"({key}) is still unique (index {still_unique}), so rows are still found by it."
        else:
            effect = (
                f"({key}) is no longer guaranteed unique: a detail page whose key matches several rows "
                "says so instead of showing one, and paging may repeat or skip rows."
            )
        from django.contrib import admin

        has_page = admin.site.is_registered(model)
        if not has_page:  # shown only inside other pages: nothing looks its rows up by key
            effect = f"({key}) is not a key of the table; no page of its own looks rows up by it."
        report.add(
            WARNING if has_page else INFO,
            PRIMARY_KEY,
            f"Primary key of {opts.db_table} changed: the model's is ({key}), the table has {now}. {effect} "
            f"Pages: {pages_of(model)}.",
            opts.db_table,
            key,
        )


# -- 4. indexes ---------------------------------------------------------------------------------

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


@dataclass(frozen=True)
class IndexSpec:
    table: str
    columns: str  # 'a DESC, lower(b)' or 'USING gin (c)'
    name: str
    service: bool  # the service's own index (gone = drift); else one the back office recommends
    pages: str = ""  # the pages that read through it


def index_declarations(alias: str, models=None) -> list[IndexSpec]:
    """Every index the pages of a source rely on. The one place that reads their declarations.

    They are declared on the source's AppConfig (backoffice.source_app): service_indexes are the
    service's own, recommended_indexes the back office's additions; each entry is
    (table, columns_sql, name) or (table, columns_sql, name, pages). Added to them, as
    recommendations, what the models imply: a ForeignKey with a reverse accessor (related lists
    filter on it), a field with db_index/unique, Meta.indexes and unique constraints, unless a
    declared index on the same table already leads with the same columns.
    """
    models = _mirrored_models(alias) if models is None else models
    config = source_config(alias)
    by_table = {m._meta.db_table: m for m in models}

    def spec(entry: tuple, service: bool) -> IndexSpec:
        table, columns, name, *rest = entry
        model = by_table.get(table)
        pages = rest[0] if rest else (pages_of(model) if model else f"the pages reading {table}")
        return IndexSpec(table, columns, name, service, pages)

    specs = [spec(e, True) for e in (config.service_indexes if config else [])]
    specs += [spec(e, False) for e in (config.recommended_indexes if config else [])]
    seen = {(s.table, tuple(parse_columns(s.columns)[1])) for s in specs}

    def imply(model, columns: list[str]) -> None:
        table = model._meta.db_table
        columns_sql = ", ".join(columns)
        key = (table, tuple(parse_columns(columns_sql)[1]))
        if any(t == table and k[: len(key[1])] == key[1] for t, k in seen):
            return
        seen.add(key)
        specs.append(IndexSpec(table, columns_sql, f"bo_{table}_{'_'.join(columns)}"[:63], False, pages_of(model)))

    for model in models:
        opts = model._meta
        for model_field in opts.concrete_fields:
            if model_field.primary_key:
                continue
            if model_field.is_relation and model_field.remote_field.hidden:
                continue  # related_name="+": no reverse list filters on this column
            if model_field.db_index or model_field.unique:
                imply(model, [_ident(model_field.column)])
        for index in opts.indexes:
            if index.fields and not index.condition:
                imply(model, [_ident(opts.get_field(f.lstrip("-")).column) for f in index.fields])
        for constraint in opts.constraints:
            fields = getattr(constraint, "fields", ())
            if fields and not getattr(constraint, "condition", None):
                imply(model, [_ident(opts.get_field(f).column) for f in fields])
    return specs


def _check_indexes(cursor, specs: list[IndexSpec], tables: dict, report: SourceReport) -> None:
    specs = [s for s in specs if s.table in tables and tables[s.table]["kind"] in {"r", "p", "m"}]
    if not specs:
        return
    # Columns over a value whose type may vary (a payload json or jsonb) render for the real one.
    specs = [
        replace(s, columns=s.columns.for_columns(tables[s.table]["columns"]))
        if hasattr(s.columns, "for_columns")
        else s
        for s in specs
    ]
    cursor.execute(INDEXES_SQL, [sorted({s.table for s in specs})])
    existing: dict[str, list[tuple[str, tuple | None]]] = {}
    for table, name, indexdef in cursor.fetchall():
        existing.setdefault(table, []).append((name, parse_indexdef(indexdef)))
    present = {True: 0, False: 0}
    for s in specs:
        wanted = parse_columns(s.columns)
        if any(n == s.name or (parsed and covers(parsed, wanted)) for n, parsed in existing.get(s.table, [])):
            present[s.service] += 1
            continue
        report.index_suggestions.append(suggestion(s.table, s.columns, s.name, tables[s.table]["kind"] == "p"))
        if s.service:
            report.add(
                WARNING,
                SERVICE_INDEX,
                f"The service's index {s.name} on {s.table} ({_short(s.columns)}) is gone. Slowed: {s.pages} (they "
                "now scan the whole table, on a big one past the statement timeout).",
                s.table,
            )
        else:
            report.add(
                WARNING,
                INDEX,
                f"No index on {s.table} ({_short(s.columns)}) for the back office's queries; suggested: {s.name}. "
                f"It speeds up {s.pages}.",
                s.table,
            )
    for service, label in ((True, "service indexes the pages rely on"), (False, "recommended indexes")):
        total = sum(1 for s in specs if s.service is service)
        if present[service]:
            report.add(OK, SERVICE_INDEX if service else INDEX, f"{present[service]} of {total} {label} are present.")


# -- helpers --------------------------------------------------------------------------------------

_PLAIN_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_RESERVED = {"user", "order", "group", "table", "select", "where", "from", "limit", "offset", "check", "default"}


def _ident(name: str) -> str:
    if _PLAIN_IDENT.match(name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def _short(columns_sql: str, limit: int = 100) -> str:
    """Index columns for a one-line finding; the suggested statement carries them in full."""
    text = " ".join(str(columns_sql).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
