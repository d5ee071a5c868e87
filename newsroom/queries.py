"""Queries built once per process and run again with other values.

The few queries of a page rendered afresh (an article read by its slug, its comments) are simple:
profiled, the ORM took as long to build and compile each one as the database took to run it. A
`PreparedQuery` has the ORM build a query's SQL once per database, then runs that SQL with each new
value: the same query, the same rows, the same model instances, without building it again."""

from django.db import connections
from django.db.models.query import get_related_populators

# Two values the query is built with to find where its value goes among the SQL's parameters: the
# parameters that differ between the two are the value's.
_PROBES = (-1, -2)


class PreparedQuery:
    """`build(value)` is the queryset for one value (an id, a slug); `objects(value)` are its model
    instances, with the relations it selects, and `rows(value)` its rows, for a `values_list`."""

    def __init__(self, build):
        self.build = build
        self._built = {}

    def objects(self, value, using="default"):
        compiler, rows = self._run(value, using)
        klass_info, select = compiler.klass_info, compiler.select
        # As Django's own ModelIterable makes them: the model's columns, then each related model's.
        first, *_, last = klass_info["select_fields"]
        names = [column.target.attname for column, _, _ in select[first : last + 1]]
        populators = get_related_populators(klass_info, select, using)
        instances = []
        for row in rows:
            instance = klass_info["model"].from_db(using, names, row[first : last + 1])
            for populator in populators:
                populator.populate(row, instance)
            instances.append(instance)
        return instances

    def rows(self, value, using="default"):
        _, rows = self._run(value, using)
        return [tuple(row) for row in rows]

    def _run(self, value, using):
        """The compiler that built the SQL, and the rows it gives for `value`, converted as the ORM does."""
        compiler, sql, params, slots = self._prepared(using)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, [value if index in slots else param for index, param in enumerate(params)])
            fetched = cursor.fetchall()
        return compiler, list(compiler.results_iter([fetched]))

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
        return self._built[using]
