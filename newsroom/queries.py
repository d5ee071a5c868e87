"""Queries built once per process and run again with other values.

The few queries of a page rendered afresh (an article read by its slug, its comments) are simple:
profiled, the ORM took as long to build and compile each one as the database took to run it. A
`PreparedQuery` has the ORM build a query's SQL once per database, then runs that SQL with each new
value: the same query, the same rows, the same model instances, without building it again.

On PostgreSQL it is also a prepared statement of each connection (unless `PREPARED_STATEMENTS` is
off, as it must be behind a pooler that shares connections between transactions): planning took
PostgreSQL longer than running these queries."""

import functools
import itertools
import re
from weakref import WeakKeyDictionary

from django.conf import settings
from django.db import connections
from django.db.models.query import get_related_populators

# Two values the query is built with to find where its value goes among the SQL's parameters: the
# parameters that differ between the two are the value's.
_PROBES = (-1, -2)
# The names of the statements prepared on each open PostgreSQL connection: a new connection has none.
_prepared_on = WeakKeyDictionary()
_statement_numbers = itertools.count(1)


class PreparedQuery:
    """`build(value)` is the queryset for one value (an id, a slug); `objects(value)` are its model
    instances, with the relations it selects, and `rows(value)` its rows, for a `values_list`."""

    def __init__(self, build):
        self.build = build
        self.number = next(_statement_numbers)
        self._built = {}

    def objects(self, value, using="default"):
        compiler, rows = self._run(value, using)
        model, columns, names, populators = self._instance_makers(compiler, using)
        instances = []
        for row in rows:
            instance = model.from_db(using, names, row[columns])
            for populator in populators:
                populator.populate(row, instance)
            instances.append(instance)
        return instances

    @staticmethod
    @functools.cache
    def _instance_makers(compiler, using):
        """What makes a row into instances, as Django's own ModelIterable does: the model, its columns
        and their fields' names, then a populator for each related model. The same for every row."""
        klass_info, select = compiler.klass_info, compiler.select
        first, *_, last = klass_info["select_fields"]
        names = [column.target.attname for column, _, _ in select[first : last + 1]]
        return klass_info["model"], slice(first, last + 1), names, get_related_populators(klass_info, select, using)

    def rows(self, value, using="default"):
        _, rows = self._run(value, using)
        return [tuple(row) for row in rows]

    def _run(self, value, using):
        """The compiler that built the SQL, and the rows it gives for `value`, converted as the ORM does."""
        compiler, sql, params, slots = self._prepared(using)
        values = [value if index in slots else param for index, param in enumerate(params)]
        connection = connections[using]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and settings.PREPARED_STATEMENTS:
                self._execute_prepared(cursor, connection.connection, sql, values)
            else:
                cursor.execute(sql, values)
            fetched = cursor.fetchall()
        return compiler, list(compiler.results_iter([fetched]))

    def _execute_prepared(self, cursor, database_connection, sql, values):
        """The statement executed, prepared first (in the same round trip) on a connection new to it."""
        execute = f"EXECUTE {self.statement}({', '.join(['%s'] * len(values))})"
        prepared = _prepared_on.setdefault(database_connection, set())
        if self.statement in prepared:
            cursor.execute(execute, values)
            return
        # Counted as prepared before it runs: should the EXECUTE fail, the statement exists all the same.
        prepared.add(self.statement)
        numbers = itertools.count(1)
        # Its parameters numbered as PostgreSQL's are; a literal "%%" stays for the driver to unescape.
        statement_sql = re.sub(r"%%|%s", lambda found: found[0] if found[0] == "%%" else f"${next(numbers)}", sql)
        cursor.execute(f"PREPARE {self.statement} AS {statement_sql}; {execute}", values)

    def _prepared(self, using):
        """(compiler, SQL, parameters, the positions of the value among them) for database `using`."""
        if using not in self._built:
            compiler, other = (self.build(probe).query.get_compiler(using) for probe in _PROBES)
            sql, params = compiler.as_sql()
            _, other_params = other.as_sql()
            slots = {index for index, (one, two) in enumerate(zip(params, other_params, strict=True)) if one != two}
            if not slots:
                raise ValueError("The query does not depend on its value.")
            self._built[using] = (compiler, sql, list(params), slots)
            # Named for the table it reads, as the SQL logged for it would show.
            self.statement = f"{compiler.query.model._meta.db_table}_{self.number}"
        return self._built[using]
